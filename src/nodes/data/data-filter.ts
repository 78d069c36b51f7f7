// data_filter (NODES 9.8): keep the items of an array whose top-level field satisfies one condition.
import { isPlainObject, jsonEqual } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireArray } from '../util.js';

export const FILTER_OPS = [
  'eq',
  'neq',
  'gt',
  'lt',
  'gte',
  'lte',
  'contains',
  'exists',
  'not_exists',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

const OP_REQUIRED = "data_filter requires 'op' (eq, neq, gt, lt, gte, lte, contains, exists)";

/** A predicate for one item; `value` undefined means the parameter was not given (null is a value). */
export function filterPredicate(field: string, op: string, value: unknown): (item: unknown) => boolean {
  const get = (item: unknown): unknown =>
    isPlainObject(item) && Object.hasOwn(item, field) ? item[field] : undefined;
  switch (op) {
    case 'exists':
      return (item) => {
        const v = get(item);
        return v !== undefined && v !== null;
      };
    case 'not_exists':
      return (item) => {
        const v = get(item);
        return v === undefined || v === null;
      };
  }
  // Every other op compares with `value`; without it nothing matches.
  if (value === undefined) return () => false;
  const num = (cmp: (a: number, b: number) => boolean) => (item: unknown) => {
    const v = get(item);
    return typeof v === 'number' && typeof value === 'number' && cmp(v, value);
  };
  switch (op) {
    case 'eq':
      return (item) => {
        const v = get(item);
        return v !== undefined && jsonEqual(v, value);
      };
    case 'neq':
      return (item) => {
        const v = get(item);
        return v !== undefined && !jsonEqual(v, value);
      };
    case 'gt':
      return num((a, b) => a > b);
    case 'lt':
      return num((a, b) => a < b);
    case 'gte':
      return num((a, b) => a >= b);
    case 'lte':
      return num((a, b) => a <= b);
    case 'contains':
      return (item) => {
        const v = get(item);
        return typeof v === 'string' && typeof value === 'string' && v.includes(value);
      };
    default:
      // Unknown ops keep nothing (validation rejects them before a run).
      return () => false;
  }
}

export const dataFilter = defineNode({
  name: 'data_filter',
  category: 'Data transform',
  description: 'Filter an array of objects by a condition on one field',
  params: {
    source_key: p.string({ description: 'Context key of the array', required: true }),
    output_key: p.string({ description: 'Context key of the filtered array', required: true }),
    field: p.string({ description: 'Top-level field of each item (no dotted paths)', required: true }),
    op: p.string({
      description:
        'Required: eq, neq, gt, lt, gte, lte (numbers), contains (strings), exists, not_exists (present and not null / absent or null)',
      enum: FILTER_OPS,
    }),
    value: p.any({ description: 'Value to compare with (all ops except exists / not_exists)' }),
  },
  outputs: {
    '{output_key}': 'the matching items, in their original order',
    '{output_key}_count': 'number of matching items',
  },
  check(cfg) {
    return cfg.op === undefined || cfg.op === null ? [{ path: '$.op', message: OP_REQUIRED }] : [];
  },
  run(cfg, nc) {
    const items = requireArray(nc.ctx, cfg.source_key);
    // An explicit null (json_null in Lua) is a value: `eq` then keeps items whose field is null.
    const keep = filterPredicate(cfg.field, cfg.op ?? '', cfg.value);
    const out = items.filter(keep);
    return { [cfg.output_key]: out, [`${cfg.output_key}_count`]: out.length };
  },
});
