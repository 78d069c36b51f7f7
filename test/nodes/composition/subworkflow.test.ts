import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkNode } from '../../helpers/nodes.js';
import { FAILING, GREET, type Harness, harness } from './fixtures.js';

let h: Harness;
beforeAll(() => {
  h = harness({ concurrency: 4 });
  h.write('children/greet.lua', GREET);
  h.write('children/failing.lua', FAILING);
  h.write(
    'children/private.lua',
    `local flow = Flow.new("private")
flow:step("make", function(ctx) return { _secret = "s3cr3t", visible = 1, saw_parent = ctx.parent_only } end)
return flow
`,
  );
});
afterAll(() => h.cleanup());

describe('static checks', () => {
  test('flow is required, with the NODES text', () => {
    expect(checkNode('subworkflow', {})).toEqual(["subworkflow requires 'flow' parameter"]);
    expect(checkNode('subworkflow', { flow: 'x.lua', input: 'nope' })[0]).toMatch(
      /'input' must be an object/,
    );
    expect(checkNode('subworkflow', { flow: 'x.lua', wait: false })).toEqual([]);
  });
});

describe('context mapping and outputs', () => {
  test('input maps parent keys, literals and drops missing keys; child gets its own _flow_dir', async () => {
    h.write(
      'children/echo.lua',
      `local flow = Flow.new("echo")
flow:step("echo", function(ctx)
  local keys = {}
  for k in pairs(ctx) do keys[#keys + 1] = k end
  table.sort(keys)
  return { keys = keys, dir = ctx._flow_dir, who = ctx.who, n = ctx.n, flag = ctx.flag }
end)
return flow
`,
    );
    h.write(
      'map.lua',
      `local flow = Flow.new("map")
flow:step("call", nodes.subworkflow({
  flow = "children/echo.lua",
  input = { who = "user_name", n = 42, flag = true, gone = "no_such_key" },
  output_key = "child",
}))
return flow
`,
    );
    const run = await h.run('map.lua', { user_name: 'Ada', other: 'not copied' });
    expect(run.status).toBe('success');
    expect(run.ctx.child).toEqual({
      keys: ['_flow_dir', 'flag', 'n', 'who'],
      dir: `${h.dir}/children`,
      who: 'Ada',
      n: 42,
      flag: true,
    });
    expect(run.ctx.child_success).toBe(true);
    expect(run.ctx.subworkflow_name).toBe('echo');
    expect(typeof run.ctx.subworkflow_run_id).toBe('string');
  });

  test('without input the child sees the whole parent context; its public keys merge into the parent', async () => {
    h.write(
      'whole.lua',
      `local flow = Flow.new("whole")
flow:step("call", nodes.subworkflow({ flow = "children/greet.lua" }))
flow:step("after", function(ctx) return { seen = ctx.greeting } end):depends_on("call")
return flow
`,
    );
    const run = await h.run('whole.lua', { name: 'Grace' });
    expect(run.status).toBe('success');
    expect(run.ctx.greeting).toBe('Hello, Grace!');
    expect(run.ctx.seen).toBe('Hello, Grace!');
    expect(run.ctx.subworkflow_name).toBe('greet');
    expect(run.ctx._flow_dir).toBe(h.dir);
  });

  test('private _ keys of the child never reach the parent, with or without output_key', async () => {
    h.write(
      'priv.lua',
      `local flow = Flow.new("priv")
flow:step("direct", nodes.subworkflow({ flow = "children/private.lua" }))
flow:step("nested", nodes.subworkflow({ flow = "children/private.lua", output_key = "p" }))
return flow
`,
    );
    const run = await h.run('priv.lua', { parent_only: 'yes' });
    expect(run.status).toBe('success');
    expect(run.ctx._secret).toBeUndefined();
    expect(run.ctx.visible).toBe(1);
    expect(run.ctx.saw_parent).toBe('yes');
    expect(run.ctx.p).toEqual({ visible: 1, saw_parent: 'yes', parent_only: 'yes' });
    expect(JSON.stringify(run.ctx)).not.toContain('s3cr3t');
    expect(JSON.stringify(run.tasks)).not.toContain('s3cr3t');
    // The child's own record keeps its private key.
    const kids = await h.children(run.id);
    expect(kids).toHaveLength(2);
    expect(kids.every((k) => k.ctx._secret === 's3cr3t')).toBe(true);
  });
});

describe('failures', () => {
  test('a failed child fails the step naming the child step and its error; on_error sees it', async () => {
    h.write(
      'fail.lua',
      `local flow = Flow.new("fail")
flow:step("call", nodes.subworkflow({ flow = "children/failing.lua" })):on_error("handle")
flow:step("handle", function(ctx) return { why = ctx._error_message, who = ctx._error_step } end)
return flow
`,
    );
    const run = await h.run('fail.lua');
    expect(run.status).toBe('success');
    expect(run.tasks.call?.status).toBe('failed');
    const err = run.tasks.call?.error ?? '';
    expect(err).toMatch(
      /^Subworkflow 'failing' finished with status: failed \(run [0-9a-f-]{36}\): step 'read' failed: /,
    );
    expect(err).toContain('missing.txt');
    expect(run.ctx.why).toContain("Subworkflow 'failing' finished with status: failed");
    expect(run.ctx.why).toContain("step 'read' failed");
    expect(run.ctx.who).toBe('call');
  });

  test('with output_key a failed child does not fail the step', async () => {
    h.write(
      'fail_ok.lua',
      `local flow = Flow.new("fail_ok")
flow:step("call", nodes.subworkflow({ flow = "children/failing.lua", output_key = "res" }))
return flow
`,
    );
    const run = await h.run('fail_ok.lua');
    expect(run.status).toBe('success');
    expect(run.ctx.res_success).toBe(false);
    expect(run.ctx.res_error).toMatch(/^step 'read' failed: /);
  });

  test('path errors: relative without _flow_dir, escaping _flow_dir, missing file, a directory', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'children/greet.lua',
        /subworkflow: cannot resolve relative path 'children\/greet.lua' — _flow_dir not set/,
      ],
      ['../outside.lua', /subworkflow: relative path '..\/outside.lua' escapes _flow_dir/],
      ['children/../../x.lua', /escapes _flow_dir/],
      ['children/nope.lua', /subworkflow: cannot find '.*children\/nope.lua': No such file or directory/],
      ['children', /subworkflow: '.*children' is not a regular file/],
    ];
    for (const [flow, re] of cases) {
      h.write(
        'paths.lua',
        `local flow = Flow.new("paths")\nflow:step("call", nodes.subworkflow({ flow = "${flow}" }))\nreturn flow\n`,
      );
      const loaded = await h.engine.loadFile(`${h.dir}/paths.lua`);
      const ctx = flow === 'children/greet.lua' ? {} : { _flow_dir: h.dir };
      const run = await h.engine.run(loaded, ctx);
      expect(run.tasks.call?.status, flow).toBe('failed');
      expect(run.tasks.call?.error, flow).toMatch(re);
      expect(run.tasks.call?.attempt).toBe(1);
    }
    // `sub/../x` that stays inside is fine, and absolute paths are used as given.
    h.write(
      'paths.lua',
      `local flow = Flow.new("paths")\nflow:step("call", nodes.subworkflow({ flow = "children/../children/greet.lua", input = { name = "n" } }))\nflow:step("abs", nodes.subworkflow({ flow = "${h.dir}/children/greet.lua", input = { name = "n" }, output_key = "a" }))\nreturn flow\n`,
    );
    const run = await h.run('paths.lua', { n: 'Lin' });
    expect(run.status).toBe('success');
    expect(run.ctx.greeting).toBe('Hello, Lin!');
    expect(run.ctx.a).toEqual({ greeting: 'Hello, Lin!', name: 'Lin' });
  });

  test('a child with validation errors or a Lua error fails the step, even with output_key', async () => {
    h.write(
      'children/invalid.lua',
      `local flow = Flow.new("invalid")
flow:step("a", nodes.log({ message = "x" })):depends_on("nope")
flow:step("b", nodes.template_render({ template = "x" }))
return flow
`,
    );
    h.write('children/syntax.lua', 'local flow = Flow.new("broken"\nreturn flow\n');
    h.write(
      'bad_children.lua',
      `local flow = Flow.new("bad_children")
flow:step("invalid", nodes.subworkflow({ flow = "children/invalid.lua", output_key = "x" }))
flow:step("syntax", nodes.subworkflow({ flow = "children/syntax.lua", output_key = "y" }))
return flow
`,
    );
    const run = await h.run('bad_children.lua');
    expect(run.status).toBe('failed');
    const inv = run.tasks.invalid?.error ?? '';
    expect(inv).toContain(`child flow '${h.dir}/children/invalid.lua' has 2 validation error(s)`);
    expect(inv).toContain("depends on 'nope'");
    expect(inv).toContain("template_render requires 'output_key'");
    expect(run.tasks.syntax?.error).toContain(`Failed to evaluate flow file '${h.dir}/children/syntax.lua'`);
    expect(await h.children(run.id)).toEqual([]);
  });
});

describe('child run records', () => {
  test('children are recorded under the parent step, listed by parent, deleted with the parent', async () => {
    h.write(
      'linked.lua',
      `local flow = Flow.new("linked")
flow:step("one", nodes.subworkflow({ flow = "children/greet.lua", input = { name = "a" } }))
flow:step("two", nodes.subworkflow({ flow = "children/greet.lua", input = { name = "b" }, output_key = "g" }))
return flow
`,
    );
    const run = await h.run('linked.lua', { a: 'A', b: 'B' });
    expect(run.status).toBe('success');
    const kids = await h.children(run.id);
    expect(kids.map((k) => k.parent_step).sort()).toEqual(['one', 'two']);
    for (const k of kids) {
      expect(k).toMatchObject({ parent_run_id: run.id, flow_name: 'greet', status: 'success' });
      expect(k.tasks.greet?.status).toBe('success');
    }
    expect(kids.map((k) => k.ctx.greeting).sort()).toEqual(['Hello, A!', 'Hello, B!']);
    const byStep = Object.fromEntries(kids.map((k) => [k.parent_step, k.id]));
    expect(run.ctx.subworkflow_run_id).toBe(byStep.two);
    expect(await h.store.deleteRun(run.id)).toBe(true);
    for (const k of kids) await expect(h.store.getRun(k.id)).rejects.toThrow(/not found/i);
  });

  test('nested subworkflows three deep, each level linked to its parent', async () => {
    h.write(
      'deep/level3.lua',
      `local flow = Flow.new("level3")
flow:step("leaf", function(ctx) return { trail = ctx.trail .. ">3" } end)
return flow
`,
    );
    h.write(
      'deep/level2.lua',
      `local flow = Flow.new("level2")
flow:step("mark", function(ctx) return { trail = ctx.trail .. ">2" } end)
flow:step("down", nodes.subworkflow({ flow = "level3.lua", input = { trail = "trail" } })):depends_on("mark")
return flow
`,
    );
    h.write(
      'deep/level1.lua',
      `local flow = Flow.new("level1")
flow:step("mark", function(ctx) return { trail = ctx.trail .. ">1" } end)
flow:step("down", nodes.subworkflow({ flow = "sub/../level2.lua", input = { trail = "trail" } })):depends_on("mark")
return flow
`,
    );
    h.write(
      'root3.lua',
      `local flow = Flow.new("root3")
flow:step("down", nodes.subworkflow({ flow = "deep/level1.lua", input = { trail = "start" }, output_key = "r" }))
return flow
`,
    );
    const run = await h.run('root3.lua', { start: 'root' });
    expect(run.status).toBe('success');
    expect(run.ctx.r).toMatchObject({ trail: 'root>1>2>3' });
    const [c1] = await h.children(run.id);
    const [c2] = await h.children(c1!.id);
    const [c3] = await h.children(c2!.id);
    expect([c1?.flow_name, c2?.flow_name, c3?.flow_name]).toEqual(['level1', 'level2', 'level3']);
    expect(c3).toMatchObject({ parent_run_id: c2?.id, parent_step: 'down', status: 'success' });
    expect(c3?.ctx.trail).toBe('root>1>2>3');
    expect(await h.children(c3!.id)).toEqual([]);
  });
});

describe('fire-and-forget', () => {
  test('wait = false returns at once; the child is recorded and Engine.close() waits for it', async () => {
    const local = harness();
    try {
      local.write(
        'children/slow.lua',
        `local flow = Flow.new("slow")
flow:step("wait", nodes.delay({ seconds = 0.4 }))
flow:step("done", nodes.template_render({ template = "finished \${ctx.tag}", output_key = "note" })):depends_on("wait")
return flow
`,
      );
      local.write('children/failing.lua', FAILING);
      local.write(
        'ff.lua',
        `local flow = Flow.new("ff")
flow:step("bg", nodes.subworkflow({ flow = "children/slow.lua", wait = false, input = { tag = "tag" } }))
flow:step("bg_fail", nodes.subworkflow({ flow = "children/failing.lua", wait = false }))
return flow
`,
      );
      const run = await local.run('ff.lua', { tag: 'T1' });
      expect(run.status).toBe('success');
      expect(run.ctx).toMatchObject({ subworkflow_async: true });
      const bgTask = run.tasks.bg?.output as Record<string, unknown>;
      expect(bgTask).toMatchObject({ subworkflow_name: 'slow', subworkflow_async: true });
      const childId = bgTask.subworkflow_run_id as string;
      const early = await local.store.getRun(childId);
      expect(early).toMatchObject({ parent_run_id: run.id, parent_step: 'bg', flow_name: 'slow' });
      expect(['pending', 'running']).toContain(early.status);
      await local.engine.close();
      expect(
        local.out.logs.some((l) =>
          /waiting for 2 child run\(s\) still running \(2 fire-and-forget\)/.test(l),
        ),
      ).toBe(true);
      const late = await local.store.getRun(childId);
      expect(late.status).toBe('success');
      expect(late.ctx.note).toBe('finished T1');
      const failLog = local.out.logs.find((l) => l.startsWith('error fire-and-forget subworkflow'));
      expect(failLog).toMatch(
        /'failing' \(run [0-9a-f-]{36}\) finished with status failed: step 'read' failed/,
      );
      expect(local.subflows.running).toBe(0);
    } finally {
      await local.cleanup();
    }
  });
  test('wait = false still loads and validates the child first: a broken child fails the step', async () => {
    h.write(
      'children/invalid_bg.lua',
      'local flow = Flow.new("invalid_bg")\nflow:step("a", nodes.log({})):depends_on("ghost")\nreturn flow\n',
    );
    h.write(
      'ff_bad.lua',
      'local flow = Flow.new("ff_bad")\nflow:step("bg", nodes.subworkflow({ flow = "children/invalid_bg.lua", wait = false }))\nreturn flow\n',
    );
    const run = await h.run('ff_bad.lua');
    expect(run.status).toBe('failed');
    expect(run.tasks.bg?.error).toContain(
      `child flow '${h.dir}/children/invalid_bg.lua' has 1 validation error(s)`,
    );
    expect(await h.children(run.id)).toEqual([]);
  });
  test('a fire-and-forget child is detached: cancelling the parent run later does not cancel it', async () => {
    h.write(
      'children/slow_bg.lua',
      'local flow = Flow.new("slow_bg")\nflow:step("wait", nodes.delay({ seconds = 0.5 }))\nreturn flow\n',
    );
    h.write(
      'ff_detached.lua',
      `local flow = Flow.new("ff_detached")
flow:step("bg", nodes.subworkflow({ flow = "children/slow_bg.lua", wait = false }))
flow:step("hold", nodes.delay({ seconds = 30 }))
return flow
`,
    );
    const ac = new AbortController();
    const loaded = await h.engine.loadFile(`${h.dir}/ff_detached.lua`);
    const pending = h.engine.run(loaded, { _flow_dir: h.dir }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    const run = await pending;
    expect(run.status).toBe('cancelled');
    expect(run.tasks.bg?.status).toBe('success');
    await h.subflows.drain();
    const [child] = await h.children(run.id);
    expect(child).toMatchObject({ flow_name: 'slow_bg', status: 'success', parent_step: 'bg' });
  });
});
