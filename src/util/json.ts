// JSON helpers shared by the engine and the nodes. The original serialised objects with sorted keys
// (NODES 1.4); anything that turns a value into text for a user (interpolation, hash, json_stringify,
// deduplicate, CSV headers, request bodies) goes through canonicalJson.

/** Compact JSON with object keys sorted by UTF-16 code unit order (byte order for ASCII keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** Deep equality of JSON values (numbers by value, so 1 and 1.0 are equal in JS anyway). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (
      !Object.hasOwn(b, k) ||
      !jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    ) {
      return false;
    }
  }
  return true;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON type name for messages: `string`, `number`, `boolean`, `null`, `array`, `object`. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Format seconds the way the original printed them: no trailing `.0` (`30s`, `0.1s`, `1.5s`). */
export function formatSeconds(s: number): string {
  return `${Number.isInteger(s) ? s.toFixed(0) : String(s)}s`;
}

/**
 * Approximate JSON size of a value, walking at most until `budget` bytes: returns Infinity beyond it, so
 * asking "is this under 2 MiB" never costs more than 2 MiB of walking.
 */
export function jsonSizeWithin(v: unknown, budget: number): number {
  let used = 0;
  const walk = (x: unknown): boolean => {
    if (typeof x === 'string') used += x.length + 2;
    else if (x === null || typeof x !== 'object') used += 8;
    else if (Array.isArray(x)) {
      used += 2;
      for (const e of x) if (!walk(e)) return false;
    } else {
      for (const k in x) {
        used += k.length + 4;
        if (!walk((x as Record<string, unknown>)[k])) return false;
      }
    }
    return used <= budget;
  };
  return walk(v) ? used : Number.POSITIVE_INFINITY;
}
