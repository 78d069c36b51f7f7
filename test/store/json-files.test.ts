// JSON store specifics: file layout and permissions, symlinks, traversal ids, the journal (crash replay, torn
// lines), corrupted files, and the listing index (legacy directories, folding the log, deep pages).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskState } from '../../src/engine/types.js';
import { JsonStore } from '../../src/store/json.js';
import { BAD_IDS, expectStoreError, sampleRun } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'ironflow-json-files-'));
let n = 0;
const stores: JsonStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

function newDir(): string {
  return join(root, `case-${n++}`, 'runs');
}

async function open(dir: string, opts = {}): Promise<JsonStore> {
  const s = await new JsonStore(dir, opts).open();
  stores.push(s);
  return s;
}

const task = (name: string, status: TaskState['status'], extra: Partial<TaskState> = {}): TaskState => ({
  name,
  status,
  attempt: 1,
  node_type: 'log',
  ...extra,
});

describe('JSON store files', () => {
  it('creates the directory 0700 and files 0600, pretty-printed RunInfo, on first initRun', async () => {
    const dir = newDir();
    const store = await open(dir);
    expect(existsSync(dir)).toBe(false);
    expect((await store.listRuns()).runs).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    await store.initRun('perm-1', 'f', { a: 1 });
    await store.setRunStatus('perm-1', 'running');
    await store.upsertTask('perm-1', task('s', 'running'));
    await store.flush();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) {
      const st = statSync(join(dir, name));
      expect(st.mode & 0o777, name).toBe(st.isDirectory() ? 0o700 : 0o600);
    }
    for (const name of readdirSync(join(dir, '.index'))) {
      expect(statSync(join(dir, '.index', name)).mode & 0o777, name).toBe(0o600);
    }
    await store.setRunStatus('perm-1', 'success');
    const text = readFileSync(join(dir, 'perm-1.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(await store.getRun('perm-1'), null, 2)}\n`);
    expect(text.split('\n')[1]).toBe('  "id": "perm-1",');
    // compacted: the journal is gone, no temp files are left
    expect(readdirSync(dir).sort()).toEqual(['.index', 'perm-1.json']);
  });

  it('writes a run that ends within the first-write delay once, and persist() makes one visible at once', async () => {
    const dir = newDir();
    const store = await open(dir, { firstWriteDelayMs: 60_000 });
    const other = await open(dir);
    await store.initRun('quick', 'f', { a: 1 });
    await store.setRunStatus('quick', 'running');
    await store.upsertTask('quick', task('s', 'running'));
    await new Promise((r) => setTimeout(r, 30));
    // still held back: another process does not see it yet, this one does
    await expectStoreError(other.getRun('quick'), 'not_found');
    expect((await store.getRun('quick')).tasks.s?.status).toBe('running');
    await store.upsertTask('quick', task('s', 'success'));
    await store.setRunStatus('quick', 'success');
    // one file, never a journal, no temp file left behind
    expect(readdirSync(dir).sort()).toEqual(['.index', 'quick.json']);
    const seen = await other.getRun('quick');
    expect([seen.status, seen.tasks.s?.status]).toEqual(['success', 'success']);
    expect((await other.listRuns()).runs.map((r) => r.id)).toEqual(['quick']);

    // a run whose id is handed out before it ends (API wait: false)
    await store.initRun('handed-out', 'f', {});
    await store.setRunStatus('handed-out', 'running');
    await store.persist('handed-out');
    expect((await other.getRun('handed-out')).status).toBe('running');
    // listing in the creating process writes held-back runs first
    await store.initRun('listed', 'f', {});
    expect((await store.listRuns()).runs.map((r) => r.id).sort()).toEqual(['handed-out', 'listed', 'quick']);
    expect((await other.getRun('listed')).status).toBe('pending');
  });

  it('writes a held-back run once the first-write delay has passed', async () => {
    const dir = newDir();
    const store = await open(dir, { firstWriteDelayMs: 40 });
    const other = await open(dir);
    await store.initRun('slow', 'f', {});
    await store.setRunStatus('slow', 'running');
    const deadline = Date.now() + 5000;
    while (!existsSync(join(dir, 'slow.json')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await other.getRun('slow')).status).toBe('running');
  });

  it('refuses a symlinked store root', async () => {
    const real = newDir();
    mkdirSync(real, { recursive: true });
    const link = join(root, `link-${n++}`);
    symlinkSync(real, link);
    const err = await expectStoreError(new JsonStore(link).open(), 'backend');
    expect(err.message).toContain('symbolic link');
    const store = new JsonStore(link);
    stores.push(store);
    await expectStoreError(store.initRun('x1', 'f', {}), 'backend');
    await expectStoreError(store.listRuns(), 'backend');
    expect(readdirSync(real)).toEqual([]);
  });

  it('refuses symlinked run files and never writes through them', async () => {
    const dir = newDir();
    const store = await open(dir);
    await store.initRun('anchor', 'f', {});
    const secret = join(root, `secret-${n++}.json`);
    writeFileSync(secret, JSON.stringify(sampleRun('victim', Date.now())));
    symlinkSync(secret, join(dir, 'victim.json'));
    await expectStoreError(store.getRun('victim'), 'corruption');
    await expectStoreError(store.setRunStatus('victim', 'failed'), 'corruption');
    await expectStoreError(store.initRun('victim', 'f', {}), 'conflict');
    // a symlinked journal is refused too
    await store.initRun('jr', 'f', {});
    await store.flush();
    symlinkSync(secret, join(dir, 'jr.journal.jsonl'));
    await store.upsertTask('jr', task('a', 'running'));
    await expectStoreError(store.flush(), 'corruption');
    expect(JSON.parse(readFileSync(secret, 'utf8')).id).toBe('victim');
  });

  it('rejects traversal ids without touching files outside the store', async () => {
    const base = join(root, `trav-${n++}`);
    const dir = join(base, 'runs');
    const store = await open(dir);
    await store.initRun('inside', 'f', {});
    const outside = join(base, 'outside.json');
    writeFileSync(outside, JSON.stringify(sampleRun('outside', Date.now())));
    for (const id of [...BAD_IDS, '../outside', '..%2Foutside', `${dir}/../outside`]) {
      await expectStoreError(store.deleteRun(id), 'invalid_input');
      await expectStoreError(store.getRun(id), 'invalid_input');
      await expectStoreError(store.setRunStatus(id, 'failed'), 'invalid_input');
      await expectStoreError(store.initRun(id, 'f', {}), 'invalid_input');
    }
    expect(existsSync(outside)).toBe(true);
    expect(JSON.parse(readFileSync(outside, 'utf8')).status).toBe('success');
  });

  it('replays the journal of a crashed process and lets another process finish the run', async () => {
    const dir = newDir();
    const crashed = await open(dir);
    await crashed.initRun('crash', 'f', { a: 1 });
    // the run file is written by the first batch; later changes go to the journal
    await crashed.flush();
    await crashed.setRunStatus('crash', 'running');
    for (let i = 0; i < 50; i++) await crashed.upsertTask('crash', task(`s${i}`, 'pending', { attempt: 0 }));
    await crashed.upsertTask('crash', task('s0', 'success', { output: { x: 1 } }));
    await crashed.updateCtx('crash', { x: 1 });
    await crashed.flush();
    // the process dies here: no terminal status, no close
    expect(existsSync(join(dir, 'crash.journal.jsonl'))).toBe(true);
    const onDisk = JSON.parse(readFileSync(join(dir, 'crash.json'), 'utf8'));
    expect(onDisk.status).toBe('pending');
    expect(onDisk.tasks).toEqual({});

    const next = await open(dir);
    const run = await next.getRun('crash');
    expect(run.status).toBe('running');
    expect(Object.keys(run.tasks)).toHaveLength(50);
    expect(run.tasks.s0).toMatchObject({ status: 'success', output: { x: 1 } });
    expect(run.ctx).toEqual({ a: 1, x: 1 });
    expect((await next.listRuns({ status: 'running' })).runs).toMatchObject([
      { id: 'crash', task_count: 50 },
    ]);
    // a server start marks it stalled: compaction folds the journal into the file
    await next.setRunStatus('crash', 'stalled');
    expect(existsSync(join(dir, 'crash.journal.jsonl'))).toBe(false);
    const final = JSON.parse(readFileSync(join(dir, 'crash.json'), 'utf8'));
    expect(final.status).toBe('stalled');
    expect(final.finished).toMatch(/Z$/);
    expect(Object.keys(final.tasks)).toHaveLength(50);
    expect((await next.listRuns({ status: 'stalled' })).runs.map((r) => r.id)).toEqual(['crash']);
  });

  it('does not inherit the journal of a run file deleted by hand', async () => {
    const dir = newDir();
    const a = await open(dir);
    await a.initRun('reused', 'f', {});
    await a.setRunStatus('reused', 'running');
    await a.upsertTask('reused', task('old', 'success'));
    await a.flush();
    rmSync(join(dir, 'reused.json'));
    const b = await open(dir);
    await b.initRun('reused', 'g', { fresh: true });
    await b.setRunStatus('reused', 'running');
    await b.flush();
    const c = await open(dir);
    const run = await c.getRun('reused');
    expect(run).toMatchObject({ flow_name: 'g', status: 'running', ctx: { fresh: true }, tasks: {} });
  });

  it('ignores a torn last journal line', async () => {
    const dir = newDir();
    const a = await open(dir);
    await a.initRun('torn', 'f', {});
    await a.setRunStatus('torn', 'running');
    await a.upsertTask('torn', task('one', 'success'));
    await a.flush();
    appendFileSync(join(dir, 'torn.journal.jsonl'), '{"op":"task","task":{"name":"two","sta');
    const b = await open(dir);
    const run = await b.getRun('torn');
    expect(Object.keys(run.tasks)).toEqual(['one']);
    // writing after a torn line starts on a new line, and the result reads back
    await b.upsertTask('torn', task('three', 'success'));
    await b.flush();
    const c = await open(dir);
    expect(Object.keys((await c.getRun('torn')).tasks)).toEqual(['one', 'three']);
  });

  it('skips a corrupted run file in listings and reports corruption on get', async () => {
    const dir = newDir();
    const store = await open(dir);
    await store.initRun('good', 'f', {});
    await store.initRun('bad', 'f', {});
    await store.setRunStatus('bad', 'success');
    writeFileSync(join(dir, 'bad.json'), '{"id": "bad", "status": "succ');
    writeFileSync(join(dir, 'junk.json'), 'not json at all');
    writeFileSync(join(dir, 'README.txt'), 'hello');
    expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(['good']);
    const err = await expectStoreError(store.getRun('bad'), 'corruption');
    expect(err.message).toContain('bad.json');
    await expectStoreError(store.getRun('junk'), 'corruption');
    // a fresh store (index rebuilt from the files) skips them too
    rmSync(join(dir, '.index'), { recursive: true });
    const again = await open(dir);
    expect((await again.listRuns()).runs.map((r) => r.id)).toEqual(['good']);
    // deleting a corrupted run works
    expect(await again.deleteRun('bad')).toBe(true);
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
  });

  it('lists a missing directory as empty and refuses a file as the root', async () => {
    const store = await open(join(root, 'does', 'not', 'exist'));
    expect(await store.listRuns()).toEqual({ runs: [] });
    await expectStoreError(store.getRun('nothing'), 'not_found');
    expect(await store.deleteRun('nothing')).toBe(false);
    const file = join(root, `file-${n++}`);
    writeFileSync(file, 'x');
    await expectStoreError(new JsonStore(file).open(), 'backend');
  });

  it('builds the index for a directory of run files written by hand (v1.8 layout)', async () => {
    const dir = newDir();
    mkdirSync(dir, { recursive: true });
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 30; i++) {
      const r = sampleRun(`legacy-${i}`, base + i * 1000, { status: i % 2 ? 'failed' : 'success' });
      writeFileSync(join(dir, `legacy-${i}.json`), JSON.stringify(r, null, 2));
    }
    const store = await open(dir);
    const page = await store.listRuns({ limit: 10 });
    expect(page.runs.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `legacy-${29 - i}`));
    expect((await store.listRuns({ status: 'failed', limit: 100 })).runs).toHaveLength(15);
    // a file added later by hand shows once the index is rebuilt
    writeFileSync(join(dir, 'late.json'), JSON.stringify(sampleRun('late', base + 999_999)));
    await store.reindex();
    expect((await store.listRuns({ limit: 1 })).runs[0]!.id).toBe('late');
  });

  it('keeps listing exact while the index log is folded into new snapshots', async () => {
    const dir = newDir();
    const store = await open(dir, { indexCompactBytes: 4096 });
    const base = Date.parse('2026-02-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const id = `fold-${String(i).padStart(3, '0')}`;
      ids.push(id);
      // scrambled start times
      await store.importRun(sampleRun(id, base + ((i * 7919) % 300) * 1000, { status: 'running' }));
    }
    for (let i = 0; i < 300; i += 3) await store.setRunStatus(ids[i]!, 'failed');
    for (let i = 0; i < 300; i += 10) await store.deleteRun(ids[i]!);
    await store.flush();
    const logs = readdirSync(join(dir, '.index')).filter((f) => f.startsWith('log-'));
    expect(logs).toHaveLength(1);
    const expected = ids
      .map((id, i) => ({ id, i, k: base + ((i * 7919) % 300) * 1000 }))
      .filter((r) => r.i % 10 !== 0)
      .sort((a, b) => b.k - a.k);
    const walk = async (status?: 'failed' | 'running') => {
      const got: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listRuns({ status, limit: 17, cursor });
        got.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      return got;
    };
    expect(await walk()).toEqual(expected.map((r) => r.id));
    expect(await walk('failed')).toEqual(expected.filter((r) => r.i % 3 === 0).map((r) => r.id));
    expect(await walk('running')).toEqual(expected.filter((r) => r.i % 3 !== 0).map((r) => r.id));
    // a cursor taken before the index is folded again still continues correctly
    const first = await store.listRuns({ limit: 50 });
    for (let i = 0; i < 40; i++) await store.importRun(sampleRun(`old-${i}`, base - 1_000_000 - i, {}));
    await store.flush();
    const rest: string[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await store.listRuns({ limit: 50, cursor });
      rest.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
    }
    expect([...first.runs.map((r) => r.id), ...rest]).toEqual([
      ...expected.map((r) => r.id),
      ...Array.from({ length: 40 }, (_, i) => `old-${i}`),
    ]);
  });

  it('lists a run changed behind the store by what its file now says', async () => {
    const dir = newDir();
    const store = await open(dir);
    await store.initRun('edited', 'f', {});
    await store.setRunStatus('edited', 'success');
    const run = JSON.parse(readFileSync(join(dir, 'edited.json'), 'utf8'));
    run.status = 'failed';
    run.flow_name = 'renamed-flow';
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(run, null, 2));
    expect((await store.listRuns()).runs[0]).toMatchObject({
      id: 'edited',
      status: 'failed',
      flow_name: 'renamed-flow',
    });
    expect((await store.listRuns({ status: 'success' })).runs).toEqual([]);
    rmSync(join(dir, 'edited.json'));
    expect((await store.listRuns()).runs).toEqual([]);
  });

  it('reports a failed journal write on the next call and on flush, and recovers at the terminal status', async () => {
    const dir = newDir();
    const store = await open(dir);
    await store.initRun('ro', 'f', {});
    await store.flush();
    // make the journal path unusable: a directory where the journal file should be
    mkdirSync(join(dir, 'ro.journal.jsonl'));
    await store.setRunStatus('ro', 'running');
    await store.upsertTask('ro', task('a', 'running'));
    const err = await expectStoreError(store.flush(), 'backend');
    expect(err.message).toContain('JSON store');
    rmSync(join(dir, 'ro.journal.jsonl'), { recursive: true });
    // the next call on the run reports the failure once; later calls go through
    await store.upsertTask('ro', task('a', 'success'));
    await store.setRunStatus('ro', 'stalled');
    const fresh = await open(dir);
    const run = await fresh.getRun('ro');
    expect(run.status).toBe('stalled');
    expect(run.tasks.a!.status).toBe('success');
  });

  it('removes child files and sidecars on cascading delete', async () => {
    const dir = newDir();
    const store = await open(dir);
    await store.initRun('p', 'f', {});
    await store.initRun('c1', 'f', {}, { parent_run_id: 'p', parent_step: 'x' });
    await store.initRun('c2', 'f', {}, { parent_run_id: 'c1', parent_step: 'y' });
    await store.setRunStatus('c1', 'running');
    await store.upsertTask('c1', task('t', 'running'));
    await store.flush();
    expect(await store.deleteRun('p')).toBe(true);
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect((await store.listRuns()).runs).toEqual([]);
  });
});
