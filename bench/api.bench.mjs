// REST API throughput and responsiveness. The server runs in a child process (dist/api, JSON store in a
// temp directory, request logging on into /dev/null); this process is the load generator.
//
//   1. 32 keep-alive clients POST /flows/run with an inline 3-step flow (template_render -> log ->
//      template_render) for 10 s: runs/s, p50/p99 latency, errors; then every accepted run must be in the
//      store with status success (read back after a graceful shutdown).
//   2. The same load against a bare node:http server answering a fixed JSON: the ceiling, and our ratio.
//   3. GET /health latency while a `while true do end` code step spins in another run, and while a flow
//      whose top level spins is being loaded (IF-038).
//
// Run: npx tsc -p tsconfig.build.json && node bench/api.bench.mjs
// Env: API_BENCH_SECONDS (default 10), API_BENCH_CLIENTS (32), API_BENCH_PROFILE=1 (node --cpu-prof of the
// server into bench/out/).
// Output: one JSON object per line: {"name", "value", "unit", "target", "note"}.
import { rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { load, percentile, send, startChild } from './lib/api-load.mjs';

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.API_BENCH_CLIENTS ?? 32);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function emit(name, value, unit, target, note) {
  const v = typeof value === 'number' && Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
  process.stdout.write(`${JSON.stringify({ name, value: v, unit, target, note })}\n`);
}

const FLOW = `local flow = Flow.new("bench3")
flow:step("greet", nodes.template_render({ template = "Hello \${ctx.name}", output_key = "greeting" }))
flow:step("say", nodes.log({ message = "\${ctx.greeting}", level = "debug" })):depends_on("greet")
flow:step("shout", nodes.template_render({ template = "\${ctx.greeting}!", output_key = "final" })):depends_on("say")
return flow`;
const BODY = JSON.stringify({ source: FLOW, context: { name: 'bench' } });

// ----- 1. the API under load -----------------------------------------------------------------------------
const profileArgs =
  process.env.API_BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${here('./out')}`] : [];
const api = await startChild(here('./lib/api-server.mjs'), { args: profileArgs });
const { addr, storeDir } = api.info;
// warm-up: first load of the flow, JIT
await load({ addr, path: '/flows/run', body: BODY, clients: CLIENTS, ms: 2000 });
const accepted = new Set();
const apiCpu0 = await api.cpu();
const res = await load({
  addr,
  path: '/flows/run',
  body: BODY,
  clients: CLIENTS,
  ms: SECONDS * 1000,
  onReply: (text) => {
    const r = JSON.parse(text);
    if (r.status === 'success') accepted.add(r.run_id);
  },
});
const apiCpuPerRun = ((await api.cpu()) - apiCpu0) / res.count;
const runsPerS = res.count / res.seconds;
emit(
  'api_flow_run_throughput',
  runsPerS,
  'runs/s',
  '>= 2000',
  `${CLIENTS} clients, ${SECONDS}s, ${res.count} runs, inline 3-step flow, JSON store`,
);
emit(
  'api_flow_run_p99',
  percentile(res.latencies, 99),
  'ms',
  '<= 100',
  `p50 ${percentile(res.latencies, 50).toFixed(1)} ms, max ${res.latencies.at(-1)?.toFixed(1)} ms`,
);
emit(
  'api_server_cpu_per_run',
  apiCpuPerRun,
  'us',
  'info',
  'server process CPU time (user+system) per run, less sensitive to other load on the machine',
);
emit(
  'api_flow_run_errors',
  res.errors,
  'requests',
  '0',
  res.firstError ?? 'non-2xx answers or failed requests',
);
await api.stop();

// every accepted run is in the store, with status success
{
  const { JsonStore } = await import('../dist/store/json.js');
  const store = await new JsonStore(storeDir).open();
  const seen = new Map();
  let cursor;
  do {
    const page = await store.listRuns({ limit: 1000, cursor });
    for (const r of page.runs) seen.set(r.id, r.status);
    cursor = page.nextCursor;
  } while (cursor);
  await store.close();
  let bad = 0;
  for (const id of accepted) if (seen.get(id) !== 'success') bad++;
  const notSuccess = [...seen.values()].filter((s) => s !== 'success').length;
  emit(
    'api_runs_missing_from_store',
    bad,
    'runs',
    '0',
    `${accepted.size} accepted, ${seen.size} in the store, ${notSuccess} not success`,
  );
  rmSync(storeDir, { recursive: true, force: true });
}

// ----- 1b. the same with the in-memory store: how much of a run's cost is the JSON store ----------------------
{
  const mem = await startChild(here('./lib/api-server.mjs'), { env: { API_BENCH_STORE: 'memory' } });
  await load({ addr: mem.info.addr, path: '/flows/run', body: BODY, clients: CLIENTS, ms: 2000 });
  const c0 = await mem.cpu();
  const m = await load({
    addr: mem.info.addr,
    path: '/flows/run',
    body: BODY,
    clients: CLIENTS,
    ms: SECONDS * 1000,
  });
  const perRun = ((await mem.cpu()) - c0) / m.count;
  await mem.stop();
  emit(
    'api_flow_run_throughput_memory_store',
    m.count / m.seconds,
    'runs/s',
    'info',
    `same load, in-memory store (diagnosis): p99 ${percentile(m.latencies, 99).toFixed(1)} ms, server CPU ${perRun.toFixed(0)} us/run vs ${apiCpuPerRun.toFixed(0)} with the JSON store`,
  );
}

// ----- 2. the ceiling: a bare node:http server -------------------------------------------------------------
const bare = await startChild(here('./lib/api-bare.mjs'));
await load({ addr: bare.info.addr, path: '/', body: BODY, clients: CLIENTS, ms: 1000 });
const bareCpu0 = await bare.cpu();
const ceiling = await load({
  addr: bare.info.addr,
  path: '/',
  body: BODY,
  clients: CLIENTS,
  ms: SECONDS * 1000,
});
const bareCpuPerReq = ((await bare.cpu()) - bareCpu0) / ceiling.count;
await bare.stop();
const bareRate = ceiling.count / ceiling.seconds;
emit(
  'bare_http_throughput',
  bareRate,
  'req/s',
  'ceiling',
  `node:http answering a fixed JSON, same clients; p99 ${percentile(ceiling.latencies, 99).toFixed(1)} ms`,
);
emit(
  'api_vs_bare_ratio',
  runsPerS / bareRate,
  'ratio',
  'info',
  'API runs/s divided by bare node:http requests/s',
);
emit(
  'bare_server_cpu_per_request',
  bareCpuPerReq,
  'us',
  'info',
  `an API run costs ${(apiCpuPerRun / bareCpuPerReq).toFixed(1)}x a bare request in server CPU`,
);

// ----- 3. /health while Lua runs away ----------------------------------------------------------------------
async function healthWhile(label, startRunaway) {
  const srv = await startChild(here('./lib/api-server.mjs'), { env: { IRONFLOW_LUA_MAX_SECONDS: '4' } });
  const a = srv.info.addr;
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  await send(agent, a, 'GET', '/health');
  const runaway = startRunaway(a, agent);
  await new Promise((r) => setTimeout(r, 200));
  const lat = [];
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    const r = await send(agent, a, 'GET', '/health');
    if (r.status === 200) lat.push(r.ms);
    await new Promise((r) => setTimeout(r, 10));
  }
  const outcome = await runaway;
  agent.destroy();
  await srv.stop();
  lat.sort((x, y) => x - y);
  emit(
    label,
    percentile(lat, 99),
    'ms',
    '<= 50',
    `${lat.length} probes over 3 s; p50 ${percentile(lat, 50).toFixed(2)} ms, max ${lat.at(-1).toFixed(2)} ms; runaway ended: ${outcome}`,
  );
}

const spinStep = JSON.stringify({
  source: 'local f = Flow.new("spin")\nf:step("s", function() while true do end end)\nreturn f',
});
await healthWhile('health_p99_during_runaway_step', async (a, agent) => {
  const r = await send(agent, a, 'POST', '/flows/run', spinStep);
  return `${r.status} ${JSON.parse(r.text).status}`;
});
const spinLoad = JSON.stringify({ source: 'while true do end\nreturn Flow.new("never")' });
await healthWhile('health_p99_during_runaway_flow_load', async (a, agent) => {
  const r = await send(agent, a, 'POST', '/flows/run', spinLoad);
  return `${r.status} ${JSON.parse(r.text).code}`;
});
