// ai_chunk and ai_chunk_merge (NODES 17.3, 17.4): split a text into chunks, merge chunks to a word budget.
// Sizes are UTF-8 bytes and a cut never splits a character (see chunk-text.ts).
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { chunkText, mergeChunks } from './chunk-text.js';

const MODES = ['fixed', 'split'];

export const aiChunk = defineNode({
  name: 'ai_chunk',
  category: 'AI',
  description: 'Split a text into chunks by size (fixed) or at delimiters (split); sizes are UTF-8 bytes',
  params: {
    source_key: p.string({ description: 'Context key of the text', required: true, interpolate: 'string' }),
    mode: p.string({ description: 'fixed or split', default: 'fixed' }),
    size: p.integer({
      description: 'fixed: most bytes per chunk (values below 1 act as 1); a cut never splits a character',
      default: 4096,
    }),
    delimiters: p.string({
      description:
        'Each character is a delimiter (default: none for fixed, "\\n.?" for split); fixed cuts after the last one in the window',
    }),
    prefix: p.boolean({
      description: 'fixed: the delimiter starts the next chunk instead of ending this one',
      default: false,
    }),
    min_chars: p.integer({
      description: 'split: merge a segment into the previous one while either is shorter (bytes)',
      default: 0,
      minimum: 0,
    }),
    output_key: p.string({ description: 'Context key of the chunk array', default: 'chunks' }),
  },
  outputs: {
    '{output_key}': 'array of chunk strings',
    '{output_key}_count': 'number of chunks',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    if (typeof cfg.mode === 'string' && !MODES.includes(cfg.mode)) {
      return [
        { path: '$.mode', message: `ai_chunk: unsupported mode '${cfg.mode}' (use 'fixed' or 'split')` },
      ];
    }
    return [];
  },
  run(cfg, nc) {
    const text = nc.ctx[cfg.source_key];
    if (!Object.hasOwn(nc.ctx, cfg.source_key) || typeof text !== 'string') {
      throw new NodeError(`ai_chunk: source_key '${cfg.source_key}' not found or not a string in context`);
    }
    if (!MODES.includes(cfg.mode)) {
      throw new NodeError(`ai_chunk: unsupported mode '${cfg.mode}' (use 'fixed' or 'split')`);
    }
    const mode = cfg.mode as 'fixed' | 'split';
    const chunks = chunkText(text, {
      mode,
      size: cfg.size,
      delimiters: cfg.delimiters ?? (mode === 'split' ? '\n.?' : ''),
      prefix: cfg.prefix,
      minChars: cfg.min_chars,
    });
    const ok = cfg.output_key;
    return { [ok]: chunks, [`${ok}_count`]: chunks.length, [`${ok}_success`]: true };
  },
});

export const aiChunkMerge = defineNode({
  name: 'ai_chunk_merge',
  category: 'AI',
  description: 'Merge consecutive chunks into groups under a word budget, joined by blank lines',
  params: {
    source_key: p.string({
      description: 'Context key of the chunk array',
      required: true,
      interpolate: 'string',
    }),
    chunk_size: p.integer({
      description: 'Word budget of a group (words = whitespace-separated tokens)',
      default: 512,
      minimum: 0,
    }),
    output_key: p.string({ description: 'Context key of the merged array', default: 'merged' }),
  },
  outputs: {
    '{output_key}': 'array of merged strings',
    '{output_key}_count': 'number of groups',
    '{output_key}_success': 'true',
  },
  run(cfg, nc) {
    if (!Object.hasOwn(nc.ctx, cfg.source_key)) {
      throw new NodeError(`ai_chunk_merge: source_key '${cfg.source_key}' not found in context`);
    }
    const v = nc.ctx[cfg.source_key];
    if (!Array.isArray(v)) {
      throw new NodeError(`ai_chunk_merge: source_key '${cfg.source_key}' must be an array of strings`);
    }
    const merged = mergeChunks(
      v.map((x) => (typeof x === 'string' ? x : canonicalJson(x))),
      cfg.chunk_size,
    );
    const ok = cfg.output_key;
    return { [ok]: merged, [`${ok}_count`]: merged.length, [`${ok}_success`]: true };
  },
});
