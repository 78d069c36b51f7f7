// ai_embed (NODES 17.2): embeddings of one text or a list of texts from the context.
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { checkEmbedProvider, embedParams, embedTexts, resolveEmbedTarget } from './embed-client.js';
import { checkInputSize } from './settings.js';

/** NODES 17.2: a string is one text; an array gives one text per item (non-strings as JSON); else JSON. */
export function embedInputs(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : canonicalJson(x)));
  return [canonicalJson(v)];
}

export const aiEmbed = defineNode({
  name: 'ai_embed',
  category: 'AI',
  description: 'Compute embeddings with OpenAI, Ollama or an OAuth-protected OpenAI-style API',
  params: {
    input_key: p.string({
      description: 'Context key of the text or the array of texts',
      required: true,
      interpolate: 'string',
    }),
    ...embedParams(120),
    output_key: p.string({ description: 'Prefix of the output keys', default: 'embed' }),
  },
  outputs: {
    '{ok}_embeddings': 'array of vectors, in input order',
    '{ok}_count': 'number of vectors',
    '{ok}_dimension': 'length of the first vector (0 if none)',
    '{ok}_model': 'the model used ("" when there was nothing to embed)',
    '{ok}_success': 'true',
  },
  check(cfg) {
    return checkEmbedProvider('ai_embed', cfg);
  },
  async run(cfg, nc) {
    if (typeof cfg.input_key !== 'string') throw new NodeError("ai_embed requires 'input_key' parameter");
    if (!Object.hasOwn(nc.ctx, cfg.input_key)) {
      throw new NodeError(`ai_embed: input_key '${cfg.input_key}' not found in context`);
    }
    const texts = embedInputs(nc.ctx[cfg.input_key]);
    const ok = cfg.output_key;
    if (texts.length === 0) {
      // Nothing to embed: no request, and credentials are not needed (NODES 17.2).
      return {
        [`${ok}_embeddings`]: [],
        [`${ok}_count`]: 0,
        [`${ok}_dimension`]: 0,
        [`${ok}_model`]: '',
        [`${ok}_success`]: true,
      };
    }
    const target = resolveEmbedTarget('ai_embed', cfg);
    let bytes = 0;
    for (const t of texts) bytes += Buffer.byteLength(t, 'utf8');
    checkInputSize('ai_embed', 'the input text', bytes);
    const { vectors } = await embedTexts(target, texts, nc, 'texts');
    return {
      [`${ok}_embeddings`]: vectors,
      [`${ok}_count`]: vectors.length,
      [`${ok}_dimension`]: vectors[0]?.length ?? 0,
      [`${ok}_model`]: target.model,
      [`${ok}_success`]: true,
    };
  },
});
