#!/usr/bin/env node
// Run-store benchmarks, per backend. Build first (`npx tsc -p tsconfig.build.json`), then
// `node bench/store.bench.mjs`. Prints one JSON object per line: {"name","value","unit","target","note"}.
//
//   chain_10k_overhead    store time per step of a 10,000-step chain run: initRun, running, 10,000 pending
//                         tasks, then per step a running and a success upsert with one event-loop turn between
//                         (the node "runs"), then the context and the terminal status; µs per step, net of the
//                         same loop without a store
//   chain_10k_flatness    time of the last 1,000 steps / time of the first 1,000 (1.0 = flat, no growth)
//   concurrent_runs       1,000 runs (init, running, 3 tasks x 2 upserts, ctx, success) by 32 writers; runs/s
//   list_first_page       first page (50) of a 100,000-run store, opened cold as the CLI would; ms
//   list_first_page_filtered   the same with a status filter matching 10% of the runs; ms
//
// Environment: BENCH_BACKENDS (default json,sqlite,postgres,redis,memory), BENCH_STEPS (10000),
// BENCH_RUNS (1000), BENCH_LIST (100000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../dist/store/open.js';
import { startPostgres, startRedis } from './lib/servers.mjs';

const BACKENDS = (process.env.BENCH_BACKENDS ?? 'json,sqlite,postgres,redis,memory')
  .split(',')
  .filter(Boolean);
const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const LIST = Number(process.env.BENCH_LIST ?? 100_000);
const WRITERS = 32;

function emit(name, value, unit, target, note) {
  const v = Math.round(value * 100) / 100;
  console.log(JSON.stringify({ name, value: v, unit, target, note }));
}

const tick = () => new Promise((r) => setImmediate(r));

async function pool(n, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function chain(store, kind) {
  const id = `chain-${kind}`;
  // baseline: the same loop without store calls
  let t = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const started = new Date().toISOString();
    await tick();
    void { started, finished: new Date().toISOString() };
  }
  const baseline = performance.now() - t;

  t = performance.now();
  await store.initRun(id, 'chain', { steps: STEPS });
  await store.setRunStatus(id, 'running');
  for (let i = 0; i < STEPS; i++) {
    await store.upsertTask(id, { name: `step-${i}`, status: 'pending', attempt: 0, node_type: 'code' });
  }
  const blocks = [];
  let blockStart = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const name = `step-${i}`;
    const started = new Date().toISOString();
    await store.upsertTask(id, { name, status: 'running', attempt: 1, node_type: 'code', started });
    await tick();
    await store.upsertTask(id, {
      name,
      status: 'success',
      attempt: 1,
      node_type: 'code',
      output: { i, message: `step ${i} done` },
      started,
      finished: new Date().toISOString(),
    });
    if ((i + 1) % Math.max(1, Math.floor(STEPS / 10)) === 0) {
      blocks.push(performance.now() - blockStart);
      blockStart = performance.now();
    }
  }
  await store.updateCtx(id, { done: true });
  await store.setRunStatus(id, 'success');
  await store.flush();
  const total = performance.now() - t;
  const run = await store.getRun(id);
  if (Object.keys(run.tasks).length !== STEPS || run.status !== 'success')
    throw new Error(`${kind}: chain run incomplete`);
  emit(
    `store.${kind}.chain_10k_overhead`,
    ((total - baseline) * 1000) / STEPS,
    'us/step',
    'flat (no growth with run size)',
    `${STEPS} steps, 2 upserts per step + ${STEPS} pending upserts; total ${Math.round(total)} ms, loop baseline ${Math.round(baseline)} ms`,
  );
  emit(
    `store.${kind}.chain_10k_flatness`,
    blocks.at(-1) / blocks[0],
    'ratio',
    '<= 1.5',
    `last ${STEPS / 10} steps vs first ${STEPS / 10} (${Math.round(blocks[0])} ms -> ${Math.round(blocks.at(-1))} ms)`,
  );
  await store.deleteRun(id);
}

async function concurrent(store, kind) {
  const t = performance.now();
  await pool(RUNS, WRITERS, async (i) => {
    const id = `conc-${kind}-${i}`;
    await store.initRun(id, 'concurrent', { i });
    await store.setRunStatus(id, 'running');
    for (let j = 0; j < 3; j++) {
      await store.upsertTask(id, { name: `s${j}`, status: 'running', attempt: 1, node_type: 'log' });
      await store.upsertTask(id, {
        name: `s${j}`,
        status: 'success',
        attempt: 1,
        node_type: 'log',
        output: { j },
      });
    }
    await store.updateCtx(id, { done: true });
    await store.setRunStatus(id, 'success');
  });
  await store.flush();
  const secs = (performance.now() - t) / 1000;
  const page = await store.listRuns({ flowName: 'concurrent', limit: 1000 });
  if (page.runs.length !== Math.min(RUNS, 1000)) throw new Error(`${kind}: lost runs (${page.runs.length})`);
  emit(
    `store.${kind}.concurrent_runs`,
    RUNS / secs,
    'runs/s',
    'higher is better',
    `${RUNS} runs by ${WRITERS} writers`,
  );
}

async function listing(spec, options, kind, reopen) {
  let store = await openStore(spec, options);
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const t = performance.now();
  await pool(LIST, 64, async (i) => {
    const started = new Date(base + i * 1000).toISOString();
    await store.importRun({
      id: `list-${String(i).padStart(6, '0')}`,
      flow_name: `flow-${i % 20}`,
      status: i % 10 === 3 ? 'failed' : 'success',
      started,
      finished: started,
      ctx: { i },
      tasks: {},
    });
  });
  await store.flush();
  const setup = (performance.now() - t) / 1000;
  if (reopen) {
    await store.close();
    store = await openStore(spec, options);
  }
  let t0 = performance.now();
  const first = await store.listRuns({ limit: 50 });
  const cold = performance.now() - t0;
  if (first.runs[0]?.id !== `list-${String(LIST - 1).padStart(6, '0')}`)
    throw new Error(`${kind}: wrong first page`);
  t0 = performance.now();
  const failed = await store.listRuns({ status: 'failed', limit: 50 });
  const filtered = performance.now() - t0;
  if (failed.runs.length !== 50 || failed.runs.some((r) => r.status !== 'failed')) {
    throw new Error(`${kind}: wrong filtered page`);
  }
  const warm = [];
  for (let i = 0; i < 10; i++) {
    t0 = performance.now();
    await store.listRuns({ limit: 50 });
    warm.push(performance.now() - t0);
  }
  warm.sort((a, b) => a - b);
  emit(
    `store.${kind}.list_first_page`,
    cold,
    'ms',
    '<= 50',
    `${LIST} runs, first listing after opening the store; warm median ${warm[5].toFixed(1)} ms; setup ${setup.toFixed(1)} s`,
  );
  emit(
    `store.${kind}.list_first_page_filtered`,
    filtered,
    'ms',
    '<= 50',
    `status filter matching 10% of ${LIST} runs`,
  );
  await store.close();
}

const servers = [];
const tmp = mkdtempSync(join(tmpdir(), 'ironflow-store-bench-'));
try {
  for (const kind of BACKENDS) {
    let spec;
    let options = {};
    if (kind === 'json') spec = `json:${join(tmp, 'json-runs')}`;
    else if (kind === 'memory') spec = 'memory:';
    else if (kind === 'sqlite') spec = `sqlite:${join(tmp, 'runs.sqlite')}`;
    else if (kind === 'postgres') {
      const pg = await startPostgres();
      servers.push(pg);
      spec = pg.url;
    } else if (kind === 'redis') {
      const r = await startRedis();
      servers.push(r);
      spec = r.url;
    } else throw new Error(`unknown backend ${kind}`);
    const store = await openStore(spec, options);
    await chain(store, kind);
    await concurrent(store, kind);
    await store.close();
    // the listing corpus goes into a separate namespace
    if (kind === 'json') spec = `json:${join(tmp, 'json-list')}`;
    if (kind === 'sqlite') spec = `sqlite:${join(tmp, 'list.sqlite')}`;
    if (kind === 'postgres' || kind === 'sqlite') options = { tablePrefix: 'list_' };
    if (kind === 'redis') options = { redisPrefix: 'list:' };
    await listing(spec, options, kind, kind !== 'memory');
  }
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
