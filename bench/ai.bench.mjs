// AI family benchmark, through the nodes' own code path (registry + invokeNode from the built dist/):
//   - ai_chunk (fixed and split) and ai_chunk_merge throughput on a 10 MB text, ASCII and mixed UTF-8;
//   - ai_chunk_semantic on 2,000 sentences against an embeddings stand-in started here on 127.0.0.1:
//     how many embedding requests it makes and the wall time.
//
// Run: npx tsc -p tsconfig.build.json && node bench/ai.bench.mjs
// Output: one JSON object per line: {"name", "value", "unit", "target", "note"}. MB = 1,000,000 bytes.
import { createServer } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';

const { registry } = await import('../dist/nodes/registry.js');
await registry.loadAll(); // families load lazily; a bench uses nodes directly
const { invokeNode } = await import('../dist/engine/invoke.js');
const { ResourcePool } = await import('../dist/engine/resources.js');

const TEXT_BYTES = 10_000_000;
const RUNS = 5;
const SENTENCES = 2000;

function emit(name, value, unit, target, note) {
  process.stdout.write(`${JSON.stringify({ name, value: Number(value.toFixed(2)), unit, target, note })}\n`);
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const noLua = {
  runCode: () => Promise.reject(new Error('no Lua')),
  runForeach: () => Promise.reject(new Error('no Lua')),
};

function run(name, config, ctx, resources = new ResourcePool()) {
  const def = registry.get(name);
  return invokeNode(
    def,
    { ...config, _step_name: 'bench' },
    {
      step: 'bench',
      nodeType: name,
      ctx,
      signal: new AbortController().signal,
      log: silent,
      runId: '00000000-0000-4000-8000-000000000000',
      services: { lua: noLua, resources },
      interpolate: (s) => s,
    },
  );
}

/** A deterministic prose-like text of about `bytes` UTF-8 bytes; `mixed` adds accented and CJK words. */
function makeText(bytes, mixed) {
  const ascii = [
    'the',
    'model',
    'reads',
    'a',
    'long',
    'document',
    'about',
    'rockets',
    'and',
    'cats',
    'while',
    'engineers',
    'measure',
    'throughput',
    'of',
    'every',
    'chunk',
    'in',
    'memory',
    'quickly',
  ];
  const other = ['Grüße', 'Köln', 'naïve', 'café', '東京', '日本語', 'données', 'résumé', '😀', 'Zürich'];
  const parts = [];
  let size = 0;
  let seed = 12345;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  while (size < bytes) {
    const words = 8 + rnd(18);
    let s = '';
    for (let i = 0; i < words; i++) {
      const w = mixed && rnd(6) === 0 ? other[rnd(other.length)] : ascii[rnd(ascii.length)];
      s += (i === 0 ? '' : ' ') + w;
    }
    s += rnd(10) === 0 ? '?\n' : rnd(7) === 0 ? '.\n\n' : '. ';
    parts.push(s);
    size += Buffer.byteLength(s);
  }
  return parts.join('');
}

/**
 * Median wall seconds and median CPU seconds (user + system of this process) of `RUNS` runs after one
 * warm-up. On a shared machine the CPU time shows what the code costs when the wall clock is inflated by
 * other processes.
 */
async function timeIt(fn) {
  await fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(wall), cpu: median(cpu) };
}

async function timeOnce(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

/** Two lines per measurement: throughput by wall clock (the target) and by CPU time. */
function emitThroughput(name, mb, t, note) {
  emit(name, mb / t.wall, 'MB/s', '>= 20 MB/s', `${note}; wall clock, median of ${RUNS}`);
  emit(
    `${name}_cpu`,
    mb / t.cpu,
    'MB/s',
    '>= 20 MB/s',
    `${note}; CPU time of this process, median of ${RUNS}`,
  );
}

emit(
  'machine_load',
  loadavg()[0],
  'load avg (1 min)',
  'none (context)',
  `${availableParallelism()} cores; wall-clock figures are only meaningful when the load is below the core count`,
);

for (const mixed of [false, true]) {
  const text = makeText(TEXT_BYTES, mixed);
  const bytes = Buffer.byteLength(text);
  const mb = bytes / 1e6;
  const label = mixed ? 'utf8' : 'ascii';
  const what = `${mb.toFixed(1)} MB ${mixed ? 'mixed UTF-8 (accents, CJK, emoji)' : 'ASCII'} text`;

  let out;
  let t = await timeIt(async () => {
    out = await run('ai_chunk', { source_key: 't', size: 4096 }, { t: text });
  });
  emitThroughput(
    `ai_chunk_fixed_${label}`,
    mb,
    t,
    `${what}, size 4096 bytes, no delimiters: ${out.chunks_count} chunks`,
  );

  t = await timeIt(async () => {
    out = await run('ai_chunk', { source_key: 't', size: 1000, delimiters: '\n. ' }, { t: text });
  });
  emitThroughput(
    `ai_chunk_fixed_delimiters_${label}`,
    mb,
    t,
    `${what}, size 1000 bytes, delimiters "\\n. ": ${out.chunks_count} chunks`,
  );

  t = await timeIt(async () => {
    out = await run('ai_chunk', { source_key: 't', mode: 'split', min_chars: 40 }, { t: text });
  });
  emitThroughput(
    `ai_chunk_split_${label}`,
    mb,
    t,
    `${what}, default delimiters, min_chars 40: ${out.chunks_count} chunks`,
  );

  const sentences = (await run('ai_chunk', { source_key: 't', mode: 'split' }, { t: text })).chunks;
  t = await timeIt(async () => {
    out = await run('ai_chunk_merge', { source_key: 'c', chunk_size: 512 }, { c: sentences });
  });
  emitThroughput(
    `ai_chunk_merge_${label}`,
    mb,
    t,
    `${what} as ${sentences.length} sentence chunks, budget 512 words: ${out.merged_count} groups`,
  );
}

// ai_chunk_semantic: 2,000 sentences, embeddings from a local stand-in (deterministic 256-dim vectors).
const DIM = 256;
let requests = 0;
let inputs = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests += 1;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const list = Array.isArray(body.input) ? body.input : [body.input];
    inputs += list.length;
    const data = list.map((text, index) => {
      // A topic per sentence (its first word) plus a little noise from its length.
      const v = new Array(DIM).fill(0);
      let h = 0;
      for (const ch of text.split(' ')[0]) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      v[h % DIM] = 1;
      v[text.length % DIM] += 0.3;
      return { object: 'embedding', index, embedding: v };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data, model: body.model }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
process.env.OPENAI_BASE_URL = `http://127.0.0.1:${server.address().port}/v1`;
process.env.OPENAI_API_KEY = 'sk-bench';

const topics = ['Rockets', 'Cats', 'Markets', 'Weather', 'Compilers', 'Bread'];
const doc = Array.from(
  { length: SENTENCES },
  (_, i) => `${topics[Math.floor(i / 50) % topics.length]} sentence number ${i} carries some ordinary words.`,
).join(' ');

let sem;
const first = await timeOnce(async () => {
  sem = await run('ai_chunk_semantic', { source_key: 'doc' }, { doc });
});
emit(
  'ai_chunk_semantic_requests',
  requests,
  'requests',
  'as few as the provider allows (OpenAI: 2,048 inputs a request)',
  `${SENTENCES} sentences (${inputs} inputs embedded) in ${requests} embedding request(s)`,
);
emit(
  'ai_chunk_semantic_wall',
  first.wall * 1000,
  'ms',
  'none (report)',
  `${SENTENCES} sentences, ${DIM}-dim vectors from an in-process stand-in (its JSON work included), ` +
    `first run: ${sem.semantic_count} chunks; CPU ${Math.round(first.cpu * 1000)} ms`,
);
const warm = await timeIt(() => run('ai_chunk_semantic', { source_key: 'doc' }, { doc }));
emit(
  'ai_chunk_semantic_wall_warm',
  warm.wall * 1000,
  'ms',
  'none (report)',
  `same, warm, median of ${RUNS}; CPU ${Math.round(warm.cpu * 1000)} ms`,
);

requests = 0;
const batched = await timeOnce(() =>
  run('ai_chunk_semantic', { source_key: 'doc', batch_size: 500 }, { doc }),
);
emit(
  'ai_chunk_semantic_wall_batch500',
  batched.wall * 1000,
  'ms',
  'none (report)',
  `same text with batch_size 500 (${requests} requests), for comparison; CPU ${Math.round(batched.cpu * 1000)} ms`,
);

server.close();
