// What a run record keeps of a value: oversized task outputs and context values are replaced by a marker
// (IF-048, IRONFLOW_MAX_TASK_OUTPUT_BYTES), and execution-only keys (webhook `_headers`) never land in it.
import { jsonSizeWithin } from '../util/json.js';
import type { Context } from './types.js';

export function recordValue(v: unknown, limit: number): unknown {
  if (limit <= 0 || v === null || typeof v !== 'object') {
    if (limit > 0 && typeof v === 'string' && v.length > limit) return truncatedMarker(limit);
    return v;
  }
  return jsonSizeWithin(v, limit) === Number.POSITIVE_INFINITY ? truncatedMarker(limit) : v;
}

function truncatedMarker(limit: number): Record<string, unknown> {
  return {
    _truncated: true,
    _minimum_bytes: limit + 1,
    _limit_bytes: limit,
    _note:
      'value larger than IRONFLOW_MAX_TASK_OUTPUT_BYTES; steps saw the full value, the record keeps this marker',
  };
}

/** The context as a record stores it. Per-value limits, so one huge value does not hide the others. */
export function storedContext(
  ctx: Context,
  opts: { hiddenKeys?: readonly string[]; maxOutputBytes: number },
): Context {
  const out: Context = {};
  for (const k of Object.keys(ctx)) {
    if (opts.hiddenKeys?.includes(k)) continue;
    out[k] = recordValue(ctx[k], opts.maxOutputBytes);
  }
  return out;
}
