// HTTP node overhead: 1,000 sequential http_get calls through the node's own code path (registry +
// invokeNode from the built dist/: defaults, interpolation, header and URL checks, manual redirect
// handling, timeout signal, streamed size-limited body read, JSON parse) against a local keep-alive
// server, side by side with a bare `fetch` + `res.json()` loop on the same URL.
//
// Run: npx tsc -p tsconfig.build.json && node bench/http.bench.mjs
// Output: one JSON object per line: {"name", "value", "unit", "target", "note"}.
import { createServer } from 'node:http';

const { registry } = await import('../dist/nodes/registry.js');
await registry.loadAll(); // families load lazily; a bench uses nodes directly
const { invokeNode } = await import('../dist/engine/invoke.js');
const { ResourcePool } = await import('../dist/engine/resources.js');

const CALLS = Number(process.env.HTTP_BENCH_CALLS ?? 1000);
const ROUNDS = 3;
const WARMUP = 200;

function emit(name, value, unit, target, note) {
  process.stdout.write(
    `${JSON.stringify({ name, value: Number(value.toPrecision(4)), unit, target, note })}\n`,
  );
}

const payload = JSON.stringify({ ok: true, items: [1, 2, 3], user: { name: 'Ann', tags: ['a', 'b'] } });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/get`;

const def = registry.get('http_get');
const resources = new ResourcePool();
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const noLua = {
  runCode: () => Promise.reject(new Error('no Lua')),
  runForeach: () => Promise.reject(new Error('no Lua')),
};
const ctx = { base: url };
const nc = {
  step: 'bench',
  nodeType: 'http_get',
  ctx,
  signal: new AbortController().signal,
  log: silent,
  runId: '00000000-0000-4000-8000-000000000000',
  services: { lua: noLua, resources },
  interpolate: (s) => s,
};
// The URL comes through interpolation, as in a flow that builds it from the context.
const config = { url: '${ctx.base}', _step_name: 'bench' };

async function nodeLoop(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = await invokeNode(def, config, nc);
    if (out.http_status !== 200) throw new Error(`unexpected status ${out.http_status}`);
  }
  return (performance.now() - t0) / n;
}

async function fetchLoop(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await fetch(url);
    const data = await res.json();
    if (res.status !== 200 || !data.ok) throw new Error('unexpected response');
  }
  return (performance.now() - t0) / n;
}

await nodeLoop(WARMUP);
await fetchLoop(WARMUP);
const node = [];
const bare = [];
for (let r = 0; r < ROUNDS; r++) {
  bare.push(await fetchLoop(CALLS));
  node.push(await nodeLoop(CALLS));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nodeMs = median(node);
const bareMs = median(bare);
const note = `${CALLS} sequential calls, median of ${ROUNDS} rounds, keep-alive server on 127.0.0.1 in the same process, Node ${process.version}`;
emit('http_get per call (node code path)', nodeMs, 'ms', '', note);
emit('bare fetch per call', bareMs, 'ms', '', note);
emit(
  'http_get / bare fetch',
  nodeMs / bareMs,
  'ratio',
  '<= 2',
  'node overhead relative to a bare fetch loop',
);

// The same 1,000 calls as a flow: a chain of http_get steps run by the engine on the JSON store, so each
// step also pays scheduling, its task records and the context merge.
{
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Engine } = await import('../dist/engine/engine.js');
  const { JsonStore } = await import('../dist/store/json.js');
  const { silentLogger } = await import('../dist/nodes/types.js');
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-'));
  const store = await new JsonStore(dir).open();
  const engine = new Engine({ store, logger: silentLogger, print: () => {} });
  let src = 'local flow = Flow.new("http_chain")\n';
  for (let i = 1; i <= CALLS; i++) {
    src += `flow:step("g${i}", nodes.http_get({ url = "\${ctx.base}", output_key = "r" }))${i > 1 ? `:depends_on("g${i - 1}")` : ''}\n`;
  }
  src += 'return flow';
  const loaded = await engine.loadSource(src, 'http_chain.lua');
  const per = [];
  const bareAgain = [];
  for (let r = 0; r < ROUNDS; r++) {
    bareAgain.push(await fetchLoop(CALLS));
    const t0 = performance.now();
    const run = await engine.run(loaded, { base: url });
    per.push((performance.now() - t0) / CALLS);
    if (run.status !== 'success') throw new Error(`http chain run ${run.status}`);
  }
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const stepMs = median(per);
  const fetchMs = median(bareAgain);
  const flowNote = `${CALLS} chained http_get steps in one run (JSON store), median of ${ROUNDS} runs; bare fetch loop measured between runs`;
  emit('http_get step in a flow, per step', stepMs, 'ms', '', flowNote);
  emit('http_get step / bare fetch', stepMs / fetchMs, 'ratio', '<= 2', flowNote);
}
server.closeAllConnections();
server.close();
