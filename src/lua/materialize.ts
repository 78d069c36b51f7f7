// The execution side of capture.ts: rebuild a carried handler in a fresh environment. Loaded bytecode is
// cached per state (keyed by the payload's signature); captured tables are rebuilt for every execution so
// one execution can never see another's changes.
import type { Graph, Ref } from './capture.js';
import type { LuaState } from './state.js';
import { LUA_OK, LUA_REGISTRYINDEX } from './wasm.js';

interface Loaded {
  graph: Graph;
  /** Registry ref of a Lua table holding the loaded closures, 1-based in graph order. */
  funcsRef: number;
}

const cacheByState = new WeakMap<LuaState, Map<string, Loaded>>();
const CACHE_MAX = 500;

/** Load (or reuse) the closures of a graph; the function objects are kept in a registry table. */
function load(st: LuaState, id: string, graph: Graph): Loaded {
  let cache = cacheByState.get(st);
  if (!cache) {
    cache = new Map();
    cacheByState.set(st, cache);
  }
  const hit = cache.get(id);
  if (hit) return hit;
  const X = st.w.X;
  const L = st.L;
  const top = X.lua_gettop(L) as number;
  X.lua_createtable(L, graph.funcs.length, 0);
  const F = top + 1;
  graph.funcs.forEach((f, i) => {
    const code = Buffer.from(f.code, 'base64');
    const p = st.w.stage(code);
    const rc = X.luaL_loadbufferx(L, p, code.length, st.w.cstr('=handler'), st.w.cstr('b')) as number;
    if (rc !== LUA_OK) throw new Error(`Failed to load function: ${st.popError()}`);
    X.lua_rawseti(L, F, BigInt(i + 1));
  });
  // Closures that shared an upvalue in the loader share it again.
  const groups = new Map<number, [number, number]>();
  graph.funcs.forEach((f, fi) => {
    f.up.forEach((u, ui) => {
      if (u.u === undefined) return;
      const first = groups.get(u.u);
      if (!first) {
        groups.set(u.u, [fi, ui]);
        return;
      }
      X.lua_rawgeti(L, F, BigInt(fi + 1));
      X.lua_rawgeti(L, F, BigInt(first[0] + 1));
      X.lua_upvaluejoin(L, top + 2, ui + 1, top + 3, first[1] + 1);
      X.lua_settop(L, F);
    });
  });
  const funcsRef = X.luaL_ref(L, LUA_REGISTRYINDEX) as number;
  X.lua_settop(L, top);
  const loaded = { graph, funcsRef };
  if (cache.size >= CACHE_MAX) {
    for (const old of cache.values()) X.luaL_unref(L, LUA_REGISTRYINDEX, old.funcsRef);
    cache.clear();
  }
  cache.set(id, loaded);
  return loaded;
}

/**
 * Push the handler of `graph` bound to the environment at absolute index `envIdx`. Must run inside a
 * protected call (LuaState.protect).
 */
export function pushHandler(st: LuaState, id: string, graph: Graph, envIdx: number): void {
  const X = st.w.X;
  const L = st.L;
  const w = st.w;
  const { funcsRef } = load(st, id, graph);
  const top = X.lua_gettop(L) as number;
  X.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(funcsRef));
  const F = top + 1;
  X.lua_createtable(L, graph.tables.length, 0);
  const T = top + 2;
  for (let i = 0; i < graph.tables.length; i++) {
    X.lua_createtable(L, 0, 0);
    X.lua_rawseti(L, T, BigInt(i + 1));
  }
  const pushLib = (path: string) => {
    X.lua_pushvalue(L, envIdx);
    for (const part of path.split('.')) {
      X.lua_getfield(L, -1, w.cstr(part));
      X.lua_rotate(L, -2, 1);
      X.lua_settop(L, -2);
    }
  };
  const push = (r: Ref): void => {
    switch (r.k) {
      case 'nil':
        X.lua_pushnil(L);
        return;
      case 'null':
        X.lua_pushlightuserdata(L, 0);
        return;
      case 'b':
        X.lua_pushboolean(L, r.v ? 1 : 0);
        return;
      case 'i':
        X.lua_pushinteger(L, BigInt(r.v));
        return;
      case 'n':
        X.lua_pushnumber(
          L,
          r.v === 'nan' ? Number.NaN : r.v === 'inf' ? Infinity : r.v === '-inf' ? -Infinity : r.v,
        );
        return;
      case 's':
        w.pushString(L, r.v);
        return;
      case 'sb':
        w.pushBytes(L, Buffer.from(r.v, 'base64'));
        return;
      case 'env':
        X.lua_pushvalue(L, envIdx);
        return;
      case 'lib':
        pushLib(r.p);
        return;
      case 'marker':
        st.pushMarker(r.v);
        return;
      case 't':
        X.lua_rawgeti(L, T, BigInt(r.i + 1));
        return;
      case 'f':
        X.lua_rawgeti(L, F, BigInt(r.i + 1));
        return;
    }
  };
  graph.tables.forEach((t, i) => {
    X.lua_rawgeti(L, T, BigInt(i + 1));
    for (const [k, v] of t.e) {
      push(k);
      push(v);
      X.lua_rawset(L, -3);
    }
    if (t.mt) {
      push(t.mt);
      X.lua_setmetatable(L, -2);
    }
    X.lua_settop(L, T);
  });
  graph.funcs.forEach((f, i) => {
    X.lua_rawgeti(L, F, BigInt(i + 1));
    f.up.forEach((u, n) => {
      push(u.r);
      X.lua_setupvalue(L, -2, n + 1);
    });
    X.lua_settop(L, T);
  });
  push(graph.root);
  X.lua_rotate(L, F, 1);
  X.lua_settop(L, F);
}
