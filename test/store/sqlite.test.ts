import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { expectStoreError, storeConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'ironflow-sqlite-store-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

storeConformance({
  kind: 'sqlite',
  create: async () => {
    const file = join(root, `db-${n++}`, 'ironflow.sqlite');
    return {
      store: await new SqliteStore(file).open(),
      reopen: async () => new SqliteStore(file).open(),
    };
  },
});

describe('SQLite store', () => {
  it('uses WAL, the table prefix, one row per task and a 0600 file', async () => {
    const file = join(root, `db-${n++}`, 'runs.sqlite');
    const store = await new SqliteStore(file, { tablePrefix: 'custom_' }).open();
    await store.initRun('r1', 'f', { a: 1 });
    for (let i = 0; i < 5; i++) {
      await store.upsertTask('r1', { name: `t${i}`, status: 'running', attempt: 1, node_type: 'log' });
      await store.upsertTask('r1', { name: `t${i}`, status: 'success', attempt: 1, node_type: 'log' });
    }
    await store.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const db = new Sqlite(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    expect(tables).toEqual(['custom_runs', 'custom_tasks']);
    expect(db.prepare('SELECT count(*) AS n FROM custom_tasks').get()).toEqual({ n: 5 });
    expect(db.prepare('SELECT task_count, status FROM custom_runs').get()).toEqual({
      task_count: 5,
      status: 'pending',
    });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM custom_runs WHERE status = 'failed' ORDER BY started_key DESC, id DESC LIMIT 51",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('custom_runs_status');
    db.close();
  });

  it('rejects a bad table prefix and an unusable path', async () => {
    expect(() => new SqliteStore(join(root, 'x.sqlite'), { tablePrefix: 'bad;drop' })).toThrow(
      /table prefix/,
    );
    const blocker = join(root, `file-${n++}`);
    writeFileSync(blocker, 'not a directory');
    const err = await expectStoreError(new SqliteStore(join(blocker, 'x.sqlite')).open(), 'backend');
    expect(err.message).toContain('SQLite store');
  });
});
