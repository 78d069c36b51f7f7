// The only module that imports wasmoon: it loads the Lua 5.4 WASM build once per thread and hands out the
// raw exported C API, which is ~10x faster than wasmoon's cwrap wrappers (see notes/lua-bridge-measured.md).
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import wasmoon from 'wasmoon';

/* Lua C API constants (lua.h, Lua 5.4). */
export const LUA_REGISTRYINDEX = -1001000;
export const LUA_OK = 0;
export const LUA_YIELD = 1;
export const LUA_ERRRUN = 2;
export const LUA_ERRSYNTAX = 3;
export const LUA_ERRMEM = 4;
export const LUA_ERRERR = 5;
export const T_NIL = 0;
export const T_BOOLEAN = 1;
export const T_LIGHTUSERDATA = 2;
export const T_NUMBER = 3;
export const T_STRING = 4;
export const T_TABLE = 5;
export const T_FUNCTION = 6;
export const T_USERDATA = 7;
export const T_THREAD = 8;
export const LUA_MASKCOUNT = 8;

/** Emscripten implements longjmp (Lua's `error`) by throwing this value through JS frames. */
export const LONGJMP = Number.POSITIVE_INFINITY;

// biome-ignore lint/suspicious/noExplicitAny: raw WASM exports are untyped by nature
export type RawExports = Record<string, any> & { memory: WebAssembly.Memory };

interface EmscriptenModule {
  addFunction(fn: (...args: number[]) => number | undefined, sig: string): number;
  removeFunction(ptr: number): void;
}

/**
 * One Lua WASM instance with helpers that move strings in and out of its linear memory.
 * Every view is rebuilt after `memory.grow`, which detaches the old ArrayBuffer.
 */
export class LuaWasm {
  readonly X: RawExports;
  private readonly mod: EmscriptenModule;
  private buffer: ArrayBuffer;
  u8: Uint8Array;
  u32: Uint32Array;
  mem: Buffer;
  private scratch = 0;
  private scratchCap = 0;
  private readonly enc = new TextEncoder();
  /** Four bytes that Lua writes a `size_t` length into. */
  readonly lenPtr: number;
  private readonly cstrCache = new Map<string, number>();

  constructor(X: RawExports, mod: EmscriptenModule) {
    this.X = X;
    this.mod = mod;
    this.buffer = X.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
    this.mem = Buffer.from(this.buffer);
    this.lenPtr = X.malloc(8);
    this.growScratch(4096);
  }

  refresh(): void {
    // memory.grow detaches the old buffer, which leaves every view on it with length 0. Checking that is
    // far cheaper than reading memory.buffer on every call (measured: a tenth of a 1 MB conversion).
    if (this.u8.length === 0) {
      this.buffer = this.X.memory.buffer;
      this.u8 = new Uint8Array(this.buffer);
      this.u32 = new Uint32Array(this.buffer);
      this.mem = Buffer.from(this.buffer);
    }
  }

  private growScratch(n: number): void {
    if (this.scratch) this.X.free(this.scratch);
    let cap = Math.max(this.scratchCap * 2, 4096);
    while (cap < n) cap *= 2;
    this.scratch = this.X.malloc(cap);
    if (!this.scratch) throw new Error('Lua runtime out of memory');
    this.scratchCap = cap;
    this.refresh();
  }

  addFunction(fn: (...args: number[]) => number | undefined, sig: string): number {
    return this.mod.addFunction(fn, sig);
  }

  removeFunction(ptr: number): void {
    this.mod.removeFunction(ptr);
  }

  /** A NUL-terminated copy of a constant string, kept for the life of the runtime. */
  cstr(s: string): number {
    let p = this.cstrCache.get(s);
    if (p === undefined) {
      const bytes = Buffer.from(`${s}\0`, 'utf8');
      p = this.X.malloc(bytes.length) as number;
      this.refresh();
      this.u8.set(bytes, p);
      this.cstrCache.set(s, p);
    }
    return p;
  }

  /** Push a JS string as a Lua string (binary-safe: NUL bytes survive). */
  pushString(L: number, s: string): void {
    this.refresh();
    const n = s.length;
    if (n <= 64) {
      const u8 = this.u8;
      const base = this.scratch;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        u8[base + i] = c;
      }
      if (i === n) {
        this.X.lua_pushlstring(L, base, n);
        return;
      }
    }
    if (n * 3 > this.scratchCap) this.growScratch(n * 3);
    const { written } = this.enc.encodeInto(
      s,
      this.u8.subarray(this.scratch, this.scratch + this.scratchCap),
    );
    this.X.lua_pushlstring(L, this.scratch, written);
  }

  /** Push raw bytes as a Lua string. */
  pushBytes(L: number, bytes: Uint8Array): void {
    if (bytes.length > this.scratchCap) this.growScratch(bytes.length);
    this.refresh();
    this.u8.set(bytes, this.scratch);
    this.X.lua_pushlstring(L, this.scratch, bytes.length);
  }

  /** Copy `bytes` into scratch memory and return the pointer (valid until the next scratch use). */
  stage(bytes: Uint8Array): number {
    if (bytes.length + 1 > this.scratchCap) this.growScratch(bytes.length + 1);
    this.refresh();
    this.u8.set(bytes, this.scratch);
    this.u8[this.scratch + bytes.length] = 0;
    return this.scratch;
  }

  /** Read the string at `idx`; the value there must be a string (numbers would be converted in place). */
  readString(L: number, idx: number): string {
    const p = this.X.lua_tolstring(L, idx, this.lenPtr) as number;
    this.refresh();
    const n = this.u32[this.lenPtr >> 2]!;
    return this.mem.utf8Slice(p, p + n);
  }

  /** Like readString, but reports whether the bytes were valid UTF-8. */
  readStringChecked(L: number, idx: number): { s: string; valid: boolean } {
    const p = this.X.lua_tolstring(L, idx, this.lenPtr) as number;
    this.refresh();
    const n = this.u32[this.lenPtr >> 2]!;
    const s = this.mem.utf8Slice(p, p + n);
    if (s.indexOf('\uFFFD') === -1) return { s, valid: true };
    return { s, valid: isUtf8(this.u8.subarray(p, p + n)) };
  }

  /** The raw bytes of the string at `idx` (a copy). */
  readBytes(L: number, idx: number): Buffer {
    const p = this.X.lua_tolstring(L, idx, this.lenPtr) as number;
    this.refresh();
    const n = this.u32[this.lenPtr >> 2]!;
    return Buffer.from(this.u8.subarray(p, p + n));
  }

  /** Read a NUL-terminated C string. */
  readCString(p: number): string {
    if (!p) return '';
    this.refresh();
    const end = this.u8.indexOf(0, p);
    return this.mem.utf8Slice(p, end);
  }
}

let loading: Promise<LuaWasm> | undefined;
let quickStart = false;

/**
 * For a short-lived command whose main thread only loads flows (`ironflow run`, `validate`): keep this
 * thread's Lua in V8's baseline WASM tier. Left to itself, V8 starts optimising the Lua interpreter while
 * the flow loads, and a process cannot exit before those background compilations end: 50-90 ms of every
 * `ironflow run` here. Only this thread's module is affected: it gets distinct bytes (a custom section), so
 * V8 does not share it with the worker threads, whose modules compile with the default tiering afterwards.
 * The price: a worker no longer inherits code the loader had optimised, so the first CPU-heavy handler of
 * such a command runs about 50 ms longer. Call before the first luaWasm().
 */
export function preferQuickStart(): void {
  quickStart = true;
}

/** A WASM custom section (id 0) named `ironflow-main`: ignored by the module, but it changes its bytes. */
function withCustomSection(bytes: Uint8Array): Uint8Array {
  const name = Buffer.from('ironflow-main');
  const body = Buffer.concat([Buffer.from([name.length]), name]);
  return Buffer.concat([bytes, Buffer.from([0, body.length]), body]);
}

/** V8's default tiering budget (v8 11, Node 20); restored once this thread's module exists. */
const DEFAULT_TIERING_BUDGET = 1_800_000;

/** The Lua runtime of this thread, created on first use (about 20 ms). */
export function luaWasm(): Promise<LuaWasm> {
  loading ??= instantiate();
  return loading;
}

async function instantiate(): Promise<LuaWasm> {
  // wasmoon offers no way to reach the instance, so catch it as it is created. Pinned wasmoon 1.16.0;
  // The checks below fail loudly if an upgrade changes this.
  let instance: WebAssembly.Instance | undefined;
  const original = WebAssembly.instantiate;
  const quick = quickStart;
  const patched = async function (this: unknown, ...args: unknown[]) {
    if (quick && args[0] instanceof Uint8Array) args[0] = withCustomSection(args[0]);
    else if (quick && args[0] instanceof ArrayBuffer) args[0] = withCustomSection(new Uint8Array(args[0]));
    if (quick) v8.setFlagsFromString('--wasm-tiering-budget=1000000000');
    // biome-ignore lint/suspicious/noExplicitAny: forwarding the arguments
    let result: any;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: forwarding the arguments
      result = await (original as any).apply(this, args);
    } finally {
      if (quick) v8.setFlagsFromString(`--wasm-tiering-budget=${DEFAULT_TIERING_BUDGET}`);
    }
    instance ??= (result as { instance?: WebAssembly.Instance }).instance ?? (result as WebAssembly.Instance);
    return result;
  };
  (WebAssembly as { instantiate: unknown }).instantiate = patched;
  let mod: EmscriptenModule;
  try {
    // An explicit path: in the bundled CLI, wasmoon's own directory guess points at the bundle.
    const lw = await wasmoon.LuaWasm.initialize(
      createRequire(import.meta.url).resolve('wasmoon/dist/glue.wasm'),
    );
    mod = lw.module as unknown as EmscriptenModule;
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
  if (!instance)
    throw new Error('Lua runtime: could not reach the WASM instance (wasmoon internals changed)');
  const X = instance.exports as unknown as RawExports;
  for (const name of ['lua_pushlstring', 'lua_pcallk', 'luaL_loadbufferx', 'malloc', 'memory']) {
    if (!(name in X))
      throw new Error(`Lua runtime: missing WASM export '${name}' (wasmoon internals changed)`);
  }
  return new LuaWasm(X, mod);
}
