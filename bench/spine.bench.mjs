// The engine spine's speed targets (issue 2): CLI start-up, long chains and fan-outs on the JSON store,
// parallel branches, CPU-bound Lua against native lua5.4, lazy context reads, and the 1 MB round trip.
// Each measurement that needs a clean process runs in a child process of its own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, median, peakRssMb, round } from './lib/report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', p);
const mode = process.argv[2];

async function engineOn(dir) {
  const { Engine } = await import(dist('engine/engine.js'));
  const { JsonStore } = await import(dist('store/json.js'));
  const { silentLogger } = await import(dist('nodes/types.js'));
  const store = await new JsonStore(dir).open();
  return new Engine({ store, logger: silentLogger, print: () => {} });
}

/** Child mode: run one generated flow on the JSON store and report time per step and peak memory. */
async function child(kind, n) {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const engine = await engineOn(dir);
  const node = `nodes.template_render({ template = "v" .. i, output_key = "k" .. i })`;
  const lua = 'handler';
  const stepExpr = kind.endsWith('lua') ? lua : node;
  const dep = kind.startsWith('chain') ? ':depends_on("s" .. (i - 1))' : '';
  const src = `local flow = Flow.new("${kind}")
local function handler(ctx) return { last = 1 } end
flow:step("s0", nodes.log({ message = "start" }))
for i = 1, ${n} do
  flow:step("s" .. i, ${stepExpr})${dep}
end
return flow`;
  const t0 = performance.now();
  const loaded = await engine.loadSource(src, `${kind}.lua`);
  const t1 = performance.now();
  const run = await engine.run(loaded, {});
  const t2 = performance.now();
  await engine.close();
  await engine.store.close();
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 'success') throw new Error(`run ${run.status}`);
  process.stdout.write(JSON.stringify({ load_ms: t1 - t0, run_ms: t2 - t1, peak_mb: peakRssMb() }));
}

function runChild(kind, n) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), 'child', kind, String(n)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${kind} ${n}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function scaling() {
  for (const kind of ['chain', 'fanout', 'chain-lua', 'fanout-lua']) {
    const a = runChild(kind, 10_000);
    const b = runChild(kind, 20_000);
    const perStepUs = (a.run_ms / 10_000) * 1000;
    const lua = kind.endsWith('lua');
    emit({
      name: `${kind} 10k steps: engine time per step (JSON store)`,
      value: round(perStepUs, 1),
      unit: 'µs/step',
      target: lua ? '<= 100' : '<= 50',
      note: `run ${round(a.run_ms, 0)} ms, load ${round(a.load_ms, 0)} ms`,
    });
    emit({
      name: `${kind}: time(20k) / time(10k)`,
      value: round(b.run_ms / a.run_ms),
      unit: 'ratio',
      target: '<= 2.2',
    });
    if (kind === 'chain')
      emit({
        name: 'chain 10k steps: peak memory',
        value: round(a.peak_mb, 0),
        unit: 'MB',
        target: '<= 200',
      });
  }
}

function startup() {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const hello = join(root, 'examples/01-basics/hello_world.lua');
  const time = (args) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return performance.now() - t;
  };
  const bare = [];
  const cli = [];
  // Interleaved, so both see the same machine load.
  for (let i = 0; i < 12; i++) {
    bare.push(time(['-e', '0']));
    cli.push(time([join(root, 'bin/ironflow.js'), 'run', hello, '-c', '{"user_name":"Bench"}']));
  }
  const b = median(bare);
  const c = median(cli);
  emit({
    name: '`ironflow run` hello world, wall time',
    value: round(c, 0),
    unit: 'ms',
    note: `node -e 0: ${round(b, 0)} ms`,
  });
  emit({
    name: '`ironflow run` hello world / `node -e 0`',
    value: round(c / b),
    unit: 'ratio',
    target: '<= 2.5',
  });
  rmSync(dir, { recursive: true, force: true });
}

async function branches() {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const engine = await engineOn(dir);
  let src = 'local flow = Flow.new("branches")\nflow:step("long", nodes.delay({ seconds = 1 }))\n';
  for (let i = 1; i <= 10; i++)
    src += `flow:step("c${i}", nodes.delay({ seconds = 0.1 }))${i > 1 ? `:depends_on("c${i - 1}")` : ''}\n`;
  src += 'return flow';
  const loaded = await engine.loadSource(src);
  const t = performance.now();
  await engine.run(loaded, {}, { concurrency: 2 });
  emit({
    name: 'two branches: 1 s delay vs ten chained 100 ms delays',
    value: round((performance.now() - t) / 1000, 3),
    unit: 's',
    target: '<= 1.1',
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}

const CPU_LUA = `
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
local x = 12345
for i = 1, 200000 do x = (x * 1103515245 + 12345) % 2147483648; t[i] = x / 2147483648 end
table.sort(t)
return fib(27) + #t`;

async function cpuLua() {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const engine = await engineOn(dir);
  const file = join(dir, 'cpu.lua');
  writeFileSync(file, `print(${`(function() ${CPU_LUA} end)()`})`);
  const nat = [];
  const ours = [];
  const loaded = await engine.loadSource(
    `local flow = Flow.new("cpu")\nflow:step("work", nodes.code({ source = ${JSON.stringify(CPU_LUA)} }))\nreturn flow`,
  );
  await engine.run(loaded, {}); // warm the worker
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const r = spawnSync('lua5.4', [file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lua5.4: ${r.stderr || r.error}`);
    nat.push(performance.now() - t);
    t = performance.now();
    const run = await engine.run(loaded, {});
    const task = run.tasks.work;
    ours.push(Date.parse(task.finished) - Date.parse(task.started));
    if (run.status !== 'success') throw new Error(task.error);
  }
  emit({
    name: 'CPU-bound Lua handler (fib(27) + sort 200k) vs native lua5.4',
    value: round(median(ours) / median(nat)),
    unit: 'ratio',
    target: '<= 1.6',
    note: `ironflow ${round(median(ours), 0)} ms, lua5.4 ${round(median(nat), 0)} ms (process included)`,
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}

function items(n) {
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    name: `It ${i} ${i % 10 === 0 ? 'Ω' : ''}`,
    price: Math.round(i * 13.37) / 100,
    tags: ['red', 'blue'],
    ok: i % 2 === 0,
    own: { id: i, mail: `u${i}@x.io` },
    note: i % 3 === 0 ? null : 'n',
  }));
}

async function contextCosts() {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const engine = await engineOn(dir);
  const stepMs = async (src, ctx) => {
    const loaded = await engine.loadSource(src);
    const times = [];
    for (let i = 0; i < 5; i++) {
      const run = await engine.run(loaded, ctx);
      const t = run.tasks.s;
      if (run.status !== 'success') throw new Error(t.error);
      times.push(Date.parse(t.finished) - Date.parse(t.started));
    }
    return median(times);
  };
  const big = items(85_000);
  const bigMb = JSON.stringify(big).length / 1e6;
  const scalar = await stepMs(
    'local flow = Flow.new("lazy")\nflow:step("s", function(ctx) return { v = ctx.flag } end)\nreturn flow',
    { flag: 7, items: big },
  );
  emit({
    name: `read one scalar beside a ${round(bigMb, 1)} MB array`,
    value: scalar,
    unit: 'ms',
    target: '<= 2',
  });
  const one = items(8_500);
  const oneMb = JSON.stringify(one).length / 1e6;
  const rt = await stepMs(
    'local flow = Flow.new("rt")\nflow:step("s", function(ctx) return { out = ctx.data } end)\nreturn flow',
    { data: one },
  );
  emit({ name: `${round(oneMb, 2)} MB table into Lua and back`, value: rt, unit: 'ms', target: '<= 50' });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}

/** foreach with a trivial Lua transform over 100,000 small objects (issue 3), through a real flow. */
async function foreachItems() {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const engine = await engineOn(dir);
  const n = 100_000;
  const list = Array.from({ length: n }, (_, i) => ({ id: i, name: `item ${i}` }));
  const loaded = await engine.loadSource(`local flow = Flow.new("foreach")
flow:step("s", nodes.foreach({ source_key = "list", output_key = "out",
  transform = function(item, i) return item.id * 2 end }))
return flow`);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const run = await engine.run(loaded, { list });
    const t = run.tasks.s;
    if (run.status !== 'success') throw new Error(t.error);
    times.push(Date.parse(t.finished) - Date.parse(t.started));
  }
  const ms = median(times);
  emit({
    name: 'foreach, trivial Lua transform, 100k items',
    value: Math.round(n / (ms / 1000)),
    unit: 'items/s',
    target: '>= 200000',
    note: `step ${round(ms, 0)} ms (median of 5, items in and results out of Lua included)`,
  });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}

// The 1 MB corpus has about 102,000 values, just over the default IRONFLOW_MAX_CONVERSION_NODES (100,000).
process.env.IRONFLOW_MAX_CONVERSION_NODES ??= '1000000';

if (mode === 'child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  // `node bench/spine.bench.mjs [section]` runs one section; no argument runs them all.
  const sections = { startup, branches, cpuLua, contextCosts, foreachItems, scaling };
  for (const [name, fn] of Object.entries(sections)) if (!mode || mode === name) await fn();
}
