// Escape attempts against the Lua sandbox, at flow load time and inside handlers (IF-001, IF-035).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FlowLoadError } from '../../src/util/errors.js';
import { runSource, testEngine } from '../helpers/engine.js';

const { engine } = testEngine();
afterAll(() => engine.close());

const dir = mkdtempSync(join(tmpdir(), 'ironflow-sandbox-'));
const marker = join(dir, 'escaped');

/** Lua expressions that must all be nil or fail inside the sandbox. */
const probes = [
  'os',
  'io',
  'debug',
  'package',
  'require',
  'load',
  'loadstring',
  'loadfile',
  'dofile',
  'collectgarbage',
  'coroutine',
  'string.dump',
  '("").dump',
  'getmetatable("")',
];

describe('globals that must not exist', () => {
  test('at load time', async () => {
    const checks = probes
      .map((p) => `assert(${p} == nil or ${p} == false, "${p.replace(/"/g, '\\"')} is reachable")`)
      .join('\n');
    const loaded = await engine.loadSource(`${checks}\nreturn Flow.new("ok")`, 'probe.lua');
    expect(loaded.flow.name).toBe('ok');
  });

  test('inside a handler, while the safe libraries still work', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("h")
flow:step("probe", function()
  return {
    os = os == nil, io = io == nil, debug = debug == nil, package = package == nil, require = require == nil,
    load = load == nil, dofile = dofile == nil, loadfile = loadfile == nil, cg = collectgarbage == nil,
    co = coroutine == nil, dump = string.dump == nil and ("").dump == nil,
    upper = string.upper("x"), concat = table.concat({ "a", "b" }, "-"), floor = math.floor(2.7), char = utf8.char(233),
  }
end)
return flow`,
    );
    expect(run.status).toBe('success');
    expect(run.ctx).toMatchObject({
      os: true,
      io: true,
      debug: true,
      package: true,
      require: true,
      load: true,
      dofile: true,
      loadfile: true,
      cg: true,
      co: true,
      dump: true,
      upper: 'X',
      concat: 'a-b',
      floor: 2,
      char: 'é',
    });
  });
});

describe('escape attempts fail and reach nothing on the host', () => {
  const attempts: Record<string, string> = {
    'require os': `local os = require("os"); os.execute("touch ${marker}")`,
    'package.loaded': `package.loaded.os.execute("touch ${marker}")`,
    'string metatable': `getmetatable("").__index.dump(function() end)`,
    'binary chunk': `load("\\27Lua")`,
    'io.open': `io.open("${marker}", "w"):write("x")`,
    'debug.getregistry': `debug.getregistry()`,
    'globals table': `_G.os.execute("touch ${marker}")`,
  };
  for (const [name, code] of Object.entries(attempts)) {
    test(`${name} at load time`, async () => {
      await expect(engine.loadSource(`${code}\nreturn Flow.new("x")`, 'evil.lua')).rejects.toBeInstanceOf(
        FlowLoadError,
      );
      expect(existsSync(marker)).toBe(false);
    });
    test(`${name} in a handler`, async () => {
      const run = await runSource(
        engine,
        `local flow = Flow.new("x")\nflow:step("evil", function() ${code} end)\nreturn flow`,
      );
      expect(run.tasks.evil?.status).toBe('failed');
      expect(existsSync(marker)).toBe(false);
    });
  }

  test('a hand-written bytecode payload is refused at validation, never loaded (IF-035)', async () => {
    const src = `local flow = Flow.new("forged")
flow:step("f", nodes.code({ bytecode_b64 = "v1.AAAA.G0x1YVQAGZMNChoKBAgIeFYAAAAAAAAAAAAAACh3QAE=" }))
return flow`;
    const loaded = await engine.loadSource(src, 'forged.lua');
    expect(engine.check(loaded).errors.map((e) => e.message)).toEqual([
      "Step 'f' $.bytecode_b64: refusing a handler payload that this process did not produce; pass a Lua function instead",
    ]);
    await expect(runSource(engine, src)).rejects.toThrow('validation error');
  });

  test('library changes in one execution never reach the next', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("iso")
flow:step("tamper", function()
  pcall(function() string.upper = function() return "pwned" end end)
  pcall(rawset, string, "upper", function() return "pwned" end)
  leaked_global = "yes"
  return { tampered = string.upper("a") }
end)
flow:step("check", function() return { clean = string.upper("a"), leaked = leaked_global == nil and "no" or "yes" } end):depends_on("tamper")
return flow`,
    );
    expect(run.ctx).toMatchObject({ clean: 'A', leaked: 'no' });
  });

  test('env() honours IRONFLOW_ENV_ALLOWLIST (IF-052b)', async () => {
    process.env.IF_TEST_A = 'a-value';
    process.env.IF_TEST_B = 'b-value';
    process.env.IRONFLOW_ENV_ALLOWLIST = 'IF_TEST_A';
    try {
      const run = await runSource(
        engine,
        `local flow = Flow.new("env")
flow:step("read", function() return { a = env("IF_TEST_A"), b = env("IF_TEST_B") or "nil" } end)
return flow`,
      );
      expect(run.ctx).toMatchObject({ a: 'a-value', b: 'nil' });
    } finally {
      delete process.env.IRONFLOW_ENV_ALLOWLIST;
    }
  });

  test('a memory bomb fails the step with the budget named, and the engine goes on', async () => {
    const run2 = await runSource(
      engine,
      `local flow = Flow.new("mem2")
flow:step("bomb", function() local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1000000) .. i end end)
flow:step("other", function() return { fine = true } end)
return flow`,
    );
    expect(run2.tasks.bomb?.error).toMatch(/IRONFLOW_LUA_MAX_MEMORY_BYTES/);
    expect(run2.ctx.fine).toBe(true);
  });
});

describe('conversion rules (IF-003, IF-058)', () => {
  const cases: Record<string, [string, RegExp | unknown]> = {
    'a cycle fails the step': ['local t = {} t.self = t return { t = t }', /cyclic Lua table at \$\.t/],
    'mixed tables fail': ['return { v = { 1, x = 2 } }', /mixed Lua table/],
    'json_array({}) is []': ['return { v = json_array({}) }', { v: [] }],
    'json_null is null': ['return { v = json_null }', { v: null }],
    'functions fail': ['return { f = function() end }', /is a function/],
    '65 levels fail naming the setting': [
      'local t = {} local c = t for i = 1, 65 do c.n = {} c = c.n end return { t = t }',
      /IRONFLOW_MAX_CONVERSION_DEPTH/,
    ],
    'arrays become result': ['return { 1, 2, 3 }', { result: [1, 2, 3] }],
    'a scalar becomes result': ['return 42', { result: 42 }],
  };
  for (const [name, [body, want]] of Object.entries(cases)) {
    test(name, async () => {
      const run = await runSource(
        engine,
        `local flow = Flow.new("c")\nflow:step("s", function() ${body} end)\nreturn flow`,
      );
      const task = run.tasks.s!;
      if (want instanceof RegExp) {
        expect(task.status).toBe('failed');
        expect(task.error).toMatch(want);
      } else expect(task.output).toEqual(want);
    });
  }

  test('JSON null arrives as json_null and arrays keep their marker', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("n")
flow:step("s", function(ctx) return { isnull = ctx.v == json_null, empty = ctx.e, n = #ctx.list } end)
return flow`,
      { v: null, e: [], list: [1, null, 3] },
    );
    expect(run.ctx).toMatchObject({ isnull: true, empty: [], n: 3 });
  });
});
