// Values crossing between the context and a database: what a bound parameter becomes for each driver, and
// how a column value becomes JSON (integers beyond 2^53 and long decimals as exact strings, BLOBs as base64).
import { interpolate, parseTemplate, renderValue, resolvePath } from '../../engine/interpolate.js';
import type { Context } from '../../engine/types.js';
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { type Plan, pathText } from './sql.js';
import type { Dialect } from './url.js';

const I64_LIMIT = 2 ** 63; // exact as a double
const I64_MIN = -I64_LIMIT;

/**
 * The value of one `params` item. A string that is exactly one `${ctx…}` placeholder binds the context value
 * itself (typed, NULL when missing); any other string is interpolated as text; other JSON values bind as is.
 */
export function resolveParam(item: unknown, ctx: Readonly<Context>): unknown {
  if (typeof item !== 'string' || !item.includes('${')) return item;
  const { template } = parseTemplate(item);
  const only = template.length === 1 ? template[0] : undefined;
  if (only !== undefined && typeof only !== 'string') return resolvePath(ctx as Context, only) ?? null;
  return interpolate(item, ctx as Context);
}

/** Why a value cannot be bound, or undefined when it can. */
function unsupported(v: unknown): string | undefined {
  if (typeof v === 'number' && !Number.isFinite(v)) return `non-finite number ${v}`;
  if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      return `a ${proto?.constructor?.name ?? 'non-JSON'} object`;
  }
  return undefined;
}

/** One value as better-sqlite3 binds it: integers as 64-bit (BigInt), booleans as 0/1, JSON as text. */
function sqliteValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number':
      return Number.isInteger(v) && v >= I64_MIN && v < I64_LIMIT ? BigInt(v) : v;
  }
  if (Buffer.isBuffer(v)) return v;
  return canonicalJson(v);
}

/** One value as pg sends it: text the server casts by context; objects and arrays as JSON text. */
function pgValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'number':
      return v;
    case 'bigint':
      return v.toString();
  }
  if (Buffer.isBuffer(v)) return v;
  return canonicalJson(v);
}

/** The values a plan binds, in marker order, converted for the driver. */
export function bindValues(
  plan: Plan,
  params: readonly unknown[],
  ctx: Readonly<Context>,
  dialect: Dialect,
  node: string,
): unknown[] {
  const conv = dialect === 'sqlite' ? sqliteValue : pgValue;
  const out = new Array<unknown>(plan.slots.length);
  for (let i = 0; i < plan.slots.length; i++) {
    const slot = plan.slots[i]!;
    let v: unknown;
    if (slot.kind === 'param') {
      v = params[slot.index];
      const bad = unsupported(v);
      if (bad) {
        throw new NodeError(
          `${node} failed: Unsupported param type at index ${slot.index}: ${bad} cannot be bound as a SQL parameter`,
          { retryable: false },
        );
      }
    } else {
      const raw = resolvePath(ctx as Context, slot.path);
      if (slot.text) v = renderValue(raw);
      else {
        const bad = unsupported(raw);
        if (bad) {
          throw new NodeError(
            `${node} failed: Unsupported value at \${${pathText(slot.path)}}: ${bad} cannot be bound as a SQL parameter`,
            { retryable: false },
          );
        }
        v = raw;
      }
    }
    out[i] = conv(v);
  }
  return out;
}

/** An integer read from a database: a number when exact (|n| ≤ 2^53 − 1), else its decimal text. */
export function integerOut(v: bigint | string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

/**
 * A PostgreSQL numeric: a number when 15 significant digits or fewer (it then round-trips exactly through a
 * double), else the exact text; NaN and infinities as text.
 */
export function numericOut(s: string): number | string {
  const n = Number(s);
  if (!Number.isFinite(n)) return s;
  const digits = s
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return digits.length <= 15 ? n : s;
}

/** A float: non-finite values (NaN, ±Infinity) have no JSON form, so they come out as text. */
export function floatOut(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

const TRUE_STRINGS = new Set(['1', 'true', 'TRUE', 'True', 't', 'T', 'yes', 'YES']);

/** A value of a BOOLEAN-declared SQLite column (NODES 16: non-zero numbers and some strings are true). */
export function boolOut(v: unknown): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return TRUE_STRINGS.has(v);
  return false;
}

/** A value of a JSON-declared SQLite column: parsed when it is valid JSON text, else as stored. */
export function jsonTextOut(v: unknown): unknown {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return jsonOut(v);
}

/** Any driver value as JSON: bigint → integerOut, Buffer → base64, Date → ISO text, arrays element-wise. */
export function jsonOut(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return floatOut(v);
    case 'bigint':
      return integerOut(v);
  }
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) return v.map(jsonOut);
  return v;
}
