// Benchmark of db_exec and db_query through the node code path (defaults, interpolation, planning, binding,
// pool lookup, row conversion), on SQLite and on PostgreSQL, with the raw driver alongside for reference.
// Prints one JSON object per line: {"name", "value", "unit", "note"}. Needs a build: npx tsc -p tsconfig.build.json
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invokeNode } from '../dist/engine/invoke.js';
import { ResourcePool } from '../dist/engine/resources.js';
import { registry } from '../dist/nodes/registry.js';

await registry.loadAll(); // families load lazily; a bench uses nodes directly

import { startPostgres } from './lib/servers.mjs';

const N = Number(process.env.DB_BENCH_ROWS ?? 10_000);
const WARMUP = 200;
const QUERY_REPEATS = 5;

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const noLua = {
  runCode: () => Promise.reject(new Error('no Lua')),
  runForeach: () => Promise.reject(new Error('no Lua')),
};

function emit(name, value, unit, note) {
  process.stdout.write(`${JSON.stringify({ name, value: Number(value.toPrecision(4)), unit, note })}\n`);
}

function context(resources, name, ctx = {}) {
  return {
    step: 'bench',
    nodeType: name,
    ctx,
    signal: new AbortController().signal,
    log: silent,
    runId: '00000000-0000-4000-8000-000000000000',
    services: { lua: noLua, resources },
    interpolate: (s) => s,
  };
}

function node(resources, name) {
  const def = registry.get(name);
  return (config, ctx) => invokeNode(def, { ...config, _step_name: 'bench' }, context(resources, name, ctx));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function suite(label, connection, createSql, rawInsert, rawSelect) {
  const resources = new ResourcePool();
  const exec = node(resources, 'db_exec');
  const query = node(resources, 'db_query');
  await exec({ connection, query: createSql });
  const insert = (i) =>
    exec(
      {
        connection,
        query: 'INSERT INTO bench (id, name, score, active, meta) VALUES (?, ?, ?, ?, ${ctx.meta})',
        params: [i, `name-${i}`, i * 0.5, i % 2 === 0],
      },
      { meta: { i, tag: 'x' } },
    );
  for (let i = 0; i < WARMUP; i++) await insert(-1 - i);
  await exec({ connection, query: 'DELETE FROM bench' });

  let t = performance.now();
  for (let i = 0; i < N; i++) await insert(i);
  let ms = performance.now() - t;
  emit(
    `${label}.db_exec_insert`,
    (ms * 1000) / N,
    'us/insert',
    `${N} sequential db_exec INSERTs (autocommit), 4 params + 1 context placeholder`,
  );
  emit(`${label}.db_exec_insert_rate`, N / (ms / 1000), 'rows/s', `${N} sequential db_exec INSERTs`);

  const times = [];
  let count = 0;
  for (let r = 0; r < QUERY_REPEATS; r++) {
    t = performance.now();
    const out = await query({
      connection,
      query: 'SELECT id, name, score, active, meta FROM bench ORDER BY id',
    });
    times.push(performance.now() - t);
    count = out.rows_count;
  }
  if (count !== N) throw new Error(`expected ${N} rows, got ${count}`);
  ms = median(times);
  emit(
    `${label}.db_query_rows`,
    ms,
    'ms',
    `one db_query returning ${N} rows x 5 columns (median of ${QUERY_REPEATS})`,
  );
  emit(`${label}.db_query_rate`, N / (ms / 1000), 'rows/s', `db_query of ${N} rows`);

  // The same work on the bare driver, to show what the node adds.
  const raw = await rawInsert();
  t = performance.now();
  for (let i = 0; i < N; i++) await raw.insert(N + i);
  ms = performance.now() - t;
  emit(
    `${label}.driver_insert`,
    (ms * 1000) / N,
    'us/insert',
    `${N} sequential INSERTs on the bare driver (reference)`,
  );
  const rtimes = [];
  for (let r = 0; r < QUERY_REPEATS; r++) {
    t = performance.now();
    await rawSelect(raw);
    rtimes.push(performance.now() - t);
  }
  emit(`${label}.driver_query_rows`, median(rtimes), 'ms', `bare driver SELECT of ${N} rows (reference)`);
  await raw.close();
  return resources;
}

const dir = mkdtempSync(join(tmpdir(), 'ironflow-bench-db-'));
const file = join(dir, 'bench.db');
let server;
try {
  const sqliteRes = await suite(
    'sqlite',
    `sqlite:${file}?mode=rwc`,
    'CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, score REAL, active BOOLEAN, meta JSON)',
    async () => {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(file, { timeout: 5000 });
      const st = db.prepare('INSERT INTO bench (id, name, score, active, meta) VALUES (?, ?, ?, ?, ?)');
      return {
        db,
        insert: async (i) => st.run(i, `name-${i}`, i * 0.5, i % 2, JSON.stringify({ i, tag: 'x' })),
        close: async () => db.close(),
      };
    },
    async (raw) =>
      raw.db.prepare(`SELECT id, name, score, active, meta FROM bench ORDER BY id LIMIT ${N}`).all(),
  );
  await sqliteRes.closeAll();

  server = await startPostgres();
  const pgRes = await suite(
    'postgres',
    server.url,
    'CREATE TABLE bench (id int PRIMARY KEY, name text, score float8, active boolean, meta jsonb)',
    async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client(server.url);
      await client.connect();
      return {
        client,
        insert: (i) =>
          client.query('INSERT INTO bench (id, name, score, active, meta) VALUES ($1, $2, $3, $4, $5)', [
            i,
            `name-${i}`,
            i * 0.5,
            i % 2 === 0,
            JSON.stringify({ i, tag: 'x' }),
          ]),
        close: () => client.end(),
      };
    },
    async (raw) => raw.client.query(`SELECT id, name, score, active, meta FROM bench ORDER BY id LIMIT ${N}`),
  );

  // Concurrent inserts share the pool (IRONFLOW_DB_POOL_SIZE connections).
  const exec = node(pgRes, 'db_exec');
  await exec({ connection: server.url, query: 'TRUNCATE bench' });
  const CONC = 10;
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < N) {
        const i = next++;
        await exec({
          connection: server.url,
          query: 'INSERT INTO bench (id, name) VALUES (?, ?)',
          params: [i, `n${i}`],
        });
      }
    }),
  );
  const ms = performance.now() - t;
  emit(
    'postgres.db_exec_insert_concurrent_rate',
    N / (ms / 1000),
    'rows/s',
    `${N} db_exec INSERTs, ${CONC} steps at a time on one pool`,
  );
  await pgRes.closeAll();
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
