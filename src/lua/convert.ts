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
 */
export class Converter {
  private nodes = 0;
  private readonly strCache = new Map<number, string>();
  private readonly visiting = new Set<number>();

  constructor(
    private readonly w: LuaWasm,
    private readonly arrayMtRef: number,
    private readonly objectMtRef: number,
    readonly limits: ConversionLimits,
  ) {}

  /** Push `value` onto L's stack. `what` names the value in errors (e.g. `ctx.items`). */
  push(L: number, value: unknown, what = '$'): void {
    this.nodes = 0;
    this.pushValue(L, value, 0, what);
  }

  private count(path: string): void {
    if (++this.nodes > this.limits.maxNodes) {
      throw new ConversionError(
        `value at ${path} has more than ${this.limits.maxNodes} elements (IRONFLOW_MAX_CONVERSION_NODES)`,
        path,
      );
    }
  }

  private pushValue(L: number, v: unknown, depth: number, path: string): void {
    const X = this.w.X;
    this.count(path);
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
          throw new ConversionError(
            `value at ${path} is nested deeper than ${this.limits.maxDepth} levels (IRONFLOW_MAX_CONVERSION_DEPTH)`,
            path,
          );
        }
        if (!X.lua_checkstack(L, 4)) throw new ConversionError(`Lua stack overflow at ${path}`, path);
        if (Array.isArray(v)) {
          const n = v.length;
          X.lua_createtable(L, n, 0);
          for (let i = 0; i < n; i++) {
            this.pushValue(L, v[i], depth + 1, `${path}[${i}]`);
            X.lua_rawseti(L, -2, BigInt(i + 1));
          }
          X.lua_rawgeti(L, -1001000, BigInt(this.arrayMtRef));
          X.lua_setmetatable(L, -2);
          return;
        }
        const keys = Object.keys(v);
        X.lua_createtable(L, 0, keys.length);
        for (const k of keys) {
          this.w.pushString(L, k);
          this.pushValue(
            L,
            (v as Record<string, unknown>)[k],
            depth + 1,
            path === '$' ? `$.${k}` : `${path}.${k}`,
          );
          X.lua_rawset(L, -3);
        }
        return;
      }
      default:
        throw new ConversionError(`value at ${path} cannot be converted to Lua (${typeof v})`, path);
    }
  }

  /** Convert the Lua value at stack index `idx` (absolute) to JS. `what` names it in errors. */
  read(L: number, idx: number, what = '$'): unknown {
    this.nodes = 0;
    this.strCache.clear();
    this.visiting.clear();
    try {
      return this.readValue(L, idx, 0, what);
    } finally {
      this.strCache.clear();
      this.visiting.clear();
    }
  }

  private readValue(L: number, idx: number, depth: number, path: string): unknown {
    const X = this.w.X;
    this.count(path);
    const t = X.lua_type(L, idx) as number;
    switch (t) {
      case T_NIL:
        return null;
      case T_BOOLEAN:
        return X.lua_toboolean(L, idx) !== 0;
      case T_NUMBER: {
        const n = X.lua_tonumberx(L, idx, 0) as number;
        if (!Number.isFinite(n)) {
          throw new ConversionError(`value at ${path} is not a finite number (${n})`, path);
        }
        return n;
      }
      case T_STRING:
        return this.readStr(L, idx, path);
      case T_LIGHTUSERDATA:
        if (X.lua_touserdata(L, idx) === 0) return null;
        throw new ConversionError(`value at ${path} is a userdata and cannot be converted to JSON`, path);
      case T_TABLE:
        return this.readTable(L, idx, depth, path);
      default:
        throw new ConversionError(
          `value at ${path} is a ${typeName(t)} and cannot be converted to JSON`,
          path,
        );
    }
  }

  private readStr(L: number, idx: number, path: string): string {
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
      if (!valid)
        throw new ConversionError(
          `string at ${path} is not valid UTF-8 (use base64_encode for binary data)`,
          path,
        );
    }
    if (n <= 40) this.strCache.set(p, s);
    return s;
  }

  private readTable(L: number, idx: number, depth: number, path: string): unknown {
    const X = this.w.X;
    const ptr = X.lua_topointer(L, idx) as number;
    if (this.visiting.has(ptr)) {
      throw new ConversionError(`cyclic Lua table at ${path} (a table that contains itself)`, path);
    }
    if (depth >= this.limits.maxDepth) {
      throw new ConversionError(
        `value at ${path} is nested deeper than ${this.limits.maxDepth} levels (IRONFLOW_MAX_CONVERSION_DEPTH)`,
        path,
      );
    }
    if (!X.lua_checkstack(L, 4)) throw new ConversionError(`Lua stack overflow at ${path}`, path);
    this.visiting.add(ptr);
    const top = X.lua_gettop(L) as number;
    const marker = this.marker(L, idx, top);
    const keySlot = top + 1;
    const valSlot = top + 2;
    let arr: unknown[] | undefined = [];
    let obj: Record<string, unknown> | undefined;
    let intKeys = 0;
    let strKeys = 0;
    X.lua_pushnil(L);
    while (X.lua_next(L, idx) !== 0) {
      const kt = X.lua_type(L, keySlot) as number;
      if (kt === T_STRING) {
        const k = this.readStr(L, keySlot, path);
        strKeys++;
        obj ??= {};
        setKey(obj, k, this.readValue(L, valSlot, depth + 1, childPath(path, k)));
      } else if (kt === T_NUMBER) {
        const kn = X.lua_tonumberx(L, keySlot, 0) as number;
        if (marker === 'object') {
          // json_object(t): numeric keys become strings, as JSON object keys must be.
          const k = String(kn);
          strKeys++;
          obj ??= {};
          setKey(obj, k, this.readValue(L, valSlot, depth + 1, childPath(path, k)));
        } else {
          if (!Number.isInteger(kn) || kn < 1) {
            throw new ConversionError(
              `Lua table at ${path} has key ${kn}; JSON arrays need keys 1..n and objects need string keys`,
              path,
            );
          }
          intKeys++;
          const v = this.readValue(L, valSlot, depth + 1, `${path}[${kn - 1}]`);
          // A key far outside 1..count is certainly a hole; stop collecting and report it below.
          if (arr && kn <= 2 * intKeys + 64) arr[kn - 1] = v;
          else arr = undefined;
        }
      } else {
        throw new ConversionError(
          `Lua table at ${path} has a ${typeName(kt)} key; only string keys (objects) or 1..n (arrays) convert to JSON`,
          path,
        );
      }
      X.lua_settop(L, keySlot);
    }
    X.lua_settop(L, top);
    this.visiting.delete(ptr);
    if (intKeys > 0 && strKeys > 0) {
      throw new ConversionError(
        `mixed Lua table at ${path} (both array items and named keys); keep one kind of key, or wrap it with json_object(...)`,
        path,
      );
    }
    if (intKeys > 0) {
      if (!arr || arr.length !== intKeys) {
        throw new ConversionError(
          `sparse Lua array at ${path} (keys must be exactly 1..n without holes)`,
          path,
        );
      }
      return arr;
    }
    if (strKeys > 0) {
      if (marker === 'array') {
        throw new ConversionError(
          `Lua table at ${path} was marked with json_array(...) but has named keys`,
          path,
        );
      }
      return sortKeys(obj!);
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

function setKey(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(o);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return o;
  keys.sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) setKey(out, k, o[k]);
  return out;
}

export function typeName(t: number): string {
  return (
    ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][t] ??
    'value'
  );
}
