// `${ctx.…}` placeholders (CORE 3.4, Required grammar). One parser serves validation (lint) and
// rendering, so what `validate` accepts is exactly what renders.
//
//   placeholder := "${" "ctx" selector+ "}"
//   selector    := "." ident | "[" index "]" | "[" json-string "]"      (the first must be a key)
//
// `${` bodies that do not start with `ctx` (`${HOME}`), `${ctx}` and an unterminated `${ctx.` stay literal.
// `\${ctx.x}` renders `${ctx.x}`: an odd run of backslashes before `${` escapes it and one is consumed.
import { canonicalJson } from '../util/json.js';

export type Selector = string | number;

/** A compiled template: literal text and selector paths, in order. */
export type Template = ReadonlyArray<string | readonly Selector[]>;

interface Parsed {
  template: Template;
  errors: string[];
}

const cache = new Map<string, Parsed>();
const CACHE_MAX = 2000;

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** Parse the selectors after `${ctx` starting at `i`; returns the path and the index of the closing `}`. */
function parseSelectors(s: string, i: number): { path: Selector[]; end: number } | { error: string } {
  const path: Selector[] = [];
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 125 /* } */) {
      if (path.length === 0) return { error: 'a placeholder needs a key after ctx, e.g. ${ctx.name}' };
      return { path, end: i };
    }
    if (c === 46 /* . */) {
      let j = i + 1;
      if (j >= n || !isIdentStart(s.charCodeAt(j))) {
        return { error: `expected a key name after '.' (letters, digits and _; use ["..."] for other keys)` };
      }
      while (j < n && isIdentPart(s.charCodeAt(j))) j++;
      path.push(s.slice(i + 1, j));
      i = j;
      continue;
    }
    if (c === 91 /* [ */) {
      const d = s.charCodeAt(i + 1);
      if (d === 34 /* " */) {
        // A JSON string: find its closing quote, honouring escapes.
        let j = i + 2;
        while (j < n && s.charCodeAt(j) !== 34) j += s.charCodeAt(j) === 92 ? 2 : 1;
        if (j >= n) return { error: 'unterminated quoted key' };
        let key: string;
        try {
          key = JSON.parse(s.slice(i + 1, j + 1)) as string;
        } catch {
          return { error: 'invalid quoted key (JSON string escapes expected)' };
        }
        if (s.charCodeAt(j + 1) !== 93 /* ] */) return { error: `expected ']' after the quoted key` };
        path.push(key);
        i = j + 2;
        continue;
      }
      let j = i + 1;
      while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
      const digits = s.slice(i + 1, j);
      if (digits === '' || s.charCodeAt(j) !== 93) {
        return { error: 'an index must be a non-negative integer in brackets, e.g. [0]' };
      }
      if (digits.length > 1 && digits[0] === '0') return { error: `index [${digits}] has a leading zero` };
      if (path.length === 0)
        return { error: 'the first selector after ctx must be a key, e.g. ${ctx.items[0]}' };
      path.push(Number(digits));
      i = j + 1;
      continue;
    }
    return {
      error:
        'only .key, [index] and ["key"] selectors are allowed inside ${ctx…} (no spaces, operators, calls or fallbacks)',
    };
  }
  return { error: 'unterminated placeholder' };
}

export function parseTemplate(s: string): Parsed {
  const hit = cache.get(s);
  if (hit) return hit;
  const parts: Array<string | Selector[]> = [];
  const errors: string[] = [];
  let lit = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const at = s.indexOf('${', i);
    if (at === -1) {
      lit += s.slice(i);
      break;
    }
    // Count the backslashes right before `${`.
    let bs = 0;
    while (at - bs - 1 >= i && s.charCodeAt(at - bs - 1) === 92) bs++;
    const isCtx = s.startsWith('ctx', at + 2) && (at + 5 >= n || !isIdentPart(s.charCodeAt(at + 5)));
    if (!isCtx) {
      lit += s.slice(i, at + 2);
      i = at + 2;
      continue;
    }
    if (bs % 2 === 1) {
      // Escaped: drop one backslash, keep the placeholder text literally.
      lit += s.slice(i, at - 1);
      const close = s.indexOf('}', at);
      const end = close === -1 ? n : close + 1;
      lit += s.slice(at, end);
      i = end;
      continue;
    }
    const close = s.indexOf('}', at);
    if (close === -1 || s.charCodeAt(at + 5) === 125 /* ${ctx} */) {
      // `${ctx}` and an unterminated `${ctx.` stay literal (DECISIONS 14).
      lit += s.slice(i, close === -1 ? n : close + 1);
      i = close === -1 ? n : close + 1;
      continue;
    }
    const r = parseSelectors(s, at + 5);
    if ('error' in r) {
      errors.push(`invalid placeholder '${s.slice(at, close + 1)}': ${r.error}`);
      lit += s.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    lit += s.slice(i, at);
    if (lit) parts.push(lit);
    lit = '';
    parts.push(r.path);
    i = r.end + 1;
  }
  if (lit) parts.push(lit);
  const parsed = { template: parts, errors };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(s, parsed);
  return parsed;
}

/** Resolve a selector path in the context; undefined when any step is missing or of the wrong type. */
export function resolvePath(ctx: Record<string, unknown>, path: readonly Selector[]): unknown {
  let cur: unknown = ctx;
  for (const sel of path) {
    if (typeof sel === 'number') {
      if (!Array.isArray(cur) || sel >= cur.length) return undefined;
      cur = cur[sel];
    } else {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, sel)) {
        return undefined;
      }
      cur = (cur as Record<string, unknown>)[sel];
    }
  }
  return cur;
}

/** Text a resolved value renders as: strings raw, null/missing empty, anything else compact sorted JSON. */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return canonicalJson(v);
}

/** Render every placeholder of `s` against `ctx`. Single pass: inserted text is never re-scanned. */
export function interpolate(s: string, ctx: Record<string, unknown>): string {
  if (!s.includes('${')) return s;
  const { template } = parseTemplate(s);
  if (template.length === 1 && typeof template[0] === 'string') return template[0];
  let out = '';
  for (const part of template) out += typeof part === 'string' ? part : renderValue(resolvePath(ctx, part));
  return out;
}

/** Interpolate every string leaf of a JSON value (object keys are left alone). */
export function interpolateDeep<T>(value: T, ctx: Record<string, unknown>): T {
  if (typeof value === 'string') return interpolate(value, ctx) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, ctx)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateDeep(v, ctx);
    return out as T;
  }
  return value;
}

/** Problems in the placeholders of one string (empty when it is fine). */
export function lintTemplate(s: string): string[] {
  if (!s.includes('${')) return [];
  return parseTemplate(s).errors;
}

/** Top-level context keys a template reads (used to decide what a step needs). */
export function templateKeys(s: string): string[] {
  if (!s.includes('${')) return [];
  const keys: string[] = [];
  for (const part of parseTemplate(s).template) if (typeof part !== 'string') keys.push(part[0] as string);
  return keys;
}
