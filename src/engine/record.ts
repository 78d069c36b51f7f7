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

/**
 * Webhook `_headers` are an execution-only overlay (CORE 8.6): steps see them, records and logs never do.
 * Dropping the key is not enough when a step copies a value into its output or an error, so every string
 * that reaches a record or a log line is scrubbed of the hidden values.
 */
export function makeRedactor(
  ctx: Context,
  hiddenKeys: readonly string[] | undefined,
): ((v: unknown) => unknown) | undefined {
  if (!hiddenKeys?.length) return undefined;
  const secrets = new Set<string>();
  const collect = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.trim().length >= 8) secrets.add(v);
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const k of hiddenKeys) collect(ctx[k]);
  if (secrets.size === 0) return undefined;
  const list = [...secrets].sort((a, b) => b.length - a.length);
  const scrub = (s: string) => {
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk;
}
