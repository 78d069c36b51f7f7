// ai_chunk_semantic (NODES 17.5): split a text into sentences, embed them, and cut where the smoothed
// distance curve between neighbouring sentences has a qualifying local minimum.
//
// PARITY NOTE: the curve is a *distance* (1 − cosine similarity), yet, like the original, the node keeps
// its local *minima*: it tends to cut where adjacent sentences are most alike, not where the topic changes.
// The arithmetic is kept on purpose so that flows get the same chunks as with the original; it is not
// "fixed" silently. A flow that wants topic boundaries should not rely on this node's split points.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { isSpace } from './chunk-text.js';
import { checkEmbedProvider, embedParams, embedTexts, resolveEmbedTarget } from './embed-client.js';
import { distanceCurve, splitPoints } from './savgol.js';
import { checkInputSize } from './settings.js';

const isAsciiSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;

function trimAscii(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isAsciiSpace(s.charCodeAt(a))) a++;
  while (b > a && isAsciiSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/**
 * Step 2: a `.`, `!` or `?` followed by ASCII whitespace or the end of the text ends a sentence (the mark
 * stays with it); the whitespace after it is skipped; a non-blank remainder is the last sentence.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 46 && c !== 33 && c !== 63) continue;
    if (i + 1 < n && !isAsciiSpace(text.charCodeAt(i + 1))) continue;
    const s = trimAscii(text.slice(start, i + 1));
    if (s !== '') out.push(s);
    let j = i + 1;
    while (j < n && isAsciiSpace(text.charCodeAt(j))) j++;
    start = j;
    i = j - 1;
  }
  const rest = trimAscii(text.slice(start));
  if (rest !== '') out.push(rest);
  return out;
}

function blank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

export const aiChunkSemantic = defineNode({
  name: 'ai_chunk_semantic',
  category: 'AI',
  description:
    'Split a text into chunks of sentences using embeddings. Parity note: like the original it cuts at ' +
    'local minima of the neighbour distance curve (where sentences are most alike), not at topic changes',
  params: {
    source_key: p.string({ description: 'Context key of the text', required: true, interpolate: 'string' }),
    output_key: p.string({ description: 'Context key of the chunk array', default: 'semantic' }),
    ...embedParams(120),
    sim_window: p.integer({
      description: 'Sentences averaged around each gap (below 3 acts as 3; even adds 1)',
      default: 3,
    }),
    sg_window: p.integer({ description: 'Savitzky–Golay smoothing window (even adds 1)', default: 11 }),
    poly_order: p.integer({ description: 'Savitzky–Golay polynomial order', default: 3, minimum: 0 }),
    threshold: p.number({
      description: 'Percentile (0–1) of the minima values a cut may have at most (clamped to [0, 1])',
      default: 0.5,
    }),
    min_distance: p.integer({ description: 'Fewest sentences between two cuts', default: 2, minimum: 0 }),
  },
  outputs: {
    '{output_key}': 'array of chunks (sentences joined by single spaces)',
    '{output_key}_count': 'number of chunks',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    return checkEmbedProvider('ai_chunk_semantic', cfg);
  },
  async run(cfg, nc) {
    const text = nc.ctx[cfg.source_key];
    if (!Object.hasOwn(nc.ctx, cfg.source_key) || typeof text !== 'string') {
      throw new NodeError(
        `ai_chunk_semantic: source_key '${cfg.source_key}' not found or not a string in context`,
      );
    }
    const ok = cfg.output_key;
    const done = (chunks: string[]) => ({
      [ok]: chunks,
      [`${ok}_count`]: chunks.length,
      [`${ok}_success`]: true,
    });
    if (blank(text)) return done([]);
    const sentences = splitSentences(text);
    if (sentences.length <= 1) return done([text]);

    const target = resolveEmbedTarget('ai_chunk_semantic', cfg);
    checkInputSize('ai_chunk_semantic', 'the text', Buffer.byteLength(text, 'utf8'));
    const { vectors } = await embedTexts(target, sentences, nc, 'sentences');
    if ((vectors[0]?.length ?? 0) === 0) throw new NodeError('ai_chunk_semantic: embedding dimension is 0');

    let simWindow = Math.max(3, cfg.sim_window);
    if (simWindow % 2 === 0) simWindow += 1;
    let sgWindow = cfg.sg_window;
    if (sgWindow % 2 === 0) sgWindow += 1;
    const threshold = Math.min(1, Math.max(0, cfg.threshold));

    const cuts = splitPoints(distanceCurve(vectors, simWindow), {
      sgWindow,
      polyOrder: cfg.poly_order,
      threshold,
      minDistance: cfg.min_distance,
    });
    const chunks: string[] = [];
    let start = 0;
    for (const s of cuts) {
      chunks.push(sentences.slice(start, s + 1).join(' '));
      start = s + 1;
    }
    if (start < sentences.length) chunks.push(sentences.slice(start).join(' '));
    return done(chunks);
  },
});
