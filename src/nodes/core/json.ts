// json_parse and json_stringify (NODES 9.1, 9.2).
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey, requireString } from '../util.js';

export const jsonParse = defineNode({
  name: 'json_parse',
  category: 'Data transform',
  description: 'Parse a JSON string from the context',
  params: {
    source_key: p.string({ description: 'Context key holding the JSON text', required: true }),
    output_key: p.string({ description: 'Context key of the parsed value', required: true }),
  },
  outputs: { '{output_key}': 'the parsed value' },
  run(cfg, nc) {
    const text = requireString(nc.ctx, cfg.source_key);
    try {
      return { [cfg.output_key]: JSON.parse(text) };
    } catch (e) {
      throw new NodeError(`Failed to parse JSON from '${cfg.source_key}': ${(e as Error).message}`);
    }
  },
});

export const jsonStringify = defineNode({
  name: 'json_stringify',
  category: 'Data transform',
  description: 'Serialize a context value to compact JSON (sorted keys)',
  params: {
    source_key: p.string({ description: 'Context key of the value', required: true }),
    output_key: p.string({ description: 'Context key of the JSON text', required: true }),
  },
  outputs: { '{output_key}': 'compact JSON text with sorted object keys' },
  run(cfg, nc) {
    return { [cfg.output_key]: canonicalJson(requireKey(nc.ctx, cfg.source_key)) };
  },
});
