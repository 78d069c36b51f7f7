import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres.js';
import { freePort } from '../services/ports.js';
import { type PgServer, startPostgres } from '../services/postgres.js';
import { concurrentWriters, expectNothingLost } from './concurrent-writer.js';
import { expectStoreError, storeConformance } from './conformance.js';

let server: PgServer;
let n = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

storeConformance({
  kind: 'postgres',
  create: async () => {
    const tablePrefix = `c${n++}_`;
    return {
      store: await new PostgresStore(server.url, { tablePrefix }).open(),
      reopen: async () => new PostgresStore(server.url, { tablePrefix }).open(),
    };
  },
});

const task = (name: string) => ({ name, status: 'success' as const, attempt: 1, node_type: 'log' });

describe('PostgreSQL store', () => {
  it('creates prefixed tables with one row per task and jsonb columns', async () => {
    const store = await new PostgresStore(server.url, { tablePrefix: 'shape_' }).open();
    await store.initRun('r1', 'f', { a: 1 });
    for (let i = 0; i < 3; i++) await store.upsertTask('r1', task(`t${i}`));
    await store.upsertTask('r1', task('t0'));
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    const cols = await c.query(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name LIKE 'shape_%' AND data_type = 'jsonb' ORDER BY 1, 2",
    );
    expect(cols.rows).toEqual([
      { table_name: 'shape_runs', column_name: 'ctx', data_type: 'jsonb' },
      { table_name: 'shape_tasks', column_name: 'data', data_type: 'jsonb' },
    ]);
    expect((await c.query('SELECT count(*)::int AS n FROM shape_tasks')).rows[0]).toEqual({ n: 3 });
    expect((await c.query('SELECT task_count FROM shape_runs')).rows[0]).toEqual({ task_count: 3 });
    await c.end();
    await store.close();
  });

  it('fails at open when the server cannot be reached, with the password masked', async () => {
    const port = await freePort();
    const err = await expectStoreError(
      new PostgresStore(`postgres://app:s3cret@127.0.0.1:${port}/db`, { connectTimeoutMs: 2000 }).open(),
      'backend',
    );
    expect(err.message).toContain(`PostgreSQL store at postgres://app:***@127.0.0.1:${port}/db`);
    expect(err.message).not.toContain('s3cret');
  });

  it('loses nothing with two processes writing at once (schema created by both)', async () => {
    const prefix = 'conc_';
    const per = 60;
    await concurrentWriters(server.url, prefix, per);
    const store = await new PostgresStore(server.url, { tablePrefix: prefix }).open();
    await expectNothingLost(store, per, { flowName: 'concurrent', limit: 25 });
    expect((await store.listRuns({ flowName: 'shared' })).runs[0]!.task_count).toBe(2 * per);
    const one = await store.getRun('b-7');
    expect(Object.keys(one.tasks)).toEqual(['s0', 's1', 's2', 's3']);
    expect(one.ctx).toEqual({ tag: 'b', i: 7, done: true });
    await store.close();
  });

  it('reports a clear error while the server is down and recovers after a restart', async () => {
    // the test server runs with synchronous_commit=off; ask for durable commits on our sessions
    const url = `${server.url.replace('postgres://postgres@', 'postgres://postgres:pw@')}?options=-c%20synchronous_commit%3Don`;
    const store = await new PostgresStore(url, { tablePrefix: 'restart_' }).open();
    expect(store.location).not.toContain(':pw@');
    await store.initRun('before', 'f', { a: 1 });
    await store.setRunStatus('before', 'running');
    await store.upsertTask('before', task('one'));
    await store.initRun('done-run', 'f', {});
    await store.setRunStatus('done-run', 'success');
    await server.kill();
    try {
      const err = await expectStoreError(store.upsertTask('before', task('two')), 'backend');
      expect(err.message).toMatch(
        /^PostgreSQL store at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres/,
      );
      expect(err.message).not.toContain(':pw@');
      await expectStoreError(store.getRun('before'), 'backend');
      await expectStoreError(store.listRuns(), 'backend');
    } finally {
      await server.start();
    }
    await store.upsertTask('before', task('two'));
    await store.setRunStatus('before', 'success');
    const run = await store.getRun('before');
    expect(Object.keys(run.tasks)).toEqual(['one', 'two']);
    expect(run.status).toBe('success');
    expect((await store.getRun('done-run')).status).toBe('success');
    expect((await store.listRuns()).runs.map((r) => r.id).sort()).toEqual(['before', 'done-run']);
    await store.close();
  });
});
