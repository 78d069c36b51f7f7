// Small helpers nodes share: reading context keys with the original's error texts, dotted paths.
import { NodeError } from '../util/errors.js';
import { isPlainObject } from '../util/json.js';

/** The value of a top-level context key, or NodeError `Key '<k>' not found in context`. */
export function requireKey(ctx: Readonly<Record<string, unknown>>, key: string): unknown {
  if (!Object.hasOwn(ctx, key)) throw new NodeError(`Key '${key}' not found in context`);
  return ctx[key];
}

/** A context value that must be an array (`Value at '<k>' is not an array`). */
export function requireArray(ctx: Readonly<Record<string, unknown>>, key: string): unknown[] {
  const v = requireKey(ctx, key);
  if (!Array.isArray(v)) throw new NodeError(`Value at '${key}' is not an array`);
  return v;
}

/** A context value that must be a string (`Value at '<k>' is not a string`). */
export function requireString(ctx: Readonly<Record<string, unknown>>, key: string): string {
  const v = requireKey(ctx, key);
  if (typeof v !== 'string') throw new NodeError(`Value at '${key}' is not a string`);
  return v;
}

/** A context value that must be an object (`Value at '<k>' is not an object`). */
export function requireObject(ctx: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const v = requireKey(ctx, key);
  if (!isPlainObject(v)) throw new NodeError(`Value at '${key}' is not an object`);
  return v;
}

/**
 * Resolve a dotted path of object keys (`a.b.c`, optional `ctx.` prefix) as the routing nodes do:
 * no array indexing. Returns `{found: false}` when any segment is missing.
 */
export function resolveDotted(
  ctx: Readonly<Record<string, unknown>>,
  path: string,
): { found: true; value: unknown } | { found: false } {
  const p = path.startsWith('ctx.') ? path.slice(4) : path;
  let cur: unknown = ctx;
  for (const seg of p.split('.')) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, seg)) return { found: false };
    cur = cur[seg];
  }
  return { found: true, value: cur };
}

/** Sleep that ends early (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
