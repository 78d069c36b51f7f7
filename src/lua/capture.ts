// Carrying a Lua function handler from the loader VM to an execution VM (CORE 5.3, DECISIONS 2): the
// function is dumped as bytecode together with the values of the locals it captures (upvalues), as they
// were when the flow file finished loading. Tables, strings, numbers, booleans and other Lua functions are
// carried; library functions and tables are re-bound by name; anything else is a load error naming the
// step and the variable.
import { stringConstants } from './bytecode.js';
import { typeName } from './convert.js';
import type { LuaState } from './state.js';
import { T_BOOLEAN, T_FUNCTION, T_LIGHTUSERDATA, T_NIL, T_NUMBER, T_STRING, T_TABLE } from './wasm.js';

export type Ref =
  | { k: 'nil' }
  | { k: 'null' }
  | { k: 'b'; v: boolean }
  | { k: 'i'; v: string }
  | { k: 'n'; v: number | 'nan' | 'inf' | '-inf' }
  | { k: 's'; v: string }
  | { k: 'sb'; v: string }
  | { k: 't'; i: number }
  | { k: 'f'; i: number }
  | { k: 'env' }
  | { k: 'lib'; p: string }
  | { k: 'marker'; v: 'array' | 'object' };

export interface Graph {
  v: 1;
  root: Ref;
  funcs: Array<{ code: string; up: Array<{ n: string; r: Ref; u?: number }> }>;
  tables: Array<{ e: Array<[Ref, Ref]>; mt?: Ref }>;
  /** String constants of the handler's code: the context keys it may read. */
  hints: string[];
}

export class CaptureError extends Error {}

/** Pointers of the loader environment's own values, so they are re-bound by name instead of copied. */
export interface KnownValues {
  env: number;
  byPtr: Map<number, string>;
  /** Values that exist only while the flow file loads (Flow, nodes). */
  loaderOnly: Map<number, string>;
  arrayMt: number;
  objectMt: number;
}

/**
 * Serialize the Lua function on top of the stack (it stays there). `what` names the handler in errors,
 * e.g. `step 'score'`.
 */
export function captureFunction(st: LuaState, known: KnownValues, what: string, maxNodes: number): Graph {
  const w = st.w;
  const X = w.X;
  const L = st.L;
  const graph: Graph = { v: 1, root: { k: 'nil' }, funcs: [], tables: [], hints: [] };
  const seen = new Map<number, Ref>();
  const upvalueIds = new Map<number, Array<[number, number]>>();
  const hints = new Set<string>();
  let nodes = 0;

  const visit = (idx: number, path: string): Ref => {
    if (++nodes > maxNodes)
      throw new CaptureError(`${what} captures more than ${maxNodes} values (at ${path})`);
    const t = X.lua_type(L, idx) as number;
    switch (t) {
      case T_NIL:
        return { k: 'nil' };
      case T_BOOLEAN:
        return { k: 'b', v: X.lua_toboolean(L, idx) !== 0 };
      case T_NUMBER: {
        if (X.lua_isinteger(L, idx)) return { k: 'i', v: String(X.lua_tointegerx(L, idx, 0) as bigint) };
        const n = X.lua_tonumberx(L, idx, 0) as number;
        return { k: 'n', v: Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : n };
      }
      case T_STRING: {
        const { s, valid } = w.readStringChecked(L, idx);
        return valid ? { k: 's', v: s } : { k: 'sb', v: w.readBytes(L, idx).toString('base64') };
      }
      case T_LIGHTUSERDATA:
        if (X.lua_touserdata(L, idx) === 0) return { k: 'null' };
        break;
      case T_TABLE:
      case T_FUNCTION: {
        const ptr = X.lua_topointer(L, idx) as number;
        if (ptr === known.env) return { k: 'env' };
        if (ptr === known.arrayMt) return { k: 'marker', v: 'array' };
        if (ptr === known.objectMt) return { k: 'marker', v: 'object' };
        const lib = known.byPtr.get(ptr);
        if (lib) return { k: 'lib', p: lib };
        const only = known.loaderOnly.get(ptr);
        if (only) {
          throw new CaptureError(
            `${what} uses '${path}' (${only}), which exists only while the flow file loads`,
          );
        }
        const prior = seen.get(ptr);
        if (prior) return prior;
        return t === T_TABLE ? visitTable(idx, ptr, path) : visitFunction(idx, ptr, path);
      }
    }
    throw new CaptureError(
      `${what} captures '${path}', a ${typeName(t)} that cannot be carried to the step's sandbox`,
    );
  };

  const visitTable = (idx: number, ptr: number, path: string): Ref => {
    const ref: Ref = { k: 't', i: graph.tables.length };
    const rec: Graph['tables'][number] = { e: [] };
    graph.tables.push(rec);
    seen.set(ptr, ref);
    if (!X.lua_checkstack(L, 6)) throw new CaptureError(`${what}: captured value too deep at ${path}`);
    const top = X.lua_gettop(L) as number;
    X.lua_pushnil(L);
    while (X.lua_next(L, idx) !== 0) {
      const kt = X.lua_type(L, top + 1) as number;
      const label = kt === T_STRING ? `${path}.${w.readString(L, top + 1)}` : `${path}[?]`;
      // Copy the key before visiting it: reading a number key as a string would corrupt lua_next.
      X.lua_pushvalue(L, top + 1);
      const k = visit(top + 3, label);
      X.lua_settop(L, top + 2);
      const v = visit(top + 2, label);
      rec.e.push([k, v]);
      X.lua_settop(L, top + 1);
    }
    if (X.lua_getmetatable(L, idx)) {
      rec.mt = visit(top + 1, `metatable of ${path}`);
      X.lua_settop(L, top);
    }
    return ref;
  };

  const visitFunction = (idx: number, ptr: number, path: string): Ref => {
    if (X.lua_iscfunction(L, idx)) {
      throw new CaptureError(
        `${what} captures '${path}', a host function that cannot be carried to the step's sandbox`,
      );
    }
    const ref: Ref = { k: 'f', i: graph.funcs.length };
    const rec: Graph['funcs'][number] = { code: '', up: [] };
    graph.funcs.push(rec);
    seen.set(ptr, ref);
    const top = X.lua_gettop(L) as number;
    X.lua_pushvalue(L, idx);
    const code = st.dumpTop();
    X.lua_settop(L, top);
    rec.code = code.toString('base64');
    for (const h of stringConstants(code)) hints.add(h);
    for (let n = 1; ; n++) {
      const namePtr = X.lua_getupvalue(L, idx, n) as number;
      if (!namePtr) break;
      const name = w.readCString(namePtr);
      const r = name === '_ENV' ? { k: 'env' as const } : visit(top + 1, name);
      X.lua_settop(L, top);
      const id = X.lua_upvalueid(L, idx, n) as number;
      const list = upvalueIds.get(id) ?? [];
      list.push([ref.i, n - 1]);
      upvalueIds.set(id, list);
      rec.up.push({ n: name, r: name === '_ENV' ? { k: 'env' } : r });
    }
    return ref;
  };

  {
    const top = X.lua_gettop(L) as number;
    graph.root = visit(top, 'handler');
    // Upvalues shared between closures stay shared: number each shared cell.
    let group = 0;
    for (const members of upvalueIds.values()) {
      if (members.length < 2) continue;
      for (const [fi, ui] of members) graph.funcs[fi]!.up[ui]!.u = group;
      group++;
    }
    graph.hints = [...hints];
    return graph;
  }
}
