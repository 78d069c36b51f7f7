// Named limits and knobs. Each has one documented default and an environment override; an invalid value
// is an error (never silently ignored). Modules declare their settings with defineSetting at import time,
// so `ironflow` can check them all at start-up and the docs can list them.
import { availableParallelism } from 'node:os';
import { ConfigError } from '../util/errors.js';

export interface SettingSpec<T extends number | boolean | string> {
  /** Environment variable name, e.g. IRONFLOW_LUA_MAX_SECONDS. */
  env: string;
  kind: 'int' | 'number' | 'bool' | 'string';
  default: T | (() => T);
  description: string;
  min?: number;
  max?: number;
}

const specs = new Map<string, SettingSpec<number | boolean | string>>();
const overrides = new Map<string, number | boolean | string>();

export interface Setting<T> {
  readonly env: string;
  /** The current value: an override set in code, else the environment, else the default. */
  get(): T;
}

export function defineSetting<T extends number | boolean | string>(spec: SettingSpec<T>): Setting<T> {
  specs.set(spec.env, spec as SettingSpec<number | boolean | string>);
  return {
    env: spec.env,
    get: () => readSetting(spec),
  };
}

function readSetting<T extends number | boolean | string>(spec: SettingSpec<T>): T {
  if (overrides.has(spec.env)) return overrides.get(spec.env) as T;
  const raw = process.env[spec.env];
  if (raw === undefined || raw.trim() === '') {
    return typeof spec.default === 'function' ? spec.default() : spec.default;
  }
  return parseSetting(spec, raw);
}

export function parseSetting<T extends number | boolean | string>(spec: SettingSpec<T>, raw: string): T {
  const v = raw.trim();
  switch (spec.kind) {
    case 'string':
      return raw as T;
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(v)) return true as T;
      if (/^(false|0|no|off)$/i.test(v)) return false as T;
      throw new ConfigError(`${spec.env} must be true or false, got '${raw}'`);
    default: {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n))) {
        throw new ConfigError(
          `${spec.env} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}, got '${raw}'`,
        );
      }
      if (spec.min !== undefined && n < spec.min)
        throw new ConfigError(`${spec.env} must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max)
        throw new ConfigError(`${spec.env} must be at most ${spec.max}, got ${n}`);
      return n as T;
    }
  }
}

/** Set a value in code (CLI flags, YAML, tests); `undefined` removes the override. */
export function overrideSetting(env: string, value: number | boolean | string | undefined): void {
  if (value === undefined) overrides.delete(env);
  else overrides.set(env, value);
}

/** Check every declared setting against the environment; throws the first invalid one. */
export function checkSettings(): void {
  for (const spec of specs.values()) readSetting(spec);
}

export function settingSpec(env: string): SettingSpec<number | boolean | string> | undefined {
  return specs.get(env);
}

export function listSettings(): SettingSpec<number | boolean | string>[] {
  return [...specs.values()].sort((a, b) => a.env.localeCompare(b.env));
}

let cpuCount: number | undefined;
/** Read once: it is the default of settings read for every run. */
const cpus = () => {
  cpuCount ??= Math.max(1, availableParallelism());
  return cpuCount;
};

export const S = {
  maxConcurrentTasks: defineSetting<number>({
    env: 'IRONFLOW_MAX_CONCURRENT_TASKS',
    kind: 'int',
    min: 0,
    default: cpus,
    description: 'Steps of one run that may execute at once (0 means 1). YAML: max_concurrent_tasks.',
  }),
  luaMaxSeconds: defineSetting<number>({
    env: 'IRONFLOW_LUA_MAX_SECONDS',
    kind: 'number',
    min: 0,
    default: 10,
    description:
      'Wall-clock budget of one Lua execution (flow load, code step attempt, foreach); 0 disables.',
  }),
  luaMaxMemory: defineSetting<number>({
    env: 'IRONFLOW_LUA_MAX_MEMORY_BYTES',
    kind: 'int',
    min: 0,
    default: 134_217_728,
    description: 'Memory one Lua execution may allocate; 0 disables.',
  }),
  luaMaxInstructions: defineSetting<number>({
    env: 'IRONFLOW_LUA_MAX_INSTRUCTIONS',
    kind: 'int',
    min: 0,
    default: 0,
    description:
      'Instruction budget of one Lua execution; 0 (default) disables it. Enabling it installs a count hook, which makes Lua about 2x slower.',
  }),
  luaHookInterval: defineSetting<number>({
    env: 'IRONFLOW_LUA_HOOK_INTERVAL',
    kind: 'int',
    min: 100,
    default: 10_000,
    description: 'Instructions between budget checks when a count hook is installed.',
  }),
  luaWorkers: defineSetting<number>({
    env: 'IRONFLOW_LUA_WORKERS',
    kind: 'int',
    min: 1,
    max: 256,
    default: cpus,
    description: 'Worker threads that run Lua handlers (each one runs one handler at a time).',
  }),
  maxConversionDepth: defineSetting<number>({
    env: 'IRONFLOW_MAX_CONVERSION_DEPTH',
    kind: 'int',
    min: 1,
    default: 64,
    description: 'Deepest nesting a value may have when it crosses between Lua and JSON.',
  }),
  maxConversionNodes: defineSetting<number>({
    env: 'IRONFLOW_MAX_CONVERSION_NODES',
    kind: 'int',
    min: 1,
    default: 100_000,
    description: 'Most values (tables and scalars) one conversion between Lua and JSON may contain.',
  }),
  maxTaskOutputBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_TASK_OUTPUT_BYTES',
    kind: 'int',
    min: 0,
    default: 2_097_152,
    description:
      'Largest task output kept in a run record; bigger outputs are replaced by a _truncated marker. 0 disables.',
  }),
  maxRunSeconds: defineSetting<number>({
    env: 'IRONFLOW_MAX_RUN_SECONDS',
    kind: 'number',
    min: 0,
    default: 0,
    description: 'Deadline of a whole run; when it passes the run ends cancelled. 0 disables.',
  }),
  maxFlowSourceBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_FLOW_SOURCE_BYTES',
    kind: 'int',
    min: 1,
    default: 1_048_576,
    description: 'Largest flow source (file or submitted) that is loaded.',
  }),
  envAllowlist: defineSetting<string>({
    env: 'IRONFLOW_ENV_ALLOWLIST',
    kind: 'string',
    default: '',
    description:
      'When set, Lua env() only returns these variables (comma-separated); an empty value denies all.',
  }),
};

/** Concurrency limit of a run (CORE 4.1, IF-002): an explicit value, else the setting; 0 means 1. */
export function concurrencyLimit(explicit?: number): number {
  const n = explicit ?? S.maxConcurrentTasks.get();
  return Math.max(1, Math.floor(n));
}
