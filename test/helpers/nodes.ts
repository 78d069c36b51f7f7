// Run one node directly, as the engine would, without a flow: static check, defaults, interpolation, run.

import { interpolate } from '../../src/engine/interpolate.js';
import { invokeNode } from '../../src/engine/invoke.js';
import { ResourcePool } from '../../src/engine/resources.js';
import { checkParams } from '../../src/nodes/params.js';
import { registry } from '../../src/nodes/registry.js';
import type { Logger, LuaRunner, NodeOutput, NodeServices } from '../../src/nodes/types.js';
import { ValidationError } from '../../src/util/errors.js';

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface RunNodeOptions {
  step?: string;
  signal?: AbortSignal;
  lua?: LuaRunner;
  resources?: ResourcePool;
  services?: Partial<NodeServices>;
  logs?: LogLine[];
}

const noLua: LuaRunner = {
  runCode: () => Promise.reject(new Error('no Lua runner in this test')),
  runForeach: () => Promise.reject(new Error('no Lua runner in this test')),
};

/** Static check only: the problems `ironflow validate` would report for this config. */
export function checkNode(name: string, config: Record<string, unknown>): string[] {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown node ${name}`);
  const { errors } = checkParams(name, def.params, config);
  const extra = def.check?.(config) ?? [];
  return [...errors, ...extra].map((e) => e.message);
}

/** Run node `name` with `config` against `ctx`. Static errors throw a ValidationError. */
export async function runNode(
  name: string,
  config: Record<string, unknown>,
  ctx: Record<string, unknown> = {},
  opts: RunNodeOptions = {},
): Promise<NodeOutput> {
  await registry.ensure([name]);
  const def = registry.get(name);
  if (!def) throw new Error(`unknown node ${name}`);
  const step = opts.step ?? 'test_step';
  const problems = checkNode(name, config);
  if (problems.length) throw new ValidationError(problems.map((message) => ({ message, step })));
  const logs = opts.logs ?? [];
  const log: Logger = {
    debug: (msg, fields) => logs.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => logs.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => logs.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => logs.push({ level: 'error', msg, fields }),
  };
  return invokeNode(
    def,
    { ...config, _step_name: step },
    {
      step,
      nodeType: name,
      ctx,
      signal: opts.signal ?? new AbortController().signal,
      log,
      runId: '00000000-0000-4000-8000-000000000000',
      lineage: ['/test/flow.lua'],
      services: { lua: opts.lua ?? noLua, resources: opts.resources ?? new ResourcePool(), ...opts.services },
      interpolate: (s) => interpolate(s, ctx),
    },
  );
}
