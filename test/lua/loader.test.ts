import { expect, test } from 'vitest';
import { executeCode, executeForeach } from '../../src/lua/execute.js';
import { loadFlow } from '../../src/lua/loader.js';
import { LuaState } from '../../src/lua/state.js';

const opts = {
  nodeNames: ['log', 'code', 'foreach', 'if_node'],
  maxMs: 2000,
  hookInterval: 1000,
  memoryLimit: 64 << 20,
  conversion: { maxDepth: 64, maxNodes: 100000 },
  env: (k: string) => process.env[k],
  print: () => {},
  log: () => {},
};

test('load and execute a flow with captured locals', async () => {
  const src = `
local threshold = 100
local fmt = string.format
local helpers = { double = function(x) return x * 2 end }
local flow = Flow.new("t")
flow:step("a", nodes.log({ message = "hi \${ctx.x}" }))
flow:step("b", function(ctx)
  return { big = ctx.n > threshold, msg = fmt("%d!", helpers.double(ctx.n)), arr = json_array({}), oops = undefinedThing }
end):depends_on("a"):retries(2, 0.5)
flow:step_if("ctx.n > 1", "c", nodes.code({ source = "ctx.n + 1" })):depends_on("b")
flow:step("d", nodes.foreach({ source_key = "items", transform = function(item, i) return item * threshold + i end }))
return flow`;
  const { flow, issues } = await loadFlow(src, 'f.lua', opts);
  expect(issues).toEqual([]);
  expect(flow.name).toBe('t');
  expect(flow.steps.map((s) => [s.name, s.node_type, s.dependencies])).toEqual([
    ['a', 'log', []],
    ['b', 'code', ['a']],
    ['_if_c', 'if_node', ['b']],
    ['c', 'code', ['_if_c']],
    ['d', 'foreach', []],
  ]);
  expect(flow.steps[1]!.retry).toEqual({ max_retries: 2, backoff_s: 0.5 });
  expect(flow.warnings.map((w) => w.message)).toEqual([
    "Step 'b' reads undefined global 'undefinedThing' at f.lua:8:107",
  ]);
  const st = await LuaState.create({ memoryLimit: 64 << 20, conversion: opts.conversion });
  const ctx = { n: 150, items: [1, 2] };
  const src2 = {
    get: (k: string) =>
      k in ctx
        ? { found: true as const, value: (ctx as Record<string, unknown>)[k] }
        : { found: false as const },
    keys: () => Object.keys(ctx),
  };
  const out = executeCode(st, { payload: flow.steps[1]!.config.bytecode_b64 as string, step: 'b' }, src2);
  expect(out).toEqual({ big: true, msg: '300!', arr: [] });
  expect(executeCode(st, { source: 'ctx.n + 1', step: 'c' }, src2)).toBe(151);
  expect(
    executeForeach(
      st,
      { payload: flow.steps[4]!.config.transform_bytecode_b64 as string, items: [1, 2], filterNulls: true },
      src2,
    ),
  ).toEqual([101, 202]);
  expect(st.top).toBe(0);
});
