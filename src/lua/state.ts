// One sandboxed Lua state: created with only the allowlisted libraries, a memory cap enforced by our
// allocator, the prelude of prelude.ts, and JS-backed helper globals. Every call into Lua goes through here.
import { randomUUID } from 'node:crypto';
import { ConversionError, type ConversionLimits, Converter, typeName } from './convert.js';
import { PRELUDE } from './prelude.js';
import {
  LONGJMP,
  LUA_ERRMEM,
  LUA_ERRSYNTAX,
  LUA_MASKCOUNT,
  LUA_OK,
  LUA_REGISTRYINDEX,
  type LuaWasm,
  luaWasm,
  T_NIL,
  T_NUMBER,
  T_STRING,
  T_TABLE,
} from './wasm.js';

export type LuaLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Where the lazy `ctx` table of an execution reads its keys from. */
export interface CtxSource {
  get(key: string): { found: true; value: unknown } | { found: false };
  keys(): string[];
}

export interface LuaStateOptions {
  /** Bytes one execution may allocate beyond the state's baseline; 0 = unlimited. */
  memoryLimit: number;
  /** Instructions one execution may run (IRONFLOW_LUA_MAX_INSTRUCTIONS); 0 = no cap and no hook. */
  maxInstructions?: number;
  hookInterval?: number;
  conversion: ConversionLimits;
  /** Receives `print` output (one line per call, without the newline). */
  print?: (line: string) => void;
  /** Receives `log(...)` calls. */
  log?: (level: LuaLogLevel, message: string) => void;
  /** Reads an environment variable for `env()`; the allowlist is applied by the caller. */
  env?: (name: string) => string | undefined;
}

/** A Lua error raised by user code (or a syntax error), with Lua's own message. */
export class LuaError extends Error {
  constructor(
    message: string,
    readonly kind: 'runtime' | 'syntax' | 'memory' | 'deadline' = 'runtime',
  ) {
    super(message);
    this.name = 'LuaError';
  }
}

export const DEADLINE_MESSAGE = 'Lua execution stopped: time budget exhausted';

interface AllocStats {
  used: number;
  max: number;
}

/** Per-runtime machinery shared by all states of this thread: the allocator and the trampoline. */
class Shared {
  readonly stats = new Map<number, AllocStats>();
  readonly states = new Map<number, LuaState>();
  readonly allocPtr: number;
  readonly trampolinePtr: number;
  readonly hookPtr: number;
  readonly pending: Array<(L: number) => number> = [];
  /** Helper functions by name -> index; one C function dispatches to all of them (see cfn). */
  readonly helpers: Record<string, number> = {};
  private readonly helperFns: Array<(L: number, st: LuaState) => number> = [];
  readonly dispatchPtr: number;
  readonly openers: Record<string, number> = {};
  /** lua_dump writer, made once: each addFunction call compiles a small WASM module. */
  readonly dumpWriterPtr: number;
  readonly dumpChunks: Uint8Array[] = [];
  nextId = 1;

  constructor(readonly w: LuaWasm) {
    const X = w.X;
    const stats = this.stats;
    this.allocPtr = w.addFunction((ud: number, ptr: number, osize: number, nsize: number) => {
      const st = stats.get(ud)!;
      if (nsize === 0) {
        if (ptr) {
          st.used -= osize;
          X.free(ptr);
        }
        return 0;
      }
      const delta = ptr ? nsize - osize : nsize;
      if (delta > 0 && st.max > 0 && st.used + delta > st.max) return 0;
      const p = X.realloc(ptr, nsize) as number;
      if (p) st.used += delta;
      return p;
    }, 'iiiii');
    const pending = this.pending;
    this.trampolinePtr = w.addFunction((L: number) => pending.pop()!(L), 'ii');
    this.hookPtr = w.addFunction((L: number) => {
      const st = this.states.get(L);
      if (!st) return 0;
      st.instructionsUsed += st.hookInterval;
      let stop: string | undefined;
      if (st.maxInstructions > 0 && st.instructionsUsed >= st.maxInstructions) {
        stop = `Lua execution stopped: instruction budget of ${st.maxInstructions} exhausted (IRONFLOW_LUA_MAX_INSTRUCTIONS)`;
      } else if (st.deadline > 0 && Date.now() >= st.deadline) stop = DEADLINE_MESSAGE;
      if (stop === undefined) return 0;
      st.stopMessage = stop;
      w.pushString(L, stop);
      return X.lua_error(L);
    }, 'vii');
    for (const lib of ['base', 'table', 'string', 'math', 'utf8']) {
      this.openers[lib] = w.addFunction(X[`luaopen_${lib}`], 'ii');
    }
    this.dumpWriterPtr = w.addFunction((_L: number, p: number, sz: number) => {
      w.refresh();
      this.dumpChunks.push(w.u8.slice(p, p + sz));
      return 0;
    }, 'iiiii');
    this.makeHelpers();
    this.dispatchPtr = this.makeDispatcher();
  }

  /**
   * Register a JS function as a Lua helper; JS errors become Lua errors with the caller's position. All
   * helpers share one C function (the helper's index is its upvalue): each addFunction compiles a small
   * WASM module, about 1 ms each at start-up.
   */
  cfn(name: string, fn: (L: number, st: LuaState) => number): void {
    this.helpers[name] = this.helperFns.length;
    this.helperFns.push(fn);
  }

  private makeDispatcher(): number {
    const w = this.w;
    const X = w.X;
    const fns = this.helperFns;
    return w.addFunction((L: number) => {
      try {
        const st = this.states.get(L);
        if (!st) throw new Error('Lua helper called on an unknown state');
        return fns[Number(X.lua_tointegerx(L, LUA_REGISTRYINDEX - 1, 0))]!(L, st);
      } catch (e) {
        if (e === LONGJMP) throw e;
        X.luaL_where(L, 1);
        w.pushString(L, e instanceof Error ? e.message : String(e));
        X.lua_concat(L, 2);
        return X.lua_error(L);
      }
    }, 'ii');
  }

  /** Push helper `name` as a Lua function. */
  pushHelper(L: number, name: string): void {
    const i = this.helpers[name];
    if (i === undefined) throw new Error(`no Lua helper '${name}'`);
    this.w.X.lua_pushinteger(L, BigInt(i));
    this.w.X.lua_pushcclosure(L, this.dispatchPtr, 1);
  }

  private makeHelpers(): void {
    const w = this.w;
    const X = w.X;
    this.cfn('deadline_hit', (L, st) => {
      if (st.stopMessage === undefined) X.lua_pushnil(L);
      else w.pushString(L, st.stopMessage);
      return 1;
    });
    this.cfn('env', (L, st) => {
      if (X.lua_type(L, 1) !== T_STRING) throw new Error('env() expects a variable name (string)');
      const v = st.opts.env?.(w.readString(L, 1));
      if (v === undefined) X.lua_pushnil(L);
      else w.pushString(L, v);
      return 1;
    });
    this.cfn('base64_encode', (L) => {
      if (X.lua_type(L, 1) !== T_STRING && X.lua_type(L, 1) !== T_NUMBER) {
        throw new Error('base64_encode expects a string');
      }
      w.pushString(L, w.readBytes(L, 1).toString('base64'));
      return 1;
    });
    this.cfn('base64_decode', (L) => {
      if (X.lua_type(L, 1) !== T_STRING) throw new Error('base64_decode failed: expected a string');
      const s = w.readString(L, 1);
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
        throw new Error('base64_decode failed: invalid base64 (standard alphabet with = padding expected)');
      }
      w.pushBytes(L, Buffer.from(s, 'base64'));
      return 1;
    });
    this.cfn('json_parse', (L, st) => {
      if (X.lua_type(L, 1) !== T_STRING) throw new Error('json_parse failed: expected a string');
      let v: unknown;
      try {
        v = JSON.parse(w.readString(L, 1));
      } catch (e) {
        throw new Error(`json_parse failed: ${(e as Error).message}`);
      }
      st.conv.push(L, v);
      return 1;
    });
    this.cfn('json_stringify', (L, st) => {
      X.lua_settop(L, 1);
      let v: unknown;
      try {
        v = st.conv.read(L, 1);
      } catch (e) {
        throw new Error(`json_stringify failed: ${(e as Error).message}`);
      }
      w.pushString(L, JSON.stringify(v));
      return 1;
    });
    this.cfn('log', (L, st) => {
      const n = X.lua_gettop(L) as number;
      if (n === 0) throw new Error('log() requires at least one argument');
      let first = 1;
      let level: LuaLogLevel = 'info';
      if (X.lua_type(L, 1) === T_STRING) {
        const l = w.readString(L, 1).toLowerCase();
        if (l === 'trace' || l === 'debug' || l === 'info' || l === 'warn' || l === 'error') {
          level = l;
          first = 2;
        }
      }
      const parts: string[] = [];
      for (let i = first; i <= n; i++) parts.push(st.logText(L, i));
      st.opts.log?.(level, parts.join(' '));
      return 0;
    });
    this.cfn('print', (L, st) => {
      const n = X.lua_gettop(L) as number;
      const parts: string[] = [];
      for (let i = 1; i <= n; i++) {
        X.luaL_tolstring(L, i, 0);
        parts.push(w.readString(L, -1));
        X.lua_settop(L, -2);
      }
      st.opts.print?.(parts.join('\t'));
      return 0;
    });
    this.cfn('ctx_index', (L, st) => {
      if (X.lua_type(L, 2) !== T_STRING || !st.ctxSource) return 0;
      const key = w.readString(L, 2);
      const r = st.ctxSource.get(key);
      if (!r.found) return 0;
      st.conv.push(L, r.value, `ctx.${key}`);
      X.lua_pushvalue(L, 2);
      X.lua_pushvalue(L, -2);
      X.lua_rawset(L, 1);
      return 1;
    });
    this.cfn('ctx_all', (L, st) => {
      if (!st.ctxSource) return 0;
      for (const key of st.ctxSource.keys()) {
        w.pushString(L, key);
        if (X.lua_rawget(L, 1) !== T_NIL) {
          X.lua_settop(L, 1);
          continue;
        }
        X.lua_settop(L, 1);
        const r = st.ctxSource.get(key);
        if (!r.found) continue;
        w.pushString(L, key);
        st.conv.push(L, r.value, `ctx.${key}`);
        X.lua_rawset(L, 1);
      }
      return 0;
    });
    // The line of the Lua code that called the function calling this helper (for step definitions).
    // Reading it with lua_getstack/lua_getinfo avoids raising an error per step just to learn a line.
    const ar = X.malloc(128) as number;
    this.cfn('caller_line', (L) => {
      if (!X.lua_getstack(L, 2, ar) || !X.lua_getinfo(L, w.cstr('l'), ar)) {
        X.lua_pushnil(L);
        return 1;
      }
      w.refresh();
      const line = new Int32Array(w.u8.buffer, ar + 24, 1)[0]!;
      if (line > 0) X.lua_pushinteger(L, BigInt(line));
      else X.lua_pushnil(L);
      return 1;
    });
    this.cfn('uuid4', (L) => {
      w.pushString(L, randomUUID());
      return 1;
    });
    this.cfn('now_rfc3339', (L) => {
      w.pushString(L, new Date().toISOString().replace('Z', '+00:00'));
      return 1;
    });
    this.cfn('now_unix_ms', (L) => {
      X.lua_pushinteger(L, BigInt(Date.now()));
      return 1;
    });
  }
}

let sharedPromise: Promise<Shared> | undefined;
function shared(): Promise<Shared> {
  sharedPromise ??= luaWasm().then((w) => new Shared(w));
  return sharedPromise;
}

/** Registry slots of the per-execution marker metatables (fixed refs, values replaced per env). */
const REF_SLOTS = 3;

export class LuaState {
  readonly w: LuaWasm;
  readonly L: number;
  readonly conv: Converter;
  private readonly sh: Shared;
  private readonly stats: AllocStats;
  private readonly internalRef: number;
  private readonly arrayMtRef: number;
  private readonly objectMtRef: number;
  private baseline = 0;
  /** When a budget stopped the script: the message every pcall rethrows until the execution ends. */
  stopMessage: string | undefined;
  deadline = 0;
  maxInstructions = 0;
  hookInterval = 0;
  instructionsUsed = 0;
  /** The context the current execution's `ctx` reads from. */
  ctxSource: CtxSource | undefined;
  private closed = false;

  static async create(opts: LuaStateOptions): Promise<LuaState> {
    return new LuaState(await shared(), opts);
  }

  private constructor(
    sh: Shared,
    readonly opts: LuaStateOptions,
  ) {
    this.sh = sh;
    this.w = sh.w;
    const X = this.w.X;
    const id = sh.nextId++;
    this.stats = { used: 0, max: 0 };
    sh.stats.set(id, this.stats);
    const L = X.lua_newstate(sh.allocPtr, id) as number;
    if (!L) throw new LuaError('could not create a Lua state', 'memory');
    this.L = L;
    sh.states.set(L, this);
    // Registry refs: reserve fixed slots, filled by each new environment.
    for (let i = 0; i < REF_SLOTS; i++) {
      X.lua_pushboolean(L, 0);
      X.luaL_ref(L, LUA_REGISTRYINDEX);
    }
    X.lua_createtable(L, 0, 0);
    this.arrayMtRef = X.luaL_ref(L, LUA_REGISTRYINDEX) as number;
    X.lua_createtable(L, 0, 0);
    this.objectMtRef = X.luaL_ref(L, LUA_REGISTRYINDEX) as number;
    this.conv = new Converter(this.w, this.arrayMtRef, this.objectMtRef, opts.conversion);
    for (const lib of ['base', 'table', 'string', 'math', 'utf8']) {
      X.luaL_requiref(L, this.w.cstr(lib === 'base' ? '_G' : lib), sh.openers[lib], 1);
      X.lua_settop(L, 0);
    }
    this.loadChunk(PRELUDE, '=prelude');
    X.lua_pushlightuserdata(L, 0);
    X.lua_createtable(L, 0, 16);
    for (const name of Object.keys(sh.helpers)) {
      sh.pushHelper(L, name);
      X.lua_setfield(L, -2, this.w.cstr(name));
    }
    this.pcall(2, 1);
    this.internalRef = X.luaL_ref(L, LUA_REGISTRYINDEX) as number;
    this.collect();
    this.baseline = this.stats.used;
    this.stats.max = opts.memoryLimit > 0 ? this.baseline + opts.memoryLimit : 0;
  }

  /** Bytes currently allocated by this state. */
  get memoryUsed(): number {
    return this.stats.used;
  }

  /** Restart the memory budget from what is allocated now (called before each execution). */
  resetBudget(): void {
    if (this.opts.memoryLimit > 0) this.stats.max = this.stats.used + this.opts.memoryLimit;
    if (this.opts.maxInstructions) {
      this.setBudget({ maxInstructions: this.opts.maxInstructions, interval: this.opts.hookInterval });
    } else this.stopMessage = undefined;
  }

  /**
   * Push a fresh global environment for one execution and make its marker metatables the ones the
   * converter recognises. Leaves the environment on the stack.
   */
  pushNewEnv(): void {
    const X = this.w.X;
    const L = this.L;
    this.internal('new_env');
    this.pcall(0, 3);
    X.lua_rawseti(L, LUA_REGISTRYINDEX, BigInt(this.objectMtRef));
    X.lua_rawseti(L, LUA_REGISTRYINDEX, BigInt(this.arrayMtRef));
  }

  /** The bytecode of the Lua function on top of the stack (left there), with debug information. */
  dumpTop(): Buffer {
    const chunks = this.sh.dumpChunks;
    chunks.length = 0;
    this.w.X.lua_dump(this.L, this.sh.dumpWriterPtr, 0, 0);
    const out = Buffer.concat(chunks);
    chunks.length = 0;
    return out;
  }

  /** Push one of the host helper functions (not exposed to scripts unless the prelude does it). */
  pushHelper(name: string): void {
    this.sh.pushHelper(this.L, name);
  }

  /** Push a fresh lazy `ctx` table reading from `ctxSource`. */
  pushCtx(): void {
    this.internal('make_ctx');
    this.pcall(0, 1);
  }

  /** Push this execution's marker metatable for JSON arrays or objects. */
  pushMarker(kind: 'array' | 'object'): void {
    this.w.X.lua_rawgeti(
      this.L,
      LUA_REGISTRYINDEX,
      BigInt(kind === 'array' ? this.arrayMtRef : this.objectMtRef),
    );
  }

  /** Names every execution environment defines (for undefined-global warnings). */
  baseNames(): string[] {
    this.internal('base_names');
    this.pcall(0, 1);
    const names = this.conv.read(this.L, this.w.X.lua_gettop(this.L)) as string[];
    this.w.X.lua_settop(this.L, -2);
    return names;
  }

  collect(): void {
    this.internal('collect');
    this.pcall(0, 0);
  }

  /** Push internal function `name` of the prelude. */
  private internal(name: string): void {
    const X = this.w.X;
    X.lua_rawgeti(this.L, LUA_REGISTRYINDEX, BigInt(this.internalRef));
    X.lua_getfield(this.L, -1, this.w.cstr(name));
    X.lua_rotate(this.L, -2, 1);
    X.lua_settop(this.L, -2);
  }

  /**
   * Compile `source` and push the resulting function. Text only unless `binary` (used for our own signed
   * bytecode, never for user input). Throws LuaError('syntax') with Lua's message (it carries the line).
   */
  loadChunk(source: string | Uint8Array, chunkname: string, binary = false): void {
    const X = this.w.X;
    const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
    const name = this.w.cstr(chunkname);
    const mode = this.w.cstr(binary ? 'b' : 't');
    const p = this.w.stage(bytes);
    const rc = X.luaL_loadbufferx(this.L, p, bytes.length, name, mode) as number;
    if (rc !== LUA_OK) {
      const msg = this.popError();
      throw new LuaError(msg, rc === LUA_ERRSYNTAX ? 'syntax' : rc === LUA_ERRMEM ? 'memory' : 'runtime');
    }
  }

  /** Protected call of the function below the top `nargs` values. Throws LuaError on failure. */
  pcall(nargs: number, nresults: number): void {
    const rc = this.w.X.lua_pcallk(this.L, nargs, nresults, 0, 0, 0) as number;
    if (rc !== LUA_OK) {
      const msg = this.popError();
      if (rc === LUA_ERRMEM) {
        throw new LuaError(
          `not enough memory: the Lua memory budget of ${this.opts.memoryLimit} bytes was exceeded (IRONFLOW_LUA_MAX_MEMORY_BYTES)`,
          'memory',
        );
      }
      if (this.stopMessage !== undefined) throw new LuaError(this.stopMessage, 'deadline');
      throw new LuaError(msg, 'runtime');
    }
  }

  /**
   * Run `fn` as a Lua C function in protected mode. The top `nargs` values become its arguments
   * (indexes 1..nargs); it returns how many values it left on top, and `nresults` of them stay on the
   * caller's stack. JS errors thrown by `fn` are rethrown as they are (e.g. ConversionError).
   */
  protect(nargs: number, nresults: number, fn: (L: number) => number): void {
    const X = this.w.X;
    const L = this.L;
    let jsError: unknown;
    this.sh.pending.push((Lx: number) => {
      try {
        return fn(Lx);
      } catch (e) {
        if (e === LONGJMP) throw e;
        jsError = e;
        return 0;
      }
    });
    X.lua_pushcclosure(L, this.sh.trampolinePtr, 0);
    X.lua_rotate(L, -(nargs + 1), 1);
    const rc = X.lua_pcallk(L, nargs, nresults, 0, 0, 0) as number;
    if (rc !== LUA_OK) {
      const msg = this.popError();
      if (rc === LUA_ERRMEM) {
        throw new LuaError(
          `not enough memory: the Lua memory budget of ${this.opts.memoryLimit} bytes was exceeded (IRONFLOW_LUA_MAX_MEMORY_BYTES)`,
          'memory',
        );
      }
      throw new LuaError(msg);
    }
    if (jsError !== undefined) {
      // The trampoline returned 0 values; drop the placeholders lua_pcallk added for nresults.
      X.lua_settop(L, -(nresults + 1));
      throw jsError;
    }
  }

  /** Push a JS value converted to Lua (bounded; see convert.ts). */
  pushJs(value: unknown, what = '$'): void {
    this.protect(0, 1, (L) => {
      this.conv.push(L, value, what);
      return 1;
    });
  }

  /** Convert the value on top of the stack to JS and pop it. */
  popJs(what = '$'): unknown {
    const X = this.w.X;
    const t = X.lua_type(this.L, -1) as number;
    if (t !== T_TABLE) {
      // Scalars cannot raise a Lua error while read: skip the protected call.
      const v = this.conv.read(this.L, X.lua_gettop(this.L) as number, what);
      X.lua_settop(this.L, -2);
      return v;
    }
    let out: unknown;
    this.protect(1, 0, (L) => {
      out = this.conv.read(L, 1, what);
      return 0;
    });
    return out;
  }

  /** Text of argument `i` for log(): strings as-is, numbers shortest, tables as compact JSON. */
  logText(L: number, i: number): string {
    const X = this.w.X;
    const t = X.lua_type(L, i) as number;
    if (t === T_STRING) return this.w.readString(L, i);
    if (t === T_NIL) return 'nil';
    if (t === T_TABLE) {
      X.lua_pushvalue(L, i);
      const v = this.conv.read(L, X.lua_gettop(L) as number);
      X.lua_settop(L, -2);
      return JSON.stringify(v);
    }
    X.luaL_tolstring(L, i, 0);
    const s = this.w.readString(L, -1);
    X.lua_settop(L, -2);
    return s;
  }

  /**
   * Budgets enforced by a count hook, checked every `interval` instructions: a wall-clock deadline (the
   * loader's, on the main thread) and an instruction cap (IRONFLOW_LUA_MAX_INSTRUCTIONS). With neither,
   * no hook is installed: it would slow all Lua down about 2x.
   */
  setBudget(opts: { deadline?: number; maxInstructions?: number; interval?: number }): void {
    this.deadline = opts.deadline ?? 0;
    this.maxInstructions = opts.maxInstructions ?? 0;
    this.instructionsUsed = 0;
    this.stopMessage = undefined;
    const on = this.deadline > 0 || this.maxInstructions > 0;
    let interval = Math.max(1, opts.interval ?? 10_000);
    if (this.maxInstructions > 0) interval = Math.min(interval, this.maxInstructions);
    this.hookInterval = interval;
    this.w.X.lua_sethook(this.L, on ? this.sh.hookPtr : 0, on ? LUA_MASKCOUNT : 0, on ? interval : 0);
  }

  /** Pop the error value on top and return it as text. */
  popError(): string {
    const X = this.w.X;
    const t = X.lua_type(this.L, -1) as number;
    const msg =
      t === T_STRING || t === T_NUMBER
        ? this.w.readString(this.L, -1)
        : `(error object is a ${typeName(t)} value)`;
    X.lua_settop(this.L, -2);
    return msg;
  }

  get top(): number {
    return this.w.X.lua_gettop(this.L) as number;
  }

  settop(n: number): void {
    this.w.X.lua_settop(this.L, n);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.w.X.lua_close(this.L);
    this.sh.states.delete(this.L);
  }
}

export { ConversionError };
