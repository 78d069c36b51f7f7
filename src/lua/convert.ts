// The one bounded Lua <-> JSON converter (CORE 2.4, Required rules). It walks values with the raw C API and
// must run inside a protected call (see LuaState.protect), because pushing can raise "not enough memory".
import { type LuaWasm, T_BOOLEAN, T_LIGHTUSERDATA, T_NIL, T_NUMBER, T_STRING, T_TABLE } from './wasm.js';

export interface ConversionLimits {
  /** IRONFLOW_MAX_CONVERSION_DEPTH */
  maxDepth: number;
  /** IRONFLOW_MAX_CONVERSION_NODES */
  maxNodes: number;
}

/** A conversion failure; `path` is JSON-style (`$.items[3].name`). */
export class ConversionError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ConversionError';
  }
}

const SAFE_INT = 2 ** 63;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Converts between JS values (JSON-shaped) and Lua values on one state. `arrayMtRef` is the registry
 * reference of the metatable that marks a Lua table as a JSON array.
 *
 * Paths for error messages are kept as a stack of segments and only turned into text when an error is
 * raised: building them for every value made a 1 MB conversion several times slower (measured).
 */
export class Converter {
  private nodes = 0;
  private readonly strCache = new Map<number, string>();
  /** Tables on the current path (a table met again on it is a cycle); shallow, so an array scan is cheap. */
  private readonly visiting: number[] = [];
  private root = '$';
  /** Index under `root` (foreach items), kept apart so no path string is built unless an error needs it. */
  private rootIndex: number | undefined;
  private readonly seg: Array<string | number> = [];

  constructor(
    private readonly w: LuaWasm,
    private readonly arrayMtRef: number,
    private readonly objectMtRef: number,
    readonly limits: ConversionLimits,
  ) {}

  /** The JSON-style path of the value being converted, e.g. `$.items[3].name`. */
  private path(extra?: string | number): string {
    let out = this.rootName();
    const parts = extra === undefined ? this.seg : [...this.seg, extra];
    for (const s of parts) out = childPath(out, s);
    return out;
  }

  private fail(message: (path: string) => string, extra?: string | number): never {
    const path = this.path(extra);
    throw new ConversionError(message(path), path);
  }

  private rootName(): string {
    return this.rootIndex === undefined ? this.root : `${this.root}[${this.rootIndex}]`;
  }

  private begin(what: string, index: number | undefined): void {
    this.nodes = 0;
    this.root = what;
    this.rootIndex = index;
    // Only when needed: assigning an array's length costs more than a whole small conversion.
    if (this.seg.length !== 0) this.seg.length = 0;
    if (this.visiting.length !== 0) this.visiting.length = 0;
  }

  /** Push `value` onto L's stack. `what` (and `index`) name the value in errors (e.g. `ctx.items`). */
  push(L: number, value: unknown, what = '$', index?: number): void {
    this.begin(what, index);
    this.pushValue(L, value, 0);
  }

  private count(): void {
    if (++this.nodes > this.limits.maxNodes) {
      this.fail(
        (p) =>
          `${this.rootName()} has more than ${this.limits.maxNodes} values in all (IRONFLOW_MAX_CONVERSION_NODES); the limit was reached at ${p}`,
      );
    }
  }

  private pushValue(L: number, v: unknown, depth: number): void {
    const X = this.w.X;
    this.count();
    switch (typeof v) {
      case 'string':
        this.w.pushString(L, v);
        return;
      case 'number':
        if (Number.isInteger(v) && v >= -SAFE_INT && v < SAFE_INT && !Object.is(v, -0)) {
          X.lua_pushinteger(L, BigInt(v));
        } else {
          X.lua_pushnumber(L, v);
        }
        return;
      case 'boolean':
        X.lua_pushboolean(L, v ? 1 : 0);
        return;
      case 'undefined':
        X.lua_pushnil(L);
        return;
      case 'object': {
        if (v === null) {
          X.lua_pushlightuserdata(L, 0);
          return;
        }
        if (depth >= this.limits.maxDepth) {
          this.fail(
            (p) =>
              `value at ${p} is nested deeper than ${this.limits.maxDepth} levels (IRONFLOW_MAX_CONVERSION_DEPTH)`,
          );
        }
        if (!X.lua_checkstack(L, 4)) this.fail((p) => `Lua stack overflow at ${p}`);
        const seg = this.seg;
        if (Array.isArray(v)) {
          const n = v.length;
          X.lua_createtable(L, n, 0);
          seg.push(0);
          for (let i = 0; i < n; i++) {
            seg[seg.length - 1] = i;
            this.pushValue(L, v[i], depth + 1);
            X.lua_rawseti(L, -2, BigInt(i + 1));
          }
          seg.pop();
          X.lua_rawgeti(L, -1001000, BigInt(this.arrayMtRef));
          X.lua_setmetatable(L, -2);
          return;
        }
        const keys = Object.keys(v);
        X.lua_createtable(L, 0, keys.length);
        seg.push('');
        for (const k of keys) {
          seg[seg.length - 1] = k;
          this.w.pushString(L, k);
          this.pushValue(L, (v as Record<string, unknown>)[k], depth + 1);
          X.lua_rawset(L, -3);
        }
        seg.pop();
        return;
      }
      default:
        this.fail((p) => `value at ${p} cannot be converted to Lua (${typeof v})`);
    }
  }

  /** Convert the Lua value at stack index `idx` (absolute) to JS. `what` names it in errors. */
  read(L: number, idx: number, what = '$', index?: number): unknown {
    this.begin(what, index);
    try {
      return this.readValue(L, idx, 0);
    } finally {
      if (this.strCache.size !== 0) this.strCache.clear();
    }
  }

  private readValue(L: number, idx: number, depth: number): unknown {
    const X = this.w.X;
    this.count();
    const t = X.lua_type(L, idx) as number;
    switch (t) {
      case T_NIL:
        return null;
      case T_BOOLEAN:
        return X.lua_toboolean(L, idx) !== 0;
      case T_NUMBER: {
        const n = X.lua_tonumberx(L, idx, 0) as number;
        if (!Number.isFinite(n)) this.fail((p) => `value at ${p} is not a finite number (${n})`);
        return n;
      }
      case T_STRING:
        return this.readStr(L, idx);
      case T_LIGHTUSERDATA:
        if (X.lua_touserdata(L, idx) === 0) return null;
        return this.fail((p) => `value at ${p} is a userdata and cannot be converted to JSON`);
      case T_TABLE:
        return this.readTable(L, idx, depth);
      default:
        return this.fail((p) => `value at ${p} is a ${typeName(t)} and cannot be converted to JSON`);
    }
  }

  private readStr(L: number, idx: number): string {
    const w = this.w;
    const p = w.X.lua_tolstring(L, idx, w.lenPtr) as number;
    w.refresh();
    const n = w.u32[w.lenPtr >> 2]!;
    if (n <= 40) {
      // Short strings are interned by Lua and never move during one conversion: the pointer is the identity.
      const hit = this.strCache.get(p);
      if (hit !== undefined) return hit;
    }
    const s = w.mem.utf8Slice(p, p + n);
    if (s.indexOf('\uFFFD') !== -1) {
      const { valid } = w.readStringChecked(L, idx);
      if (!valid) this.fail((q) => `string at ${q} is not valid UTF-8 (use base64_encode for binary data)`);
    }
    if (n <= 40) this.strCache.set(p, s);
    return s;
  }

  private readTable(L: number, idx: number, depth: number): unknown {
    const X = this.w.X;
    const ptr = X.lua_topointer(L, idx) as number;
    if (this.visiting.includes(ptr))
      this.fail((p) => `cyclic Lua table at ${p} (a table that contains itself)`);
    if (depth >= this.limits.maxDepth) {
      this.fail(
        (p) =>
          `value at ${p} is nested deeper than ${this.limits.maxDepth} levels (IRONFLOW_MAX_CONVERSION_DEPTH)`,
      );
    }
    if (!X.lua_checkstack(L, 4)) this.fail((p) => `Lua stack overflow at ${p}`);
    this.visiting.push(ptr);
    const top = X.lua_gettop(L) as number;
    const marker = this.marker(L, idx, top);
    const keySlot = top + 1;
    const valSlot = top + 2;
    // Allocated on first use: most tables are either arrays or objects.
    let arr: unknown[] | undefined;
    let holes = false;
    let keys: string[] | undefined;
    let vals: unknown[] | undefined;
    let intKeys = 0;
    const seg = this.seg;
    seg.push('');
    X.lua_pushnil(L);
    while (X.lua_next(L, idx) !== 0) {
      const kt = X.lua_type(L, keySlot) as number;
      if (kt === T_STRING || (kt === T_NUMBER && marker === 'object')) {
        // json_object(t): numeric keys become strings, as JSON object keys must be.
        const k =
          kt === T_STRING ? this.readStr(L, keySlot) : String(X.lua_tonumberx(L, keySlot, 0) as number);
        seg[seg.length - 1] = k;
        keys ??= [];
        vals ??= [];
        keys.push(k);
        vals.push(this.readValue(L, valSlot, depth + 1));
      } else if (kt === T_NUMBER) {
        const kn = X.lua_tonumberx(L, keySlot, 0) as number;
        if (!Number.isInteger(kn) || kn < 1) {
          seg.pop();
          this.fail(
            (p) => `Lua table at ${p} has key ${kn}; JSON arrays need keys 1..n and objects need string keys`,
          );
        }
        intKeys++;
        seg[seg.length - 1] = kn - 1;
        const v = this.readValue(L, valSlot, depth + 1);
        // A key far outside 1..count is certainly a hole; stop collecting and report it below.
        if (!holes && kn <= 2 * intKeys + 64) {
          arr ??= [];
          arr[kn - 1] = v;
        } else holes = true;
      } else {
        seg.pop();
        this.fail(
          (p) =>
            `Lua table at ${p} has a ${typeName(kt)} key; only string keys (objects) or 1..n (arrays) convert to JSON`,
        );
      }
      X.lua_settop(L, keySlot);
    }
    seg.pop();
    X.lua_settop(L, top);
    this.visiting.pop();
    const strKeys = keys?.length ?? 0;
    if (intKeys > 0 && strKeys > 0) {
      this.fail(
        (p) =>
          `mixed Lua table at ${p} (both array items and named keys); keep one kind of key, or wrap it with json_object(...)`,
      );
    }
    if (intKeys > 0) {
      if (holes || !arr || arr.length !== intKeys) {
        this.fail((p) => `sparse Lua array at ${p} (keys must be exactly 1..n without holes)`);
      }
      return arr;
    }
    if (strKeys > 0) {
      if (marker === 'array')
        this.fail((p) => `Lua table at ${p} was marked with json_array(...) but has named keys`);
      return sortedObject(keys!, vals!);
    }
    return marker === 'array' ? [] : {};
  }

  /** Which JSON kind a table's metatable forces: json_array / json_object, or none. */
  private marker(L: number, idx: number, top: number): 'array' | 'object' | undefined {
    const X = this.w.X;
    if (!X.lua_getmetatable(L, idx)) return undefined;
    X.lua_rawgeti(L, -1001000, BigInt(this.arrayMtRef));
    let kind: 'array' | 'object' | undefined;
    if (X.lua_rawequal(L, -1, -2) !== 0) kind = 'array';
    else {
      X.lua_settop(L, -2);
      X.lua_rawgeti(L, -1001000, BigInt(this.objectMtRef));
      if (X.lua_rawequal(L, -1, -2) !== 0) kind = 'object';
    }
    X.lua_settop(L, top);
    return kind;
  }
}

/** An object with keys in sorted order (deterministic output), built once. */
function sortedObject(keys: string[], vals: unknown[]): Record<string, unknown> {
  const n = keys.length;
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    // Insertion sort of both arrays together: objects are small, and this allocates nothing.
    for (let i = 1; i < n; i++) {
      const k = keys[i]!;
      const v = vals[i];
      let j = i - 1;
      while (j >= 0 && keys[j]! > k) {
        keys[j + 1] = keys[j]!;
        vals[j + 1] = vals[j];
        j--;
      }
      keys[j + 1] = k;
      vals[j + 1] = v;
    }
  }
  const out: Record<string, unknown> = {};
  for (let j = 0; j < n; j++) {
    const k = keys[j]!;
    if (k === '__proto__') setKey(out, k, vals[j]);
    else out[k] = vals[j];
  }
  return out;
}

function setKey(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

export function typeName(t: number): string {
  return (
    ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][t] ??
    'value'
  );
}
