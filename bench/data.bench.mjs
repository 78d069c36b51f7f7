// Data-transform benchmark: csv_parse throughput on a 50 MB / 500,000-row CSV through the node's own code
// path (registry + invokeNode from the built dist/), the two CSV libraries and the node's reader alone for
// comparison, then data_filter and deduplicate over the parsed rows, and the peak resident memory.
//
// Run: npx tsc -p tsconfig.build.json && node --expose-gc bench/data.bench.mjs
// Output: one JSON object per line: {"name", "value", "unit", "target", "note"}. Wall-clock figures depend
// on what else the machine runs; the notes add the same work per CPU-second of this process.
import { readFileSync, writeFileSync } from 'node:fs';

const { registry } = await import('../dist/nodes/registry.js');
await registry.loadAll(); // families load lazily; a bench uses nodes directly
const { invokeNode } = await import('../dist/engine/invoke.js');
const { ResourcePool } = await import('../dist/engine/resources.js');

const ROWS = 500_000;
const RUNS = 3;
const gc = globalThis.gc ?? (() => {});

function emit(name, value, unit, target, note) {
  process.stdout.write(`${JSON.stringify({ name, value: Number(value.toFixed(2)), unit, target, note })}\n`);
}

/** Peak resident set size so far (kernel high-water mark), in MB. */
function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.memoryUsage().rss / 1024 / 1024;
}

/** Reset the high-water mark (Linux: writing 5 to clear_refs), so each phase reports its own peak. */
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {}
}

/** A deterministic CSV of about 50 MB: quoted fields with commas and doubled quotes, non-ASCII text. */
function generateCsv(rows) {
  const cities = ['Paris', 'Zürich', 'New York', 'Tōkyō', 'São Paulo', 'Kraków', 'Reykjavík'];
  const parts = ['id,name,email,city,amount,active,note,category\n'];
  for (let i = 0; i < rows; i++) {
    const note = i % 10 === 0 ? `"she said ""hi"", left ${i}"` : `plain note ${i} for the bench`;
    parts.push(
      `${i},User ${i % 9973},user${i % 200000}@example.com,${cities[i % cities.length]},${((i * 37) % 100000) / 100},${i % 3 === 0},${note},cat-${i % 50}\n`,
    );
  }
  return parts.join('');
}

function nodeContext(ctx) {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const noLua = () => Promise.reject(new Error('no Lua in this benchmark'));
  return {
    step: 'bench',
    nodeType: 'bench',
    ctx,
    signal: new AbortController().signal,
    log: silent,
    runId: 'bench',
    services: { lua: { runCode: noLua, runForeach: noLua }, resources: new ResourcePool() },
    interpolate: (s) => s,
  };
}

/** Run a node as the engine does (defaults, interpolation, run()). */
async function runNode(name, config, ctx) {
  const def = registry.get(name);
  if (!def) throw new Error(`node ${name} is not registered`);
  return invokeNode(def, { ...config, _step_name: 'bench' }, nodeContext(ctx));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run `fn` `runs` times; median wall-clock and process CPU seconds (all threads, GC included). */
async function measure(runs, fn) {
  const wall = [];
  const cpu = [];
  let last;
  for (let r = 0; r < runs; r++) {
    last = undefined;
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await fn();
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu), last };
}

const csv = generateCsv(ROWS);
const mb = Buffer.byteLength(csv) / 1e6;
const size = `${mb.toFixed(1)} MB, ${ROWS} rows`;
const perCpu = (m) => `${(mb / m.cpu).toFixed(1)} MB per CPU-second`;

// 1. The parsers alone, records as arrays of strings (no objects): the choice of the node's parser.
{
  const { parse } = await import('csv-parse/sync');
  const m = await measure(RUNS, () => parse(csv, { relax_column_count: true, skip_empty_lines: true }));
  if (m.last.length !== ROWS + 1) throw new Error(`csv-parse returned ${m.last.length} records`);
  emit('csv-parse 7 (sync), arrays', mb / m.wall, 'MB/s', '>= 50', `library alone, ${size}; ${perCpu(m)}`);
}
{
  const Papa = (await import('papaparse')).default;
  const m = await measure(RUNS, () => Papa.parse(csv, { skipEmptyLines: true }).data);
  if (m.last.length !== ROWS + 1) throw new Error(`papaparse returned ${m.last.length} records`);
  emit('papaparse 5, arrays', mb / m.wall, 'MB/s', '>= 50', `library alone, ${size}; ${perCpu(m)}`);
}
{
  const { readCsv } = await import('../dist/nodes/data/csv-reader.js');
  const m = await measure(RUNS, () => {
    const records = [];
    readCsv(csv, { delimiter: ',', quote: '"' }, (fields) => records.push(fields));
    return records;
  });
  if (m.last.length !== ROWS + 1) throw new Error(`readCsv returned ${m.last.length} records`);
  emit('IronFlow csv-reader, arrays', mb / m.wall, 'MB/s', '>= 50', `reader alone, ${size}; ${perCpu(m)}`);
}

// 2. csv_parse through the node: objects (the default), arrays, objects with type inference.
let rows;
for (const [label, extra] of [
  ['objects (has_header)', {}],
  ['arrays (has_header = false)', { has_header: false }],
  ['objects + infer_types', { infer_types: true }],
]) {
  resetPeak();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const m = await measure(
    RUNS,
    async () =>
      (await runNode('csv_parse', { source_key: 'csv', output_key: 'rows', ...extra }, { csv })).rows,
  );
  const n = m.last.length;
  if (n !== (extra.has_header === false ? ROWS + 1 : ROWS)) throw new Error(`csv_parse returned ${n} rows`);
  emit(
    `csv_parse node, ${label}`,
    mb / m.wall,
    'MB/s',
    '>= 50',
    `median of ${RUNS} (wall clock), ${size}; ${perCpu(m)}; peak RSS in this phase ${peakRssMb().toFixed(0)} MB (with the input text and the rows kept for step 3)`,
  );
  if (label.startsWith('objects (')) rows = m.last;
  let result = m.last;
  m.last = undefined;
  if (globalThis.gc) {
    // The heap one run's result keeps alive (input text excluded).
    gc();
    const retained = process.memoryUsage().heapUsed - heapBefore;
    if (result.length === 0) throw new Error('no rows'); // keeps `result` alive up to here
    emit(
      `csv_parse node, ${label}: retained heap`,
      retained / 1e6,
      'MB',
      '-',
      `${(retained / ROWS) | 0} bytes per row`,
    );
  }
  result = undefined; // a top-level await keeps dead locals alive otherwise
}

// 3. data_filter and deduplicate over the parsed rows.
const rowCtx = { rows };
for (const [name, config, label] of [
  ['data_filter', { source_key: 'rows', output_key: 'out', field: 'city', op: 'eq', value: 'Zürich' }, 'eq'],
  [
    'data_filter',
    { source_key: 'rows', output_key: 'out', field: 'note', op: 'contains', value: 'hi' },
    'contains',
  ],
  ['deduplicate', { source_key: 'rows', output_key: 'out', key: 'email' }, 'by key (200k distinct)'],
  ['deduplicate', { source_key: 'rows', output_key: 'out' }, 'whole item (canonical JSON)'],
]) {
  const m = await measure(RUNS, async () => (await runNode(name, config, rowCtx)).out);
  emit(
    `${name}, ${label}`,
    rows.length / m.wall,
    'items/s',
    '-',
    `median of ${RUNS}, ${rows.length} rows in, ${m.last.length} out; ${(rows.length / m.cpu).toFixed(0)} items per CPU-second`,
  );
}

emit(
  'peak RSS (whole process)',
  peakRssMb(),
  'MB',
  '-',
  'VmHWM of /proc/self/status at the end (the 50 MB input, its parsed rows and the phase outputs)',
);
