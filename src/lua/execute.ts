// Running one `code` attempt or one `foreach` on a LuaState (in a worker thread; see worker.ts). Each run
// gets a fresh global environment and a lazy `ctx`; only the returned value crosses back as JSON.
import type { Graph } from './capture.js';
import { pushHandler } from './materialize.js';
import { openPayload, payloadId } from './payload.js';
import { type CtxSource, LuaError, type LuaState } from './state.js';
import { LUA_OK, LUA_REGISTRYINDEX } from './wasm.js';

const graphs = new Map<string, Graph>();

function graphOf(payload: string): { id: string; graph: Graph } {
  const id = payloadId(payload);
  let graph = graphs.get(id);
  if (!graph) {
    graph = JSON.parse(openPayload(payload)) as Graph;
    if (graphs.size > 1000) graphs.clear();
    graphs.set(id, graph);
  }
  return { id, graph };
}

export interface CodeRequest {
  source?: string;
  payload?: string;
  step: string;
}

function prefixError(e: unknown, prefix: string): Error {
  if (e instanceof LuaError && (e.kind === 'deadline' || e.kind === 'memory')) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new LuaError(`${prefix}: ${msg}`);
}

const compiled = new WeakMap<LuaState, Map<string, number>>();

/** Push the compiled function of a string source, compiling it once per state. */
function pushCompiled(st: LuaState, source: string, step: string): void {
  const X = st.w.X;
  let cache = compiled.get(st);
  if (!cache) {
    cache = new Map();
    compiled.set(st, cache);
  }
  const key = `${step}\0${source}`;
  const ref = cache.get(key);
  if (ref !== undefined) {
    X.lua_rawgeti(st.L, LUA_REGISTRYINDEX, BigInt(ref));
    return;
  }
  compileSource(st, source, step);
  if (cache.size >= 500) {
    for (const r of cache.values()) X.luaL_unref(st.L, LUA_REGISTRYINDEX, r);
    cache.clear();
  }
  X.lua_pushvalue(st.L, -1);
  cache.set(key, X.luaL_ref(st.L, LUA_REGISTRYINDEX) as number);
}

/** Compile a string `code` source: first as an expression, else as a block (CORE 5.2). */
export function compileSource(st: LuaState, source: string, step: string): void {
  const name = `=step[${step}].source`;
  try {
    st.loadChunk(`return ${source}`, name);
    return;
  } catch {
    // not an expression
  }
  st.loadChunk(source, name);
}

/** Run a code step; returns the converted first return value (undefined for nil). */
export function executeCode(st: LuaState, req: CodeRequest, ctx: CtxSource): unknown {
  const X = st.w.X;
  const L = st.L;
  const top = st.top;
  st.ctxSource = ctx;
  st.resetBudget();
  const prefix = req.payload !== undefined ? 'Function execution failed' : 'Code execution failed';
  try {
    st.pushNewEnv();
    const envIdx = top + 1;
    st.pushCtx();
    X.lua_pushvalue(L, -1);
    X.lua_setfield(L, envIdx, st.w.cstr('ctx'));
    const ctxIdx = top + 2;
    if (req.payload !== undefined) {
      const { id, graph } = graphOf(req.payload);
      // Inside the protected C call only its arguments are addressable: pass the environment as one.
      X.lua_pushvalue(L, envIdx);
      st.protect(1, 1, () => {
        pushHandler(st, id, graph, 1);
        return 1;
      });
      X.lua_pushvalue(L, ctxIdx);
      st.pcall(1, 1);
    } else {
      try {
        pushCompiled(st, req.source ?? '', req.step);
      } catch (e) {
        throw prefixError(e, prefix);
      }
      X.lua_pushvalue(L, envIdx);
      X.lua_setupvalue(L, -2, 1);
      st.pcall(0, 1);
    }
    if (X.lua_type(L, -1) === 0) return undefined;
    return st.popJs();
  } catch (e) {
    throw prefixError(e, prefix);
  } finally {
    st.ctxSource = undefined;
    st.settop(top);
  }
}

export interface ForeachRequest {
  payload: string;
  items: readonly unknown[];
  filterNulls: boolean;
}

/** Map items through the transform; errors name the item (NODES 9.12). */
export function executeForeach(st: LuaState, req: ForeachRequest, ctx: CtxSource): unknown[] {
  const X = st.w.X;
  const L = st.L;
  const top = st.top;
  st.ctxSource = ctx;
  st.resetBudget();
  const { id, graph } = graphOf(req.payload);
  const out: unknown[] = [];
  try {
    st.pushNewEnv();
    const envIdx = top + 1;
    st.pushCtx();
    X.lua_setfield(L, envIdx, st.w.cstr('ctx'));
    // One protected C call for the whole loop: converting items and results costs no extra pcall each.
    X.lua_pushvalue(L, envIdx);
    st.protect(1, 0, (Lx) => {
      pushHandler(st, id, graph, 1);
      const fn = X.lua_gettop(Lx) as number;
      for (let i = 0; i < req.items.length; i++) {
        X.lua_pushvalue(Lx, fn);
        st.conv.push(Lx, req.items[i], '$', i);
        X.lua_pushinteger(Lx, BigInt(i + 1));
        const rc = X.lua_pcallk(Lx, 2, 1, 0, 0, 0) as number;
        if (rc !== LUA_OK) {
          const msg = st.popError();
          if (st.stopMessage !== undefined) throw new LuaError(st.stopMessage, 'deadline');
          throw new LuaError(`foreach transform failed on item ${i} (index ${i + 1}): ${msg}`);
        }
        if (X.lua_type(Lx, -1) === 0) {
          if (!req.filterNulls) out.push(null);
        } else {
          out.push(st.conv.read(Lx, X.lua_gettop(Lx) as number, 'result', i));
        }
        X.lua_settop(Lx, fn);
      }
      return 0;
    });
    return out;
  } catch (e) {
    if (e instanceof LuaError) throw e;
    throw new LuaError(`foreach transform failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    st.ctxSource = undefined;
    st.settop(top);
  }
}
