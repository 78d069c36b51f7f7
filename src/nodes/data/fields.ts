// Field-level reshaping of objects: select_fields, rename_fields, data_transform (NODES 9.6, 9.7, 9.9).
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey, requireObject } from '../util.js';
import { setField } from './object.js';

export const selectFields = defineNode({
  name: 'select_fields',
  category: 'Data transform',
  description: 'Keep only the listed top-level fields of an object',
  params: {
    source_key: p.string({ description: 'Context key of the object', required: true }),
    output_key: p.string({ description: 'Context key of the new object', required: true }),
    fields: p.array({
      description: 'Field names to keep (non-strings and fields absent from the source are skipped)',
      required: true,
    }),
  },
  outputs: { '{output_key}': 'object with the kept fields, in the order of `fields`' },
  run(cfg, nc) {
    const source = requireObject(nc.ctx, cfg.source_key);
    const out: Record<string, unknown> = {};
    for (const f of cfg.fields) {
      if (typeof f === 'string' && Object.hasOwn(source, f)) setField(out, f, source[f]);
    }
    return { [cfg.output_key]: out };
  },
});

export const renameFields = defineNode({
  name: 'rename_fields',
  category: 'Data transform',
  description: 'Rename top-level fields of an object (mapping old_name -> new_name)',
  params: {
    source_key: p.string({ description: 'Context key of the object', required: true }),
    output_key: p.string({ description: 'Context key of the new object', required: true }),
    mapping: p.object({
      description:
        'Direction `{ old_name = "new_name" }`; fields not in the mapping (or mapped to a non-string) keep their name',
      required: true,
    }),
  },
  outputs: {
    '{output_key}':
      'object with every source field, renamed ones under their new name (on a name collision the field later in sorted key order wins)',
  },
  run(cfg, nc) {
    const source = requireObject(nc.ctx, cfg.source_key);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(source).sort()) {
      const to = Object.hasOwn(cfg.mapping, k) ? cfg.mapping[k] : undefined;
      setField(out, typeof to === 'string' ? to : k, source[k]);
    }
    return { [cfg.output_key]: out };
  },
});

function project(item: unknown, pairs: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(item)) return out;
  for (const [to, from] of pairs) if (Object.hasOwn(item, from)) setField(out, to, item[from]);
  return out;
}

export const dataTransform = defineNode({
  name: 'data_transform',
  category: 'Data transform',
  description: 'Project and rename fields of an object or of every object in an array (new_name <- old_name)',
  params: {
    source_key: p.string({ description: 'Context key of an object or an array of objects', required: true }),
    output_key: p.string({ description: 'Context key of the result', required: true }),
    mapping: p.object({
      description:
        'Direction `{ new_name = "old_name" }`; only mapped fields present in the item are kept (non-string values ignored)',
      required: true,
    }),
  },
  outputs: { '{output_key}': 'the projected object, or an array of them (non-object items become {})' },
  run(cfg, nc) {
    const source = requireKey(nc.ctx, cfg.source_key);
    const pairs: Array<readonly [string, string]> = [];
    for (const [to, from] of Object.entries(cfg.mapping))
      if (typeof from === 'string') pairs.push([to, from]);
    if (Array.isArray(source)) return { [cfg.output_key]: source.map((item) => project(item, pairs)) };
    if (isPlainObject(source)) return { [cfg.output_key]: project(source, pairs) };
    throw new NodeError(`Value at '${cfg.source_key}' must be an object or array`);
  },
});
