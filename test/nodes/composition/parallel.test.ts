import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EngineSubflows } from '../../../src/engine/subflows.js';
import type { RunInfo } from '../../../src/engine/types.js';
import type { SubflowRunner } from '../../../src/nodes/types.js';
import { checkNode } from '../../helpers/nodes.js';
import { FAILING, GREET, type Harness, harness } from './fixtures.js';

let h: Harness;
beforeAll(() => {
  h = harness({ concurrency: 4 });
  h.write('children/greet.lua', GREET);
  h.write('children/failing.lua', FAILING);
  h.write(
    'children/sleepy.lua',
    `local flow = Flow.new("sleepy")
flow:step("sleep", nodes.delay({ seconds = 0.05 }))
flow:step("out", function(ctx) return { got = ctx.item, pos = ctx.index, _hidden = "h" } end):depends_on("sleep")
return flow
`,
  );
  h.write(
    'children/item.lua',
    `local flow = Flow.new("item")
flow:step("out", nodes.template_render({ template = "item \${ctx.item} #\${ctx.index}", output_key = "text" }))
return flow
`,
  );
});
afterAll(() => h.cleanup());

/** A one-step parent flow around a parallel_subworkflows config written in Lua. */
function parent(name: string, cfg: string): string {
  h.write(
    `${name}.lua`,
    `local flow = Flow.new("${name}")\nflow:step("fan", nodes.parallel_subworkflows(${cfg}))\nreturn flow\n`,
  );
  return `${name}.lua`;
}

/** Largest number of child runs whose [started, finished] intervals overlap (ends before starts on ties). */
function maxOverlap(runs: RunInfo[]): number {
  const ev: Array<[number, number]> = [];
  for (const r of runs) {
    ev.push([Date.parse(r.started!), 1], [Date.parse(r.finished!), -1]);
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of ev) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

describe('static checks (NODES 20.1 texts)', () => {
  const check = (cfg: Record<string, unknown>) => checkNode('parallel_subworkflows', cfg);
  test('modes and entries', () => {
    expect(check({})).toEqual([
      "parallel_subworkflows requires either 'flows' array or dynamic 'flow' + 'source_key'",
    ]);
    expect(check({ flows: 'x' })).toEqual(["parallel_subworkflows requires 'flows' array parameter"]);
    expect(check({ flows: [] })).toEqual(["parallel_subworkflows: 'flows' array must not be empty"]);
    expect(check({ flows: {} })).toEqual(["parallel_subworkflows: 'flows' array must not be empty"]);
    expect(check({ flows: [{ flow: 'a.lua' }, { input: {} }] })).toEqual([
      "parallel_subworkflows: each flow entry requires a 'flow' field (index 1)",
    ]);
    expect(check({ flow: 'a.lua' })).toEqual([
      "parallel_subworkflows dynamic mode requires 'source_key' when 'flows' is not provided",
    ]);
    expect(check({ source_key: 'xs' })).toEqual([
      "parallel_subworkflows dynamic mode requires 'flow' when 'flows' is not provided",
    ]);
    expect(check({ flow: 'a.lua', source_key: 'xs' })).toEqual([]);
  });
  test('on_error and max_concurrent', () => {
    const dyn = { flow: 'a.lua', source_key: 'xs' };
    expect(check({ ...dyn, on_error: 'retry' })).toEqual([
      "parallel_subworkflows: invalid on_error 'retry'; expected 'fail_fast' or 'ignore'",
    ]);
    expect(check({ ...dyn, max_concurrent: 0 })).toEqual([
      "parallel_subworkflows: 'max_concurrent' must be greater than 0",
    ]);
    expect(check({ ...dyn, max_concurrent: '0' })).toEqual([
      "parallel_subworkflows: 'max_concurrent' must be greater than 0",
    ]);
    expect(check({ ...dyn, max_concurrent: 2.5 })[0]).toMatch(/'max_concurrent' must be a whole number/);
    expect(check({ ...dyn, max_concurrent: '${ctx.n}' })).toEqual([]);
    expect(check({ ...dyn, max_concurrent: '4', on_error: 'ignore' })).toEqual([]);
  });
});

describe('static mode', () => {
  test('results keep input order whatever the durations; literal-string input rule; output_key nests', async () => {
    h.write(
      'children/wait.lua',
      `local flow = Flow.new("wait")
flow:step("sleep", function(ctx) local t = now_unix_ms() while now_unix_ms() - t < ctx.ms do end return { slept = ctx.ms } end)
return flow
`,
    );
    const name = parent(
      'static_order',
      `{ flows = {
  { flow = "children/wait.lua", input = { ms = 150 } },
  { flow = "children/wait.lua", input = { ms = 1 }, output_key = "quick" },
  { flow = "children/greet.lua", input = { name = "who" } },
  { flow = "children/greet.lua", input = { name = "no_such_key" } },
}, max_concurrent = 4 }`,
    );
    const run = await h.run(name, { who: 'Ada' });
    expect(run.status).toBe('success');
    expect(run.ctx.parallel_results).toEqual([
      { success: true, flow: 'wait', ms: 150, slept: 150 },
      { success: true, flow: 'wait', quick: { ms: 1, slept: 1 } },
      { success: true, flow: 'greet', name: 'Ada', greeting: 'Hello, Ada!' },
      { success: true, flow: 'greet', name: 'no_such_key', greeting: 'Hello, no_such_key!' },
    ]);
    expect(run.ctx).toMatchObject({
      parallel_results_count: 4,
      parallel_results_errors: 0,
      parallel_results_all_succeeded: true,
    });
  });

  test('an entry without input gets a copy of the whole parent context', async () => {
    const name = parent('static_whole', `{ flows = { { flow = "children/greet.lua" } }, output_key = "r" }`);
    const run = await h.run(name, { name: 'Whole' });
    expect(run.ctx.r).toEqual([{ success: true, flow: 'greet', name: 'Whole', greeting: 'Hello, Whole!' }]);
  });

  test('path errors fail the step before any child runs, whatever on_error says', async () => {
    const name = parent(
      'static_paths',
      `{ flows = { { flow = "children/greet.lua" }, { flow = "children/missing.lua" } }, on_error = "ignore" }`,
    );
    const run = await h.run(name, { name: 'x' });
    expect(run.status).toBe('failed');
    expect(run.tasks.fan?.error).toMatch(
      /^parallel_subworkflows: cannot find '.*children\/missing.lua': No such file/,
    );
    expect(await h.children(run.id)).toEqual([]);
    const loaded = await h.engine.loadFile(`${h.dir}/${name}`);
    const noDir = await h.engine.run(loaded, {});
    expect(noDir.tasks.fan?.error).toBe(
      "parallel_subworkflows: cannot resolve relative path 'children/greet.lua' — _flow_dir not set",
    );
  });

  test('load errors become per-child entries with the configured path and the 0-based index', async () => {
    h.write('children/syntax.lua', 'local flow = Flow.new(\n');
    const name = parent(
      'static_load',
      `{ flows = { { flow = "children/greet.lua", input = { name = "n" } }, { flow = "children/syntax.lua" } }, on_error = "ignore" }`,
    );
    const run = await h.run(name, { n: 'N' });
    expect(run.status).toBe('success');
    const [ok, bad] = run.ctx.parallel_results as Array<Record<string, unknown>>;
    expect(ok).toMatchObject({ success: true, flow: 'greet', greeting: 'Hello, N!' });
    expect(bad).toMatchObject({ success: false, flow: 'children/syntax.lua' });
    expect(bad?.error).toMatch(/^Subworkflow at index 1 failed: Failed to evaluate flow file '.*syntax.lua'/);
    expect(run.ctx.parallel_results_errors).toBe(1);
    expect(run.ctx.parallel_results_all_succeeded).toBe(false);
  });
});

describe('dynamic mode', () => {
  test('one child per element; item and index are injected literally (NODES 24 defect 14 fixed)', async () => {
    const name = parent(
      'dyn_literal',
      `{ flow = "children/item.lua", source_key = "xs", input = { tag = "label", lit = "not_a_key" }, child_output_key = "c", output_key = "out" }`,
    );
    // "label" is both a parent key and an element: the element stays the string "label".
    const run = await h.run(name, { xs: ['label', 7, { k: 1 }], label: 'PARENT VALUE' });
    expect(run.status).toBe('success');
    const out = run.ctx.out as Array<Record<string, unknown>>;
    expect(out.map((e) => (e.c as Record<string, unknown>).item)).toEqual(['label', 7, { k: 1 }]);
    expect(out[0]).toEqual({
      success: true,
      flow: 'item',
      c: { item: 'label', index: 1, tag: 'PARENT VALUE', lit: 'not_a_key', text: 'item label #1' },
    });
    expect((out[2]!.c as Record<string, unknown>).text).toBe('item {"k":1} #3');
  });

  test('custom item/index keys; an empty source gives [] 0 0 true; a missing source fails', async () => {
    h.write(
      'children/keys.lua',
      'local flow = Flow.new("keys")\nflow:step("k", function(ctx) return { v = ctx.el, i = ctx.pos } end)\nreturn flow\n',
    );
    const name = parent(
      'dyn_keys',
      `{ flow = "children/keys.lua", source_key = "xs", item_key = "el", index_key = "pos" }`,
    );
    const run = await h.run(name, { xs: ['a', 'b'] });
    expect(run.ctx.parallel_results).toEqual([
      { success: true, flow: 'keys', el: 'a', pos: 1, v: 'a', i: 1 },
      { success: true, flow: 'keys', el: 'b', pos: 2, v: 'b', i: 2 },
    ]);
    const empty = await h.run(name, { xs: [] });
    expect(empty.status).toBe('success');
    expect(empty.ctx).toMatchObject({
      parallel_results: [],
      parallel_results_count: 0,
      parallel_results_errors: 0,
      parallel_results_all_succeeded: true,
    });
    const missing = await h.run(name, { xs: 'nope' });
    expect(missing.tasks.fan?.error).toBe("parallel_subworkflows: source_key 'xs' not found or not an array");
  });

  test('private _ keys are filtered from every entry, with and without child_output_key', async () => {
    const a = await h.run(parent('dyn_priv', `{ flow = "children/sleepy.lua", source_key = "xs" }`), {
      xs: [1, 2],
    });
    const b = await h.run(
      parent('dyn_priv_ns', `{ flow = "children/sleepy.lua", source_key = "xs", child_output_key = "c" }`),
      {
        xs: [1, 2],
      },
    );
    for (const run of [a, b]) {
      expect(run.status).toBe('success');
      const text = JSON.stringify(run.ctx.parallel_results);
      expect(text).not.toContain('_hidden');
      expect(text).not.toContain('_flow_dir');
    }
    expect(a.ctx.parallel_results).toEqual([
      { success: true, flow: 'sleepy', item: 1, index: 1, delay_seconds: 0.05, got: 1, pos: 1 },
      { success: true, flow: 'sleepy', item: 2, index: 2, delay_seconds: 0.05, got: 2, pos: 2 },
    ]);
  });

  test('max_concurrent = 1 runs children one after another (timestamps in the child records)', async () => {
    const run = await h.run(
      parent(
        'dyn_serial',
        `{ flow = "children/sleepy.lua", source_key = "xs", max_concurrent = "\${ctx.mc}" }`,
      ),
      {
        xs: [1, 2, 3, 4],
        mc: '1',
      },
    );
    expect(run.status).toBe('success');
    const kids = await h.children(run.id);
    expect(kids).toHaveLength(4);
    expect(maxOverlap(kids)).toBe(1);
    for (let i = 1; i < kids.length; i++) {
      expect(Date.parse(kids[i]!.started!)).toBeGreaterThanOrEqual(Date.parse(kids[i - 1]!.finished!));
    }
    const bad = await h.run('dyn_serial.lua', { xs: [1], mc: '0' });
    expect(bad.tasks.fan?.error).toBe("parallel_subworkflows: 'max_concurrent' must be greater than 0");
  });
});

describe('failures', () => {
  test('one failing child among many: its 0-based index is reported, the others are kept', async () => {
    h.write(
      'children/maybe.lua',
      `local flow = Flow.new("maybe")
flow:step("work", function(ctx)
  if ctx.item == 13 then error("unlucky " .. ctx.item) end
  return { doubled = ctx.item * 2 }
end)
return flow
`,
    );
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const ignore = await h.run(
      parent(
        'fail_ignore',
        `{ flow = "children/maybe.lua", source_key = "xs", on_error = "ignore", max_concurrent = 4 }`,
      ),
      { xs },
    );
    expect(ignore.status).toBe('success');
    const res = ignore.ctx.parallel_results as Array<Record<string, unknown>>;
    expect(res).toHaveLength(20);
    expect(res.filter((r) => r.success).map((r) => r.doubled)).toEqual(
      xs.filter((x) => x !== 13).map((x) => x * 2),
    );
    expect(res[13]).toMatchObject({ success: false, flow: 'maybe', item: 13, index: 14 });
    expect(res[13]!.error).toMatch(
      /^Subworkflow 'maybe' \(index 13\) finished with status: failed: step 'work' failed: .*unlucky 13/,
    );
    expect(ignore.ctx).toMatchObject({ parallel_results_errors: 1, parallel_results_all_succeeded: false });

    const fast = await h.run(
      parent('fail_fast', `{ flow = "children/maybe.lua", source_key = "xs", max_concurrent = 4 }`),
      { xs },
    );
    expect(fast.status).toBe('failed');
    expect(fast.tasks.fan?.error).toMatch(
      /^parallel_subworkflows: 1 flow\(s\) failed:\nSubworkflow 'maybe' \(index 13\) finished with status: failed: step 'work' failed: .*unlucky 13$/,
    );
    // fail_fast does not cancel siblings: all 20 children ran to the end.
    const kids = await h.children(fast.id);
    expect(kids).toHaveLength(20);
    expect(kids.filter((k) => k.status === 'success')).toHaveLength(19);
  });

  test('static list with a failing child: fail_fast lists it; on_error of the parent sees it', async () => {
    h.write(
      'static_fail.lua',
      `local flow = Flow.new("static_fail")
flow:step("fan", nodes.parallel_subworkflows({ flows = {
  { flow = "children/greet.lua", input = { name = "a" } },
  { flow = "children/failing.lua" },
} })):on_error("handle")
flow:step("handle", function(ctx) return { why = ctx._error_message } end)
return flow
`,
    );
    const run = await h.run('static_fail.lua');
    expect(run.status).toBe('success');
    expect(run.ctx.why).toContain(
      "parallel_subworkflows: 1 flow(s) failed:\nSubworkflow 'failing' (index 1) finished with status: failed: step 'read' failed",
    );
  });
});

describe('fan-out at scale', () => {
  test('1,000 items with max_concurrent = 8: never more than 8 children at once, all recorded', async () => {
    const local = harness({ concurrency: 4 });
    try {
      local.write(
        'children/item.lua',
        'local flow = Flow.new("item")\nflow:step("out", nodes.template_render({ template = "#${ctx.index}", output_key = "text" }))\nreturn flow\n',
      );
      local.write(
        'fan.lua',
        'local flow = Flow.new("fan")\nflow:step("fan", nodes.parallel_subworkflows({ flow = "children/item.lua", source_key = "xs", max_concurrent = 8 }))\nreturn flow\n',
      );
      // Count children in flight at the runner itself, on top of the record timestamps.
      const inner = local.subflows;
      let now = 0;
      let peak = 0;
      const counting: SubflowRunner = {
        async run(req) {
          now++;
          peak = Math.max(peak, now);
          try {
            return await inner.run(req);
          } finally {
            now--;
          }
        },
      };
      local.engine.setSubflows(counting);
      const loadsBefore = inner.loads;
      const xs = Array.from({ length: 1000 }, (_, i) => i);
      const run = await local.run('fan.lua', { xs });
      expect(run.status).toBe('success');
      expect(peak).toBe(8);
      expect(inner.loads - loadsBefore).toBe(1);
      const res = run.ctx.parallel_results as Array<Record<string, unknown>>;
      expect(res).toHaveLength(1000);
      expect(res.every((r, i) => r.success === true && r.text === `#${i + 1}` && r.item === i)).toBe(true);
      const kids = await local.children(run.id);
      expect(kids).toHaveLength(1000);
      expect(kids.every((k) => k.status === 'success' && k.parent_step === 'fan')).toBe(true);
      const overlap = maxOverlap(kids);
      expect(overlap).toBeLessThanOrEqual(8);
      expect(overlap).toBeGreaterThan(1);
      local.engine.setSubflows(inner);
    } finally {
      await local.cleanup();
    }
  });

  test('EngineSubflows is the default runner of an Engine', async () => {
    const { testEngine } = await import('../../helpers/engine.js');
    const { engine } = testEngine();
    const services = (engine as unknown as { services: { subflows?: unknown } }).services;
    expect(services.subflows).toBeInstanceOf(EngineSubflows);
    await engine.close();
  });
});
