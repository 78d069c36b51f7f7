// Whole-array nodes: batch and deduplicate (NODES 9.10, 9.11).
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireArray } from '../util.js';

const SIZE_REQUIRED = "batch requires 'size' (positive integer)";
const SIZE_ZERO = "batch 'size' must be greater than 0";

/** The NODES 9.10 message for a bad `size`, or undefined when it is a positive integer. */
function sizeProblem(size: unknown): string | undefined {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return SIZE_REQUIRED;
  if (size === 0) return SIZE_ZERO;
  return undefined;
}

export const batch = defineNode({
  name: 'batch',
  category: 'Data transform',
  description: 'Split an array into chunks of a fixed size',
  params: {
    source_key: p.string({ description: 'Context key of the array', required: true }),
    output_key: p.string({ description: 'Context key of the array of batches', required: true }),
    size: p.integer({ description: 'Required: items per batch, a positive integer' }),
  },
  outputs: {
    '{output_key}': 'array of arrays of at most `size` items (the last one may be shorter)',
    '{output_key}_count': 'number of batches',
  },
  check(cfg) {
    // A fractional literal is reported by the schema (must be an integer); the rest with NODES' texts.
    if (typeof cfg.size === 'number' && !Number.isInteger(cfg.size)) return [];
    if (cfg.size !== undefined && cfg.size !== null && typeof cfg.size !== 'number') return [];
    const problem = sizeProblem(cfg.size);
    return problem ? [{ path: '$.size', message: problem }] : [];
  },
  run(cfg, nc) {
    const problem = sizeProblem(cfg.size);
    if (problem) throw new NodeError(problem);
    const size = cfg.size!;
    const items = requireArray(nc.ctx, cfg.source_key);
    const batches: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
    return { [cfg.output_key]: batches, [`${cfg.output_key}_count`]: batches.length };
  },
});

// Identity of items lacking the `key` field: one shared identity, distinct from an explicit null.
const MISSING = '\u0000missing';

export const deduplicate = defineNode({
  name: 'deduplicate',
  category: 'Data transform',
  description: 'Remove duplicate items from an array (whole item, or by one field)',
  params: {
    source_key: p.string({ description: 'Context key of the array', required: true }),
    output_key: p.string({ description: 'Context key of the deduplicated array', required: true }),
    key: p.string({
      description:
        'Field that identifies an item (compared as JSON: "1" and 1 differ); absent = the whole item, key order ignored',
    }),
  },
  outputs: {
    '{output_key}': 'first occurrence of each item, in the original order',
    '{output_key}_removed': 'number of items removed',
  },
  run(cfg, nc) {
    const items = requireArray(nc.ctx, cfg.source_key);
    const key = cfg.key;
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const item of items) {
      let id: string;
      if (key === undefined) id = canonicalJson(item);
      else id = isPlainObject(item) && Object.hasOwn(item, key) ? canonicalJson(item[key]) : MISSING;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(item);
    }
    return { [cfg.output_key]: out, [`${cfg.output_key}_removed`]: items.length - out.length };
  },
});
