import { afterAll, describe, expect, test } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import type { RunInfo } from '../../src/engine/types.js';
import { runSource, testEngine } from '../helpers/engine.js';

const { engine, store } = testEngine({ concurrency: 4 });
afterAll(() => engine.close());

const statuses = (run: RunInfo) =>
  Object.fromEntries(Object.values(run.tasks).map((t) => [t.name, t.status]));

describe('routes and skips', () => {
  test('route skips do not cascade; the worked example of CORE 4.4', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("r")
flow:step("check", nodes.if_node({ condition = "ctx.amount > 100", true_route = "yes", false_route = "no" }))
flow:step("a", nodes.log({ message = "big" })):depends_on("check"):route("yes")
flow:step("b", nodes.log({ message = "small" })):depends_on("check"):route("no")
flow:step("c", nodes.log({ message = "after a" })):depends_on("a")
return flow`,
      { amount: 5 },
    );
    expect(statuses(run)).toEqual({ check: 'success', a: 'skipped', b: 'success', c: 'success' });
    expect(run.status).toBe('success');
    expect(run.tasks.a?.finished).toBeTruthy();
  });

  test('a failure skips its dependents transitively and fails the run', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("f")
flow:step("bad", function() error("nope") end)
flow:step("d1", nodes.log({})):depends_on("bad")
flow:step("d2", nodes.log({})):depends_on("d1")
flow:step("other", nodes.log({}))
return flow`,
    );
    expect(statuses(run)).toEqual({ bad: 'failed', d1: 'skipped', d2: 'skipped', other: 'success' });
    expect(run.status).toBe('failed');
    expect(run.tasks.bad?.error).toMatch(/^Function execution failed: test.lua:2: nope$/);
  });

  test('step_if wires dependencies to the guard (IF-008)', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("s")
flow:step("setup", function() return { score = 80 } end)
flow:step_if("ctx.score > 50", "bonus", function(ctx) return { bonus = ctx.score + 10 } end):depends_on("setup")
flow:step_if("ctx.score > 90", "top", function() return { top = true } end):depends_on("setup")
return flow`,
    );
    expect(statuses(run)).toEqual({
      setup: 'success',
      _if_bonus: 'success',
      bonus: 'success',
      _if_top: 'success',
      top: 'skipped',
    });
    expect(run.ctx.bonus).toBe(90);
    expect(run.ctx._route__if_bonus).toBe('true');
    expect(Date.parse(run.tasks._if_bonus!.started!)).toBeGreaterThanOrEqual(
      Date.parse(run.tasks.setup!.finished!),
    );
  });
});

describe('context', () => {
  test('parallel writers of one key: the later-declared step wins, every time (IF-019)', async () => {
    const src = `local flow = Flow.new("race")
flow:step("first", function() local t = now_unix_ms() while now_unix_ms() - t < 30 do end return { k = "first" } end)
flow:step("second", function() return { k = "second" } end)
flow:step("join", function(ctx) return { seen = ctx.k } end):depends_on("first", "second")
return flow`;
    for (let i = 0; i < 5; i++) {
      const run = await runSource(engine, src);
      expect(run.ctx.k).toBe('second');
      expect(run.ctx.seen).toBe('second');
    }
  });

  test('a step sees its ancestors only, not unrelated steps', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("iso")
flow:step("slow", function() local t = now_unix_ms() while now_unix_ms() - t < 20 do end return { x = 1 } end)
flow:step("a", nodes.delay({ seconds = 0.2 }))
flow:step("b", function(ctx) return { saw_x = ctx.x ~= nil } end):depends_on("a")
return flow`,
    );
    expect(run.ctx.saw_x).toBe(false);
    expect(run.ctx.x).toBe(1);
  });

  test('descendant output wins over its ancestor', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("chain")
flow:step("b", function() return { v = "late-declared ancestor" } end):depends_on("a")
flow:step("a", function() return { v = "early-declared descendant?" } end)
return flow`,
    );
    expect(run.ctx.v).toBe('late-declared ancestor');
  });
});

describe('retries and timeouts', () => {
  test('retries with exponential backoff, then the propagated message', async () => {
    const events: RunEvent[] = [];
    const run = await runSource(
      engine,
      `local flow = Flow.new("retry")
flow:step("flaky", nodes.json_parse({ source_key = "missing", output_key = "x" })):retries(2, 0.05):on_error("fix")
flow:step("fix", function(ctx) return { why = ctx._error_message, who = ctx._error_step, kind = ctx._error_node_type } end)
return flow`,
      {},
      events,
    );
    expect(run.tasks.flaky).toMatchObject({
      status: 'failed',
      attempt: 3,
      error: "Key 'missing' not found in context",
    });
    expect(
      events.filter((e) => e.type === 'task_retrying').map((e) => (e as { delay_ms: number }).delay_ms),
    ).toEqual([50, 100]);
    expect(run.ctx.why).toBe("Task 'flaky' failed after 3 attempts: Key 'missing' not found in context");
    expect(run.ctx).toMatchObject({ who: 'flaky', kind: 'json_parse' });
    expect(run.ctx._error_message).toBeUndefined();
    expect(run.status).toBe('success');
  });

  test('timeout is one deadline over all attempts and backoff (IF-006)', async () => {
    const t0 = Date.now();
    const run = await runSource(
      engine,
      `local flow = Flow.new("t")
flow:step("always_fails", nodes.json_parse({ source_key = "nope", output_key = "x" })):retries(3, 1):timeout(1.5)
return flow`,
    );
    const took = Date.now() - t0;
    expect(run.tasks.always_fails).toMatchObject({
      status: 'failed',
      error: "Task 'always_fails' timed out after 1.5s total",
      attempt: 2,
    });
    expect(took).toBeLessThan(6000);
  });

  test('a runaway Lua handler is preempted at its timeout, pcall or not', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("spin")
flow:step("spin", function() while true do pcall(function() while true do end end) end end):timeout(0.5)
flow:step("pattern", nodes.code({ source = "return ('a'):rep(60):find(('a-'):rep(30)..'b')" })):timeout(0.5)
flow:step("after", function() return { ok = true } end)
return flow`,
    );
    expect(run.tasks.spin).toMatchObject({
      status: 'failed',
      error: "Task 'spin' timed out after 0.5s total",
    });
    expect(run.tasks.pattern).toMatchObject({
      status: 'failed',
      error: "Task 'pattern' timed out after 0.5s total",
    });
    expect(run.ctx.ok).toBe(true);
  });
});

describe('on_error (IF-007)', () => {
  test('dependents of the source wait for the handler and run when it recovers', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("h")
flow:step("prep", function() return { prepared = true } end)
flow:step("src", function() error("boom") end):on_error("handler")
flow:step("handler", function(ctx) return { recovered = ctx.prepared } end):depends_on("prep")
flow:step("next", function(ctx) return { saw = ctx.recovered } end):depends_on("src")
return flow`,
    );
    expect(statuses(run)).toEqual({ prep: 'success', src: 'failed', handler: 'success', next: 'success' });
    expect(run.ctx.saw).toBe(true);
    expect(run.status).toBe('success');
  });

  test('a failed handler leaves the run failed with both tasks failed', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("h2")
flow:step("src", function() error("boom") end):on_error("handler")
flow:step("handler", function() error("handler broke") end)
flow:step("next", nodes.log({})):depends_on("src")
return flow`,
    );
    expect(statuses(run)).toEqual({ src: 'failed', handler: 'failed', next: 'skipped' });
    expect(run.status).toBe('failed');
  });

  test('a handler that is not triggered is skipped without failing the run', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("h3")
flow:step("src", nodes.log({})):on_error("handler")
flow:step("handler", nodes.log({}))
flow:step("after_handler", nodes.log({})):depends_on("handler")
return flow`,
    );
    expect(statuses(run)).toEqual({ src: 'success', handler: 'skipped', after_handler: 'skipped' });
    expect(run.status).toBe('success');
  });

  test('shell-style structured failure output reaches the handler as _error_output', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("h4")
flow:step("cmd", nodes.shell_command({ cmd = "sh", args = { "-c", "echo out; exit 3" }, output_key = "c" })):on_error("h")
flow:step("h", function(ctx) return { code = ctx._error_output.c_code, out = ctx._error_output.c_stdout } end)
return flow`,
    );
    expect(run.ctx).toMatchObject({ code: 3, out: 'out\n', c_code: 3 });
  });
});

describe('records', () => {
  test('every task has a terminal status and the store holds the same record', async () => {
    const run = await runSource(
      engine,
      `local flow = Flow.new("rec")
flow:step("a", nodes.log({ message = "x" }))
flow:step("b", function() error("x") end):depends_on("a")
flow:step("c", nodes.log({})):depends_on("b")
return flow`,
    );
    const stored = await store.getRun(run.id);
    expect(stored.status).toBe('failed');
    expect(Object.values(stored.tasks).map((t) => [t.name, t.status, Boolean(t.finished)])).toEqual([
      ['a', 'success', true],
      ['b', 'failed', true],
      ['c', 'skipped', true],
    ]);
    expect(stored.finished).toBeTruthy();
  });

  test('zero steps succeed at once', async () => {
    const run = await runSource(engine, 'return Flow.new("empty")');
    expect(run.status).toBe('success');
  });
});

test('execution-only values (webhook headers) never reach records, errors, events or logs', async () => {
  const { engine: e, store: st, out } = testEngine();
  const secret = 'tenant-token-1234567890';
  const loaded = await e.loadSource(
    `local flow = Flow.new("hidden")
flow:step("copy", function(ctx) log("got " .. ctx._headers["x-tenant-token"]) return { copied = "v=" .. ctx._headers["x-tenant-token"] } end)
flow:step("fail", function(ctx) error("bad token " .. ctx._headers["x-tenant-token"]) end)
flow:step("msg", nodes.log({ message = [[header \${ctx._headers["x-tenant-token"]}]] }))
return flow`,
    'hidden.lua',
  );
  const events: unknown[] = [];
  const run = await e.run(
    loaded,
    { _headers: { 'x-tenant-token': secret } },
    { hiddenKeys: ['_headers'], onEvent: (ev) => events.push(ev) },
  );
  const stored = JSON.stringify(await st.getRun(run.id));
  expect(stored).not.toContain(secret);
  expect(stored).toContain('v=[redacted]');
  expect(stored).toContain('bad token [redacted]');
  expect(JSON.stringify(run)).not.toContain(secret);
  expect(JSON.stringify(events)).not.toContain(secret);
  expect(out.logs.join('\n')).not.toContain(secret);
  expect(out.logs.join('\n')).toContain('got [redacted]');
  await e.close();
});
