// Subworkflow benchmark: a fan-out of 10,000 trivial child runs through parallel_subworkflows on the memory
// store (each child a recorded run with one template_render step), against the same 10,000 runs started
// directly through Engine.execute with the same concurrency (the floor: what a run costs by itself).
// Reports the per-child wall time, what the composition adds on top of a plain run, and memory.
//
// Run: npx tsc -p tsconfig.build.json && node bench/subflows.bench.mjs [children] [max_concurrent]
// Output: one JSON object per line: {"name", "value", "unit", "target", "note"}.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { Engine } = await import('../dist/engine/engine.js');
const { EngineSubflows } = await import('../dist/engine/subflows.js');
const { MemoryStore } = await import('../dist/store/memory.js');

const CHILDREN = Number(process.argv[2] ?? 10_000);
const MAX_CONCURRENT = Number(process.argv[3] ?? 8);

function emit(name, value, unit, target, note) {
  process.stdout.write(`${JSON.stringify({ name, value: Number(value.toFixed(3)), unit, target, note })}\n`);
}

function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.memoryUsage().rss / 1024 / 1024;
}

function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {}
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-subflows-'));
writeFileSync(
  join(dir, 'item.lua'),
  `local flow = Flow.new("item")
flow:step("render", nodes.template_render({ template = "item \${ctx.item} at \${ctx.index}", output_key = "text" }))
return flow
`,
);
writeFileSync(
  join(dir, 'fanout.lua'),
  `local flow = Flow.new("fanout")
flow:step("fan", nodes.parallel_subworkflows({ flow = "item.lua", source_key = "xs", max_concurrent = ${MAX_CONCURRENT} }))
return flow
`,
);

function newEngine() {
  const store = new MemoryStore();
  const engine = new Engine({ store, logger: silent, print: () => {} });
  const subflows = new EngineSubflows(engine);
  engine.setSubflows(subflows);
  return { store, engine, subflows };
}

async function fanout(n) {
  const { store, engine, subflows } = newEngine();
  const loaded = await engine.loadFile(join(dir, 'fanout.lua'));
  const xs = Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  const run = await engine.run(loaded, { _flow_dir: dir, xs });
  const ms = performance.now() - t0;
  if (run.status !== 'success' || run.ctx.parallel_results_count !== n) {
    throw new Error(`fan-out failed: ${run.status} ${run.tasks.fan?.error ?? ''}`);
  }
  await engine.close();
  return { ms, store, loads: subflows.loads, run };
}

/** The floor: n runs of the child flow started directly, MAX_CONCURRENT at a time, recorded the same way. */
async function direct(n) {
  const { store, engine } = newEngine();
  const loaded = await engine.loadFile(join(dir, 'item.lua'));
  const parent = { runId: '00000000-0000-4000-8000-000000000000', step: 'fan' };
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: MAX_CONCURRENT }, async () => {
      while (next < n) {
        const i = next++;
        await engine.execute(loaded.flow, { item: i, index: i + 1, _flow_dir: dir }, { parent });
      }
    }),
  );
  const ms = performance.now() - t0;
  await engine.close();
  return { ms, store };
}

try {
  await fanout(Math.min(1000, CHILDREN)); // warm-up (JIT, loader)
  await direct(Math.min(1000, CHILDREN));

  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  resetPeak();
  const f = await fanout(CHILDREN);
  const peak = peakRssMb();
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const perChild = f.ms / CHILDREN;
  emit(
    'subflows_fanout_per_child',
    perChild,
    'ms',
    '<= 1',
    `${CHILDREN} children through parallel_subworkflows, max_concurrent=${MAX_CONCURRENT}, memory store; total ${(f.ms / 1000).toFixed(2)} s; child file parsed ${f.loads} time(s)`,
  );
  emit('subflows_fanout_children_per_s', (CHILDREN * 1000) / f.ms, 'runs/s', '>= 1000', 'same run');
  emit(
    'subflows_fanout_peak_rss',
    peak,
    'MB',
    'report',
    `peak resident memory during the ${CHILDREN}-child fan-out (process high-water mark)`,
  );
  emit(
    'subflows_fanout_heap_retained',
    (heapAfter - heap0) / 1024 / 1024,
    'MB',
    'report',
    `heap still used after the fan-out${global.gc ? ' (after gc)' : ' (run with --expose-gc for a gc before measuring)'}: the parent record with ${CHILDREN} result entries and ${CHILDREN} child run records in the memory store`,
  );

  const d = await direct(CHILDREN);
  const base = d.ms / CHILDREN;
  emit(
    'subflows_direct_run_per_child',
    base,
    'ms',
    'report',
    `the floor: ${CHILDREN} runs of the same child flow via Engine.execute, ${MAX_CONCURRENT} at a time, recorded as child runs`,
  );
  emit(
    'subflows_composition_overhead_per_child',
    perChild - base,
    'ms',
    'report',
    'what parallel_subworkflows adds per child on top of a plain run (cache lookup, context mapping, result entry; noise when near 0)',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
