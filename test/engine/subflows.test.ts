// The engine side of child runs (src/engine/subflows.ts): nesting limit and loops, cancellation and step
// timeouts reaching grandchildren, the per-parent-run load cache, and shutdown waiting for children.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../src/config/settings.js';
import type { RunInfo } from '../../src/engine/types.js';
import { describeLineage, formatChain } from '../../src/nodes/composition/shared.js';
import { GREET, type Harness, harness } from '../nodes/composition/fixtures.js';

let h: Harness;
beforeAll(() => {
  h = harness({ concurrency: 4 });
  h.write('greet.lua', GREET);
});
afterAll(() => h.cleanup());
afterEach(() => overrideSetting('IRONFLOW_MAX_SUBWORKFLOW_DEPTH', undefined));

/** Follow the single child of each run down the tree. */
async function chainOf(run: RunInfo): Promise<RunInfo[]> {
  const out: RunInfo[] = [];
  let cur = run;
  for (;;) {
    const kids = await h.children(cur.id);
    if (kids.length === 0) return out;
    expect(kids).toHaveLength(1);
    cur = kids[0]!;
    out.push(cur);
  }
}

describe('nesting depth (DECISIONS 21)', () => {
  test('a self-recursive flow is stopped by the default limit of 32, with depth and the chain of files', async () => {
    h.write(
      'rec.lua',
      `local flow = Flow.new("rec")
flow:step("again", nodes.subworkflow({ flow = "rec.lua", input = { n = "n" } }))
return flow
`,
    );
    const run = await h.run('rec.lua', { n: 1 });
    expect(run.status).toBe('failed');
    const descendants = await chainOf(run);
    expect(descendants).toHaveLength(32);
    expect(descendants.every((r) => r.status === 'failed' && r.flow_name === 'rec')).toBe(true);
    const deepest = descendants.at(-1)!;
    expect(deepest.tasks.again?.error).toBe(
      "subworkflow: nesting depth 33 exceeds the limit of 32 (IRONFLOW_MAX_SUBWORKFLOW_DEPTH); chain of flow files: rec.lua x34 (flow 'rec.lua' calls itself in a loop)",
    );
    expect(deepest.tasks.again?.attempt).toBe(1);
    // The root's error carries the whole story down to the refusal.
    expect(run.tasks.again?.error).toContain("Subworkflow 'rec' finished with status: failed");
    expect(run.tasks.again?.error).toContain('nesting depth 33 exceeds the limit of 32');
  });

  test('a loop through two files is reported as a loop; the limit is a setting', async () => {
    overrideSetting('IRONFLOW_MAX_SUBWORKFLOW_DEPTH', 4);
    h.write(
      'loop/a.lua',
      'local flow = Flow.new("a")\nflow:step("to_b", nodes.subworkflow({ flow = "b.lua" }))\nreturn flow\n',
    );
    h.write(
      'loop/b.lua',
      'local flow = Flow.new("b")\nflow:step("to_a", nodes.subworkflow({ flow = "a.lua" }))\nreturn flow\n',
    );
    h.write(
      'loop_root.lua',
      'local flow = Flow.new("loop_root")\nflow:step("go", nodes.subworkflow({ flow = "loop/a.lua" }))\nreturn flow\n',
    );
    const run = await h.run('loop_root.lua');
    expect(run.status).toBe('failed');
    const descendants = await chainOf(run);
    expect(descendants.map((r) => r.flow_name)).toEqual(['a', 'b', 'a', 'b']);
    expect(descendants.at(-1)!.tasks.to_a?.error).toBe(
      "subworkflow: nesting depth 5 exceeds the limit of 4 (IRONFLOW_MAX_SUBWORKFLOW_DEPTH); chain of flow files: loop_root.lua -> (loop/a.lua -> loop/b.lua) x2 -> loop/a.lua (flow 'loop/a.lua' calls itself in a loop)",
    );
  });

  test('a deep chain of distinct files within the limit runs; one level more fails', async () => {
    overrideSetting('IRONFLOW_MAX_SUBWORKFLOW_DEPTH', 3);
    h.write(
      'chain/c3.lua',
      'local flow = Flow.new("c3")\nflow:step("end", nodes.log({ message = "leaf" }))\nreturn flow\n',
    );
    h.write(
      'chain/c2.lua',
      'local flow = Flow.new("c2")\nflow:step("down", nodes.subworkflow({ flow = "c3.lua" }))\nreturn flow\n',
    );
    h.write(
      'chain/c1.lua',
      'local flow = Flow.new("c1")\nflow:step("down", nodes.subworkflow({ flow = "c2.lua" }))\nreturn flow\n',
    );
    h.write(
      'chain/c0.lua',
      'local flow = Flow.new("c0")\nflow:step("down", nodes.subworkflow({ flow = "c1.lua" }))\nreturn flow\n',
    );
    h.write(
      'chain_ok.lua',
      'local flow = Flow.new("chain_ok")\nflow:step("down", nodes.subworkflow({ flow = "chain/c1.lua" }))\nreturn flow\n',
    );
    expect((await h.run('chain_ok.lua')).status).toBe('success');
    h.write(
      'chain_bad.lua',
      'local flow = Flow.new("chain_bad")\nflow:step("down", nodes.subworkflow({ flow = "chain/c0.lua" }))\nreturn flow\n',
    );
    const bad = await h.run('chain_bad.lua');
    expect(bad.status).toBe('failed');
    const deepest = (await chainOf(bad)).at(-1)!;
    expect(deepest.flow_name).toBe('c2');
    expect(deepest.tasks.down?.error).toBe(
      'subworkflow: nesting depth 4 exceeds the limit of 3 (IRONFLOW_MAX_SUBWORKFLOW_DEPTH); chain of flow files: chain_bad.lua -> chain/c0.lua -> chain/c1.lua -> chain/c2.lua -> chain/c3.lua',
    );
  });

  test('chain formatting folds repeats and names the looping file', () => {
    expect(formatChain(['a', 'b', 'b', 'b'])).toBe('a -> b x3');
    expect(formatChain(['r', 'a', 'b', 'a', 'b', 'a', 'b', 'a'])).toBe('r -> (a -> b) x3 -> a');
    expect(formatChain(['a', 'b', 'c'])).toBe('a -> b -> c');
    expect(describeLineage(['/x/main.lua', '/x/sub/a.lua', '/y/b.lua', '/x/sub/a.lua'])).toBe(
      "main.lua -> sub/a.lua -> /y/b.lua -> sub/a.lua (flow 'sub/a.lua' calls itself in a loop)",
    );
    expect(describeLineage(['<inline>', '/x/a.lua', '/x/b.lua'])).toBe('<inline> -> /x/a.lua -> /x/b.lua');
  });
});

describe('cancellation and timeouts', () => {
  test('a parent step timeout cancels the child and the grandchild runs', async () => {
    h.write(
      'tmo/grand.lua',
      `local flow = Flow.new("grand")
flow:step("sleep", nodes.delay({ seconds = 30 }))
flow:step("never", nodes.log({ message = "not reached" })):depends_on("sleep")
return flow
`,
    );
    h.write(
      'tmo/child.lua',
      'local flow = Flow.new("child")\nflow:step("call_grand", nodes.subworkflow({ flow = "grand.lua" }))\nreturn flow\n',
    );
    h.write(
      'tmo_root.lua',
      `local flow = Flow.new("tmo_root")
flow:step("call_child", nodes.subworkflow({ flow = "tmo/child.lua" })):timeout(0.5)
return flow
`,
    );
    const t0 = Date.now();
    const run = await h.run('tmo_root.lua');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(run.status).toBe('failed');
    expect(run.tasks.call_child?.error).toBe("Task 'call_child' timed out after 0.5s total");
    await h.subflows.drain();
    const [child, grand] = await chainOf(run);
    expect(child).toMatchObject({ flow_name: 'child', status: 'cancelled' });
    expect(child?.tasks.call_grand?.status).toBe('cancelled');
    expect(grand).toMatchObject({ flow_name: 'grand', status: 'cancelled', parent_run_id: child?.id });
    expect(grand?.tasks.sleep?.status).toBe('cancelled');
    expect(grand?.tasks.sleep?.error).toContain("Task 'call_child' timed out");
    expect(grand?.tasks.never?.status).toBe('cancelled');
  });

  test('cancelling the parent run cancels its running children', async () => {
    h.write(
      'cancel/slow.lua',
      'local flow = Flow.new("slow")\nflow:step("sleep", nodes.delay({ seconds = 30 }))\nreturn flow\n',
    );
    h.write(
      'cancel_root.lua',
      `local flow = Flow.new("cancel_root")
flow:step("fan", nodes.parallel_subworkflows({ flow = "cancel/slow.lua", source_key = "xs", max_concurrent = 2 }))
return flow
`,
    );
    const ac = new AbortController();
    const loaded = await h.engine.loadFile(join(h.dir, 'cancel_root.lua'));
    const pending = h.engine.run(loaded, { _flow_dir: h.dir, xs: [1, 2, 3, 4] }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const run = await pending;
    expect(run.status).toBe('cancelled');
    await h.subflows.drain();
    const kids = await h.children(run.id);
    // Two were running (max_concurrent = 2); the other two never started.
    expect(kids.map((k) => k.status)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('load cache', () => {
  test('a child file is parsed once per parent run, again for the next run and after an edit', async () => {
    h.write(
      'cache/item.lua',
      'local flow = Flow.new("item")\nflow:step("x", nodes.log({ message = "${ctx.item}" }))\nreturn flow\n',
    );
    h.write(
      'cache_root.lua',
      `local flow = Flow.new("cache_root")
flow:step("fan", nodes.parallel_subworkflows({ flow = "cache/item.lua", source_key = "xs", max_concurrent = 4 }))
flow:step("one", nodes.subworkflow({ flow = "cache/item.lua", input = { item = "x" } })):depends_on("fan")
return flow
`,
    );
    const before = h.subflows.loads;
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const r1 = await h.run('cache_root.lua', { xs, x: 'single' });
    expect(r1.status).toBe('success');
    expect(h.subflows.loads - before).toBe(1);
    const r2 = await h.run('cache_root.lua', { xs, x: 'single' });
    expect(r2.status).toBe('success');
    expect(h.subflows.loads - before).toBe(2);
    // An edit (new size and mtime) is picked up.
    h.write(
      'cache/item.lua',
      'local flow = Flow.new("item2")\nflow:step("x", nodes.log({ message = "edited ${ctx.item}" }))\nreturn flow\n',
    );
    const loaded = await h.engine.loadFile(join(h.dir, 'cache_root.lua'));
    const r3 = await h.engine.run(loaded, { _flow_dir: h.dir, xs: [1], x: 'y' });
    expect(r3.ctx.subworkflow_name).toBe('item2');
  });
  test('within one parent run, an edited child file is picked up once its version is checked again', async () => {
    const child = h.write(
      'edit/child.lua',
      'local flow = Flow.new("v1")\nflow:step("x", nodes.log({ message = "one" }))\nreturn flow\n',
    );
    h.write(
      'edit_root.lua',
      `local flow = Flow.new("edit_root")
flow:step("first", nodes.subworkflow({ flow = "edit/child.lua", output_key = "a" }))
flow:step("edit", nodes.write_file({ path = "${child}", content = "local flow = Flow.new(\\"version_two\\")\\nflow:step(\\"x\\", nodes.log({ message = \\"two\\" }))\\nreturn flow\\n" })):depends_on("first")
flow:step("pause", nodes.delay({ seconds = 1.1 })):depends_on("edit")
flow:step("second", nodes.subworkflow({ flow = "edit/child.lua", output_key = "b" })):depends_on("pause")
return flow
`,
    );
    const run = await h.run('edit_root.lua');
    expect(run.status).toBe('success');
    expect(run.tasks.first?.output?.subworkflow_name).toBe('v1');
    expect(run.tasks.second?.output?.subworkflow_name).toBe('version_two');
  });
});
