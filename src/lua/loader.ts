// Evaluating a flow file (CORE 1): run the chunk once in a fresh sandboxed state with the DSL, then read
// the returned flow into a FlowDefinition. Function handlers become signed payloads; string `code` sources
// are compiled (never run) so syntax errors and undefined globals are found before any run.
import type { FlowDefinition, FlowWarning, StepDefinition } from '../engine/types.js';
import type { ValidationIssue } from '../util/errors.js';
import { globalAccesses } from './bytecode.js';
import { CaptureError, captureFunction, type Graph, type KnownValues } from './capture.js';
import type { ConversionLimits } from './convert.js';
import { DSL } from './dsl.js';
import { compileSource } from './execute.js';
import { signPayload } from './payload.js';
import { DEADLINE_MESSAGE, LuaError, type LuaLogLevel, LuaState } from './state.js';
import { T_FUNCTION, T_NIL, T_STRING, T_TABLE } from './wasm.js';

export interface LoadOptions {
  /** Node types `nodes.<type>` offers. */
  nodeNames: string[];
  /** Wall-clock budget of the load in ms (0 = none). */
  maxMs: number;
  hookInterval: number;
  /** IRONFLOW_LUA_MAX_INSTRUCTIONS (0 = none). */
  maxInstructions?: number;
  memoryLimit: number;
  conversion: ConversionLimits;
  env: (name: string) => string | undefined;
  print: (line: string) => void;
  log: (level: LuaLogLevel, message: string) => void;
}

/** What loading produced: the flow, plus problems that `validate` reports (not load failures). */
export interface LoadResult {
  flow: FlowDefinition;
  issues: ValidationIssue[];
}

/** A load failure: the message is ready for the user (it names the file and, for Lua errors, the line). */
export class LoadFailure extends Error {}

/** Raw step data as the DSL's extract() returns it. */
interface RawStep {
  name: string;
  node_type?: string;
  deps: unknown;
  max_retries: unknown;
  backoff_s: unknown;
  timeout_s?: unknown;
  route?: string;
  on_error?: string;
  line?: number;
  config: Record<string, unknown>;
  fn_key?: string;
}

export async function loadFlow(source: string, file: string, opts: LoadOptions): Promise<LoadResult> {
  const st = await LuaState.create({
    memoryLimit: opts.memoryLimit,
    conversion: opts.conversion,
    env: opts.env,
    print: opts.print,
    log: opts.log,
  });
  try {
    return evaluate(st, source, file, opts);
  } finally {
    st.close();
  }
}

function evaluate(st: LuaState, source: string, file: string, opts: LoadOptions): LoadResult {
  const X = st.w.X;
  const L = st.L;
  const what =
    file === '<inline>' ? 'Failed to evaluate flow source' : `Failed to evaluate flow file '${file}'`;
  st.pushNewEnv(); // 1: env
  st.loadChunk(DSL, '=dsl');
  X.lua_pushvalue(L, 1);
  X.lua_setupvalue(L, -2, 1);
  X.lua_pushvalue(L, 1);
  st.pushJs(opts.nodeNames);
  st.pushHelper('caller_line');
  st.pcall(3, 1); // 2: extract
  const known = knownValues(st, 1);
  try {
    st.loadChunk(source, file === '<inline>' ? '=flow' : `@${file}`);
  } catch (e) {
    throw new LoadFailure(`${what}: ${(e as Error).message}`);
  }
  X.lua_pushvalue(L, 1);
  X.lua_setupvalue(L, -2, 1);
  st.setBudget({
    deadline: opts.maxMs > 0 ? Date.now() + opts.maxMs : 0,
    maxInstructions: opts.maxInstructions,
    interval: opts.hookInterval,
  });
  try {
    st.pcall(0, 1); // 3: the returned flow
  } catch (e) {
    const err = e as LuaError;
    const msg =
      err.kind === 'deadline' && err.message === DEADLINE_MESSAGE
        ? `the flow file ran longer than the Lua time budget of ${opts.maxMs / 1000}s (IRONFLOW_LUA_MAX_SECONDS)`
        : err.message;
    throw new LoadFailure(`${what}: ${msg}`);
  } finally {
    st.setBudget({});
  }
  X.lua_pushvalue(L, 2);
  X.lua_pushvalue(L, 3);
  st.pcall(1, 2); // 4: data or nil, 5: fns or message
  if (X.lua_type(L, 4) === T_NIL) throw new LoadFailure(`${what}: ${st.w.readString(L, 5)}`);
  return readFlow(st, source, file, known, opts);
}

/** Pointers of the library values of the loader environment at `envIdx`. */
function knownValues(st: LuaState, envIdx: number): KnownValues {
  const X = st.w.X;
  const L = st.L;
  const byPtr = new Map<number, string>();
  const loaderOnly = new Map<number, string>();
  const top = st.top;
  // Walk a table's entries (raw) and, through its metatable's __index, the values it inherits.
  const walk = (idx: number, visitEntry: (name: string, vIdx: number) => void) => {
    const base = st.top;
    X.lua_pushnil(L);
    while (X.lua_next(L, idx) !== 0) {
      if (X.lua_type(L, base + 1) === T_STRING) visitEntry(st.w.readString(L, base + 1), base + 2);
      X.lua_settop(L, base + 1);
    }
    st.settop(base);
    if (X.lua_getmetatable(L, idx)) {
      X.lua_getfield(L, base + 1, st.w.cstr('__index'));
      if (X.lua_type(L, base + 2) === T_TABLE) walk(base + 2, visitEntry);
      st.settop(base);
    }
  };
  walk(envIdx, (name, v) => {
    const t = X.lua_type(L, v);
    const ptr = X.lua_topointer(L, v) as number;
    if (name === 'Flow' || name === 'nodes') loaderOnly.set(ptr, 'a flow-building helper');
    else if (t === T_FUNCTION) byPtr.set(ptr, name);
    else if (t === T_TABLE && name !== '_G') {
      byPtr.set(ptr, name);
      walk(v, (fname, fv) => {
        if (X.lua_type(L, fv) === T_FUNCTION) byPtr.set(X.lua_topointer(L, fv) as number, `${name}.${fname}`);
      });
    }
  });
  st.pushMarker('array');
  const arrayMt = X.lua_topointer(L, -1) as number;
  st.pushMarker('object');
  const objectMt = X.lua_topointer(L, -1) as number;
  st.settop(top);
  return { env: X.lua_topointer(L, envIdx) as number, byPtr, loaderOnly, arrayMt, objectMt };
}

function readFlow(
  st: LuaState,
  source: string,
  file: string,
  known: KnownValues,
  opts: LoadOptions,
): LoadResult {
  const X = st.w.X;
  const L = st.L;
  const lines = source.split('\n');
  // Convert step by step, so a conversion error names its step.
  X.lua_getfield(L, 4, st.w.cstr('name'));
  const name = st.w.readString(L, -1);
  st.settop(5);
  X.lua_getfield(L, 4, st.w.cstr('steps')); // 6
  const count = Number(X.lua_rawlen(L, 6) as bigint);
  const steps: StepDefinition[] = [];
  const issues: ValidationIssue[] = [];
  const warnings: FlowWarning[] = [];
  const globals = new Set([...st.baseNames(), 'ctx']);
  const captured = new Map<number, { payload: string; warnings: FlowWarning[] }>();
  for (let i = 1; i <= count; i++) {
    X.lua_rawgeti(L, 6, BigInt(i)); // 7
    let raw: RawStep;
    try {
      raw = st.popJs() as RawStep;
    } catch (e) {
      X.lua_rawgeti(L, 6, BigInt(i));
      X.lua_getfield(L, -1, st.w.cstr('name'));
      const stepName = X.lua_type(L, -1) === T_STRING ? st.w.readString(L, -1) : `#${i}`;
      st.settop(6);
      const detail = (e as Error).message
        .replace(/^value at \$\.config/, 'parameter at $')
        .replace(/^value at \$/, 'value at $');
      throw new LoadFailure(`Step '${stepName}': ${detail}`);
    }
    const step = toStep(raw, issues);
    X.lua_rawgeti(L, 5, BigInt(i));
    const fnPtr = X.lua_type(L, -1) === T_FUNCTION ? (X.lua_topointer(L, -1) as number) : 0;
    const seenFn = fnPtr ? captured.get(fnPtr) : undefined;
    if (seenFn) {
      // The same function for several steps: one capture (its locals are fixed once loading is over).
      step.config[raw.fn_key ?? 'bytecode_b64'] = seenFn.payload;
      for (const w of seenFn.warnings)
        warnings.push({
          ...w,
          step: step.name,
          message: w.message.replace(/^Step '[^']*'/, `Step '${step.name}'`),
        });
    } else if (fnPtr) {
      let graph: Graph | undefined;
      try {
        X.lua_rawgeti(L, 5, BigInt(i));
        st.protect(1, 0, () => {
          graph = captureFunction(st, known, `step '${step.name}'`, opts.conversion.maxNodes);
          return 0;
        });
      } catch (e) {
        st.settop(6);
        if (e instanceof CaptureError) throw new LoadFailure(e.message);
        throw new LoadFailure(`Step '${step.name}': ${(e as Error).message}`);
      }
      const payload = signPayload(JSON.stringify(graph));
      const found = undefinedGlobals(graph!, globals, step.name, file, lines);
      captured.set(fnPtr, { payload, warnings: found });
      step.config[raw.fn_key ?? 'bytecode_b64'] = payload;
      warnings.push(...found);
    }
    st.settop(6);
    if (
      step.node_type === 'code' &&
      typeof step.config.source === 'string' &&
      step.config.bytecode_b64 === undefined
    ) {
      checkCodeSource(st, step, globals, issues, warnings);
    }
    steps.push(step);
  }
  return { flow: { name, steps, source: file, warnings }, issues };
}

function toStep(raw: RawStep, issues: ValidationIssue[]): StepDefinition {
  if (typeof raw.node_type !== 'string') {
    throw new LoadFailure(
      `Step '${raw.name}': its config table has no node type; build it with nodes.<type>({...}) or pass a function`,
    );
  }
  const config = Array.isArray(raw.config) ? {} : { ...raw.config };
  if (Array.isArray(raw.config)) {
    issues.push({
      step: raw.name,
      message: `Step '${raw.name}': the node config must be a table of named parameters`,
    });
  }
  config._step_name = raw.name;
  const deps = Array.isArray(raw.deps) ? (raw.deps as string[]) : [];
  const step: StepDefinition = {
    name: raw.name,
    node_type: raw.node_type,
    dependencies: deps,
    retry: { max_retries: raw.max_retries as number, backoff_s: raw.backoff_s as number },
    config,
  };
  if (raw.timeout_s !== undefined && raw.timeout_s !== null) step.timeout_s = raw.timeout_s as number;
  if (raw.route !== undefined) step.route = raw.route;
  if (raw.on_error !== undefined) step.on_error = raw.on_error;
  if (raw.line !== undefined) step.line = raw.line;
  return step;
}

/** IF-096: globals a handler reads that its sandbox will not have (misspellings, flow-file globals). */
function undefinedGlobals(
  graph: Graph,
  globals: Set<string>,
  step: string,
  file: string,
  lines: string[],
): FlowWarning[] {
  const out: FlowWarning[] = [];
  const accesses = graph.funcs.flatMap((f) => globalAccesses(Buffer.from(f.code, 'base64')));
  const written = new Set(accesses.filter((a) => a.write).map((a) => a.name));
  const seen = new Set<string>();
  for (const a of accesses) {
    if (a.write || globals.has(a.name) || written.has(a.name) || seen.has(`${a.name}:${a.line}`)) continue;
    seen.add(`${a.name}:${a.line}`);
    const column = columnOf(lines[a.line - 1], a.name);
    out.push({
      code: 'undefined_global',
      step,
      line: a.line,
      column,
      message: `Step '${step}' reads undefined global '${a.name}' at ${file}:${a.line}:${column}`,
    });
  }
  return out;
}

function columnOf(line: string | undefined, name: string): number {
  if (!line) return 1;
  const m = new RegExp(`(?<![A-Za-z0-9_.])${name}(?![A-Za-z0-9_])`).exec(line);
  return (m?.index ?? 0) + 1;
}

/** Compile (never run) a string code source: syntax errors are validation errors; globals are checked. */
function checkCodeSource(
  st: LuaState,
  step: StepDefinition,
  globals: Set<string>,
  issues: ValidationIssue[],
  warnings: FlowWarning[],
): void {
  const source = step.config.source as string;
  const top = st.top;
  try {
    compileSource(st, source, step.name);
  } catch (e) {
    issues.push({
      step: step.name,
      path: '$.source',
      message: `Step '${step.name}' $.source: ${(e as Error).message}`,
    });
    return;
  }
  const code = st.dumpTop();
  st.settop(top);
  const lines = source.split('\n');
  const accesses = globalAccesses(code);
  const written = new Set(accesses.filter((a) => a.write).map((a) => a.name));
  for (const a of accesses) {
    if (a.write || globals.has(a.name) || written.has(a.name)) continue;
    const column = columnOf(lines[a.line - 1], a.name);
    warnings.push({
      code: 'undefined_global',
      step: step.name,
      line: a.line,
      column,
      message: `Step '${step.name}' reads undefined global '${a.name}' at step[${step.name}].source:${a.line}:${column}`,
    });
  }
}

export { LuaError };
