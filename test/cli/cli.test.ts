import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXAMPLES, ironflow, tempDir } from '../helpers/cli.js';

const hello = join(EXAMPLES, '01-basics/hello_world.lua');

function flowFile(dir: string, name: string, src: string): string {
  const p = join(dir, name);
  writeFileSync(p, src);
  return p;
}

describe('ironflow run', () => {
  test('runs hello world, prints tasks, context and run id, and records the run', async () => {
    const cwd = tempDir();
    const r = await ironflow(['run', hello, '--context', '{"user_name":"Alice"}'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Flow: hello_world \(2 steps\)\n\nRun ID: [0-9a-f-]{36}\nStatus: success\n\nTasks:\n {2}✓ greet \[template_render\] \(attempt 1\)\n {2}✓ log_greeting \[log\] \(attempt 1\)\n\nContext:\n/,
    );
    expect(r.stdout).toContain('"greeting": "Hello, Alice! Welcome to IronFlow."');
    expect(r.stdout).not.toContain('_flow_dir');
    const id = /Run ID: (\S+)/.exec(r.stdout)![1]!;
    expect(readdirSync(join(cwd, 'data/runs'))).toContain(`${id}.json`);
    expect(r.stderr).toContain('Hello, Alice!');
  });

  test('--json prints the run record on stdout and nothing else there', async () => {
    const r = await ironflow(['run', hello, '--json', '-c', '{"user_name":"Bo"}']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({
      flow_name: 'hello_world',
      status: 'success',
      ctx: { greeting: 'Hello, Bo! Welcome to IronFlow.' },
    });
    expect(Object.keys(run.tasks)).toEqual(['greet', 'log_greeting']);
    expect(run.tasks.greet).toMatchObject({
      name: 'greet',
      status: 'success',
      attempt: 1,
      node_type: 'template_render',
    });
  });

  test('--verbose lists steps before and timing and outputs after', async () => {
    const r = await ironflow(['run', hello, '--verbose', '-c', '{"user_name":"C"}']);
    expect(r.stdout).toContain(
      '\nSteps:\n  greet [template_render] deps: none\n  log_greeting [log] deps: greet\n',
    );
    expect(r.stdout).toMatch(/Duration: \d+ms/);
    expect(r.stdout).toContain('Output: {"greeting":"Hello, C! Welcome to IronFlow."}');
  });

  test('a failed run exits 1 and still prints the tasks', async () => {
    const dir = tempDir();
    const f = flowFile(
      dir,
      'fail.lua',
      'local flow = Flow.new("f")\nflow:step("boom", function() error("kaput") end)\nreturn flow',
    );
    const r = await ironflow(['run', f], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Status: failed');
    expect(r.stdout).toContain('✗ boom [code] (attempt 1)\n    Error: Function execution failed: ');
    expect(r.stdout).toContain('kaput');
    expect(r.stderr).toMatch(/Error: Workflow run [0-9a-f-]{36} finished with status failed/);
  });

  test('a flow failing validation prints the problems, exits 1 and records nothing', async () => {
    const dir = tempDir();
    const f = flowFile(
      dir,
      'bad.lua',
      'local flow = Flow.new("bad")\nflow:step("a", nodes.log({})):depends_on("nope")\nreturn flow',
    );
    const r = await ironflow(['run', f], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Validation: FAILED\n  - Step 'a' depends on 'nope', which does not exist");
    expect(r.stderr).toContain('Error: 1 validation error(s) found');
    expect(existsSync(join(dir, 'data/runs'))).toBe(false);
  });
});

describe('bad input: short message, exit 1, no stack trace', () => {
  const cases: Array<[string, (d: string) => string[], RegExp]> = [
    ['invalid --context', () => ['run', hello, '-c', '{oops'], /^Error: Failed to parse --context JSON: /],
    ['a context that is not an object', () => ['run', hello, '-c', '[1]'], /must be a JSON object/],
    [
      'missing flow file',
      (d) => ['run', join(d, 'nope.lua')],
      /Failed to read flow file '.*nope\.lua': No such file or directory/,
    ],
    [
      'Lua syntax error with line',
      (d) => [
        'run',
        flowFile(d, 's.lua', 'local flow = Flow.new("s")\nflow:step("a" nodes.log({}))\nreturn flow'),
      ],
      /Error: Failed to load flow: .*s\.lua: Failed to evaluate flow file '.*s\.lua': .*s\.lua:2: '\)' expected near 'nodes'/,
    ],
    ['unknown --status', () => ['list', '--status', 'weird'], /^Error: Invalid status filter: weird/],
    [
      'invalid run id',
      () => ['inspect', '../../etc/passwd'],
      /^Error: Invalid run id '\.\.\/\.\.\/etc\/passwd'/,
    ],
    ['missing run', () => ['inspect', 'no-such-run'], /^Error: Run 'no-such-run' not found/],
    [
      'missing explicit dotenv',
      (d) => ['--dotenv', join(d, 'x.env'), 'nodes'],
      /^Error: Failed to load dotenv file '.*x\.env': file not found/,
    ],
    ['missing explicit config', (d) => ['-C', join(d, 'x.yaml'), 'nodes'], /^Error: Config file not found: /],
  ];
  for (const [name, args, want] of cases) {
    test(name, async () => {
      const d = tempDir();
      const r = await ironflow(args(d), { cwd: d });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  test('a handler runtime error names the step and the Lua message', async () => {
    const d = tempDir();
    const f = flowFile(
      d,
      'r.lua',
      'local flow = Flow.new("r")\nflow:step("divide", function(ctx) return { x = ctx.a.b } end)\nreturn flow',
    );
    const r = await ironflow(['run', f], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ divide [code] (attempt 1)\n    Error: Function execution failed: ');
    expect(r.stdout).toMatch(/r\.lua:2: attempt to index a nil value \(field 'a'\)/);
  });

  test('an unwritable store directory fails clearly', async () => {
    const d = tempDir();
    const ro = join(d, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const r = await ironflow(['run', hello, '--store-dir', join(ro, 'runs'), '-c', '{"user_name":"x"}'], {
      cwd: d,
      env: { IRONFLOW_TEST_AS_ROOT: '1' },
    });
    // Root ignores directory permissions; the check is meaningful for a normal user.
    if (process.getuid?.() !== 0) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: .*runs/m);
    }
  });

  test('usage errors exit 2', async () => {
    expect((await ironflow(['run'])).code).toBe(2);
    expect((await ironflow(['frobnicate'])).code).toBe(2);
    expect((await ironflow(['run', hello, '--no-such-flag'])).code).toBe(2);
  });
});

describe('list, inspect, nodes, validate', () => {
  test('list shows runs newest first in a table or JSON; inspect prints one', async () => {
    const cwd = tempDir();
    await ironflow(['run', hello, '-c', '{"user_name":"one"}'], { cwd });
    const failing = flowFile(
      cwd,
      'f.lua',
      'local flow = Flow.new("failing")\nflow:step("x", function() error("e") end)\nreturn flow',
    );
    await ironflow(['run', failing], { cwd });
    const table = await ironflow(['list'], { cwd });
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe(
      `${'RUN ID'.padEnd(38)}${'FLOW'.padEnd(20)}${'STATUS'.padEnd(10)}${'STARTED'.padEnd(24)}`,
    );
    expect(lines[1]).toBe('-'.repeat(92));
    expect(lines[2]).toMatch(/^[0-9a-f-]{36} {2}failing {13}failed {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(table.stdout).toContain('Total: 2 run(s)');
    const json = await ironflow(['list', '--format', 'json', '--status', 'success'], { cwd });
    const runs = JSON.parse(json.stdout);
    expect(runs.map((r: { flow_name: string }) => r.flow_name)).toEqual(['hello_world']);
    const inspect = await ironflow(['inspect', runs[0].id], { cwd });
    expect(JSON.parse(inspect.stdout)).toEqual(runs[0]);
    const empty = await ironflow(['list', '--format', 'json'], { cwd: tempDir() });
    expect(empty.stdout.trim()).toBe('[]');
    expect((await ironflow(['list'], { cwd: tempDir() })).stdout).toBe('No runs found.\n');
  });

  test('nodes lists every node; --json adds parameter schemas', async () => {
    const r = await ironflow(['nodes']);
    expect(r.stdout).toMatch(/^NODE TYPE {16}CATEGORY {9}DESCRIPTION\n-{100}\n/);
    expect(r.stdout).toMatch(
      /\ncode {21}Code {13}Execute inline Lua code with access to the workflow context\n/,
    );
    const j = JSON.parse((await ironflow(['nodes', '--json'])).stdout);
    const tr = j.nodes.find((n: { node_type: string }) => n.node_type === 'template_render');
    expect(tr.parameters.required).toEqual(['template', 'output_key']);
    expect(j.total).toBe(j.nodes.length);
  });

  test('validate reports OK with the execution order', async () => {
    const r = await ironflow(['validate', hello]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Flow: hello_world\nSteps: 2\nValidation: OK\n\nExecution order:\n  greet [template_render] (no dependencies)\n  log_greeting [log] depends on: greet\n',
    );
  });

  test('validate --strict fails on undefined globals', async () => {
    const d = tempDir();
    const f = flowFile(
      d,
      'g.lua',
      'local flow = Flow.new("g")\nflow:step("a", function() return { v = undefinedThing } end)\nreturn flow',
    );
    const plain = await ironflow(['validate', f]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain("Warning: Step 'a' reads undefined global 'undefinedThing'");
    const strict = await ironflow(['validate', '--strict', f]);
    expect(strict.code).toBe(1);
  });
});

describe('configuration', () => {
  test('.env is loaded from the working directory; existing variables win', async () => {
    const d = tempDir();
    writeFileSync(join(d, '.env'), 'GREETING_NAME=from-dotenv\nKEEP=dotenv\n');
    const f = flowFile(
      d,
      'e.lua',
      'local flow = Flow.new("e")\nflow:step("a", function() return { n = env("GREETING_NAME"), k = env("KEEP") } end)\nreturn flow',
    );
    const r = await ironflow(['run', f, '--json'], { cwd: d, env: { KEEP: 'process' } });
    expect(JSON.parse(r.stdout).ctx).toMatchObject({ n: 'from-dotenv', k: 'process' });
  });

  test('a malformed .env is an error that does not echo its contents', async () => {
    const d = tempDir();
    writeFileSync(join(d, '.env'), 'SECRET_TOKEN=abc\nthis line is broken sk-very-secret\n');
    const r = await ironflow(['nodes'], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2 is not KEY=VALUE');
    expect(r.stderr).not.toContain('sk-very-secret');
  });

  test('ironflow.yaml store_dir is used, and --store-dir beats it', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'ironflow.yaml'), 'store_dir: yaml-runs\n');
    await ironflow(['run', hello, '-c', '{"user_name":"y"}'], { cwd: d });
    expect(readdirSync(join(d, 'yaml-runs')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    await ironflow(['run', hello, '-c', '{"user_name":"y"}', '--store-dir', 'flag-runs'], { cwd: d });
    expect(readdirSync(join(d, 'flag-runs')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const env = await ironflow(['list', '--format', 'json'], {
      cwd: d,
      env: { IRONFLOW_STORE_DIR: 'flag-runs' },
    });
    expect(JSON.parse(env.stdout)).toHaveLength(1);
  });

  test('an invalid setting in the environment is an error', async () => {
    const r = await ironflow(['run', hello], { env: { IRONFLOW_MAX_CONCURRENT_TASKS: 'many' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("IRONFLOW_MAX_CONCURRENT_TASKS must be an integer, got 'many'");
  });

  test('IRONFLOW_MAX_CONCURRENT_TASKS=0 still runs (as 1)', async () => {
    const r = await ironflow(['run', join(EXAMPLES, '01-basics/parallel_execution.lua')], {
      env: { IRONFLOW_MAX_CONCURRENT_TASKS: '0' },
    });
    expect(r.code).toBe(0);
  });
});

test('--version', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
  expect((await ironflow(['--version'])).stdout.trim()).toBe(`ironflow ${pkg.version}`);
});
