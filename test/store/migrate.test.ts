import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunInfo } from '../../src/engine/types.js';
import { JsonStore } from '../../src/store/json.js';
import { MemoryStore } from '../../src/store/memory.js';
import { migrateRuns, pruneRuns } from '../../src/store/migrate.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { StateStore } from '../../src/store/types.js';
import { expectStoreError, sampleRun } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'ironflow-migrate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = Date.parse('2025-06-01T00:00:00.000Z');
const day = 86_400_000;

function corpus(): RunInfo[] {
  const runs: RunInfo[] = [];
  const statuses = ['success', 'failed', 'stalled', 'running', 'cancelled', 'pending'] as const;
  for (let i = 0; i < 24; i++) {
    const r = sampleRun(`run-${i}`, base + i * day, {
      status: statuses[i % statuses.length],
      flow_name: `flow-${i % 3}`,
    });
    r.ctx = { i, nested: { list: [i, [], {}] }, text: 'héllo' };
    r.tasks.b = { name: 'b', status: 'skipped', attempt: 0, node_type: 'code', finished: r.started! };
    if (i % 4 === 1) {
      r.parent_run_id = `run-${i - 1}`;
      r.parent_step = 'sub';
    }
    runs.push(r);
  }
  return runs;
}

async function all(store: StateStore): Promise<RunInfo[]> {
  const out: RunInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ limit: 5, cursor });
    for (const s of page.runs) out.push(await store.getRun(s.id));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('migrateRuns', () => {
  it('copies every run as it is between backends, and skips runs already there', async () => {
    const mem = new MemoryStore();
    const runs = corpus();
    for (const r of runs) await mem.importRun(r);
    const json = await new JsonStore(join(root, 'json')).open();
    const seen: number[] = [];
    const p1 = await migrateRuns(mem, json, (p) => seen.push(p.seen), { pageSize: 10 });
    expect(p1).toEqual({ seen: 24, copied: 24, skipped: 0 });
    expect(seen).toEqual([10, 20, 24]);
    const sqlite = await new SqliteStore(join(root, 'db.sqlite')).open();
    expect(await migrateRuns(json, sqlite)).toEqual({ seen: 24, copied: 24, skipped: 0 });
    const want = [...runs].sort((a, b) => Date.parse(b.started!) - Date.parse(a.started!));
    expect(await all(json)).toEqual(want);
    expect(await all(sqlite)).toEqual(want);
    // parent links survive: deleting a parent in the copy removes its child
    expect(await sqlite.deleteRun('run-0')).toBe(true);
    await expectStoreError(sqlite.getRun('run-1'), 'not_found');
    // a second pass copies nothing new
    expect(await migrateRuns(mem, json)).toEqual({ seen: 24, copied: 0, skipped: 24 });
    await json.close();
    await sqlite.close();
  });
});

describe('pruneRuns', () => {
  it('deletes finished runs started before the date, with their children', async () => {
    const mem = new MemoryStore();
    for (const r of corpus()) await mem.importRun(r);
    const before = new Date(base + 12 * day).toISOString();
    // runs 0..11; finished ones: statuses success, failed, stalled, cancelled (i % 6 in 0,1,2,4)
    const n = await pruneRuns(mem, { before });
    const left = (await mem.listRuns({ limit: 100 })).runs.map((r) => r.id);
    const expectedGone = Array.from({ length: 12 }, (_, i) => i).filter((i) => [0, 1, 2, 4].includes(i % 6));
    expect(n).toBe(expectedGone.length);
    for (const i of expectedGone) expect(left).not.toContain(`run-${i}`);
    // running run-3 and pending run-11 are kept without an explicit status; run-5 and run-9 went with
    // their pruned parents run-4 and run-8
    expect(left).toContain('run-3');
    expect(left).toContain('run-11');
    expect(left).not.toContain('run-5');
    expect(left).not.toContain('run-9');
    expect(await pruneRuns(mem, { before: new Date(base + 12 * day), status: 'running' })).toBe(1);
    expect((await mem.listRuns({ limit: 100 })).runs.map((r) => r.id)).not.toContain('run-3');
    await expect(pruneRuns(mem, { before: 'last week' })).rejects.toThrow(/Invalid 'before' time/);
    await expect(pruneRuns(mem, { before, status: 'gone' as never })).rejects.toThrow(/Invalid run status/);
  });
});
