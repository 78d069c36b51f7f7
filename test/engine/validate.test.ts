import { afterAll, describe, expect, test } from 'vitest';
import { FlowLoadError } from '../../src/util/errors.js';
import { testEngine } from '../helpers/engine.js';

const { engine, store } = testEngine();
afterAll(() => engine.close());

async function problems(src: string): Promise<string[]> {
  const loaded = await engine.loadSource(src, 'v.lua');
  return engine.check(loaded).errors.map((e) => e.message);
}

describe('validation reports every problem at once', () => {
  test('unknown node, unknown dependency, duplicate name, bad config, bad placeholder', async () => {
    const errs = await problems(`local flow = Flow.new("bad")
flow:step("a", { _node_type = "fancy" })
flow:step("b", nodes.log({})):depends_on("ghost")
flow:step("b", nodes.log({}))
flow:step("c", nodes.template_render({ template = "\${ctx.a or 'x'}" }))
flow:step("d", nodes.delay({ seconds = "soon" }))
return flow`);
    expect(errs).toEqual([
      "Duplicate step name 'b' in flow 'bad'. Each step must have a unique name.",
      "Step 'a' uses unknown node type 'fancy'",
      "Step 'c' $.template: invalid placeholder '${ctx.a or 'x'}': only .key, [index] and [\"key\"] selectors are allowed inside ${ctx…} (no spaces, operators, calls or fallbacks)",
      "Step 'c' $.output_key: template_render requires 'output_key'",
      "Step 'd' $.seconds: parameter 'seconds' must be a number (got string)",
      "Step 'b' depends on 'ghost', which does not exist",
    ]);
  });

  test('cycles name the steps on them', async () => {
    const errs = await problems(`local flow = Flow.new("cyc")
flow:step("a", nodes.log({})):depends_on("c")
flow:step("b", nodes.log({})):depends_on("a")
flow:step("c", nodes.log({})):depends_on("b")
flow:step("d", nodes.log({})):depends_on("c")
flow:step("e", nodes.log({}))
return flow`);
    expect(errs).toEqual(['Cycle detected in flow DAG involving steps: a, b, c, d']);
  });

  test('numeric step options (IF-002, IF-046)', async () => {
    const errs = await problems(`local flow = Flow.new("n")
flow:step("a", nodes.log({})):timeout(-1)
flow:step("b", nodes.log({})):timeout(0/0)
flow:step("c", nodes.log({})):retries(101)
flow:step("d", nodes.log({})):retries(1, -1)
flow:step("e", nodes.log({})):retries(1.5)
return flow`);
    expect(errs).toEqual([
      "Step 'a' timeout must be a finite number greater than zero",
      "Step 'b' timeout must be a finite number greater than zero",
      "Step 'c' retry count is too large (max 100)",
      "Step 'd' retry backoff must be a finite, non-negative number of seconds",
      "Step 'e' retry count must be a non-negative integer",
    ]);
  });

  test('routed step without dependencies (IF-052e)', async () => {
    expect(
      await problems(`local flow = Flow.new("r")\nflow:step("a", nodes.log({})):route("x")\nreturn flow`),
    ).toEqual([
      "Step 'a' declares a route but has no dependencies; a routed step must depend on the step that emits the route decision",
    ]);
  });

  test('on_error misuse (IF-007)', async () => {
    const errs = await problems(`local flow = Flow.new("oe")
flow:step("s1", nodes.log({})):on_error("missing")
flow:step("s2", nodes.log({})):on_error("s2")
flow:step("s3", nodes.log({})):on_error("h")
flow:step("s4", nodes.log({})):on_error("h")
flow:step("h", nodes.log({})):on_error("s1")
flow:step("s5", nodes.log({})):on_error("h2")
flow:step("h2", nodes.log({})):depends_on("s5")
return flow`);
    expect(errs).toEqual([
      "Step 's1' on_error target 'missing' does not exist",
      "Step 's2' cannot use itself as an on_error handler",
      "Recovery handler 'h' cannot declare on_error",
      "Recovery handler 'h' is assigned to multiple source steps: 's3' and 's4'",
      "Recovery handler 's1' cannot declare on_error",
      "Recovery handler 'h2' cannot depend on its owning source step 's5'",
    ]);
  });

  test('syntax errors in string code sources fail validation with the line', async () => {
    const errs = await problems(
      `local flow = Flow.new("c")\nflow:step("s", nodes.code({ source = "return 1 +" }))\nreturn flow`,
    );
    expect(errs).toEqual(["Step 's' $.source: step[s].source:1: unexpected symbol near <eof>"]);
  });

  test('a validation failure creates no run', async () => {
    const loaded = await engine.loadSource(
      `local flow = Flow.new("x")\nflow:step("a", nodes.log({})):depends_on("b")\nreturn flow`,
    );
    await expect(engine.run(loaded, {})).rejects.toThrow('1 validation error(s) found');
    expect((await store.listRuns()).runs.filter((r) => r.flow_name === 'x')).toEqual([]);
  });
});

describe('load errors name the file and line', () => {
  const cases: Record<string, [string, string]> = {
    'syntax error': [
      'local flow = Flow.new("x"\nreturn flow',
      "Failed to evaluate flow file 'f.lua': f.lua:2: ')' expected (to close '(' at line 1) near 'return'",
    ],
    'no flow returned': [
      'local flow = Flow.new("x")',
      "Failed to evaluate flow file 'f.lua': the flow file must return the flow created by Flow.new (got nil)",
    ],
    'runtime error': ['error("nope")', "Failed to evaluate flow file 'f.lua': f.lua:1: nope"],
    'unknown node factory': [
      'nodes.fancy({})',
      "Failed to evaluate flow file 'f.lua': f.lua:1: Unknown node type 'fancy'",
    ],
    'depends_on with a table': [
      'local flow = Flow.new("x")\nflow:step("a", nodes.log({})):depends_on({"b"})\nreturn flow',
      `Failed to evaluate flow file 'f.lua': f.lua:2: depends_on() of step 'a' expects step names (strings), got table; write depends_on("a", "b"), not depends_on({"a", "b"})`,
    ],
    'bad handler': [
      'local flow = Flow.new("x")\nflow:step("a", 5)\nreturn flow',
      "Failed to evaluate flow file 'f.lua': f.lua:2: step() expects a node config table or a function",
    ],
    'uncarriable capture': [
      'local u = string.gmatch("a", "a")\nlocal flow = Flow.new("x")\nflow:step("a", function() return u end)\nreturn flow',
      "step 'a' captures 'u', a host function that cannot be carried to the step's sandbox",
    ],
    'runaway at load time': [
      'while true do end',
      "Failed to evaluate flow file 'f.lua': the flow file ran longer than the Lua time budget",
    ],
  };
  for (const [name, [src, msg]] of Object.entries(cases)) {
    test(name, async () => {
      const err = await engine.loadSource(src, 'f.lua').then(
        () => undefined,
        (e) => e,
      );
      expect(err).toBeInstanceOf(FlowLoadError);
      expect((err as Error).message).toContain(msg);
    });
  }
});

test('undefined globals are warnings with line and column', async () => {
  const loaded = await engine.loadSource(
    `local flow = Flow.new("g")
THRESHOLD = 5
flow:step("a", function(ctx) return { x = ctx.n > THRESHOLD, y = mathh.floor(1) } end)
flow:step("b", nodes.code({ source = "return prnt('x')" }))
return flow`,
    'g.lua',
  );
  expect(engine.check(loaded).warnings.map((w) => w.message)).toEqual([
    "Step 'a' reads undefined global 'THRESHOLD' at g.lua:3:51",
    "Step 'a' reads undefined global 'mathh' at g.lua:3:66",
    "Step 'b' reads undefined global 'prnt' at step[b].source:1:8",
  ]);
});
