// The StateStore conformance suite: one set of tests run unchanged against every backend. A backend test
// file calls `storeConformance(backend)` inside its own setup (servers, temp dirs).
import { afterAll, describe, expect, it } from 'vitest';
import type { RunInfo, TaskState } from '../../src/engine/types.js';
import type { StateStore } from '../../src/store/types.js';
import { StoreError } from '../../src/util/errors.js';

export interface BackendHarness {
  kind: string;
  /** A store on a new, empty namespace (directory, file, table prefix, key prefix...). */
  create(): Promise<{ store: StateStore; reopen?: () => Promise<StateStore> }>;
  /** A counter of backend operations (e.g. Redis commands processed), to prove a call touched nothing. */
  touches?: () => Promise<number>;
}

export async function expectStoreError(p: Promise<unknown>, kind: StoreError['kind']): Promise<StoreError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a StoreError '${kind}'`).toBeInstanceOf(StoreError);
  expect((caught as StoreError).kind).toBe(kind);
  return caught as StoreError;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const BAD_IDS = [
  '',
  '../x',
  '..',
  '.',
  'a/b',
  'a\\b',
  '/etc/passwd',
  '../../outside',
  '-abc',
  'abc-',
  '_a',
  'a_',
  'a b',
  ' ab',
  'ab ',
  'a.json',
  'ä',
  'a\u0000b',
  'x'.repeat(129),
];

function task(name: string, status: TaskState['status'], extra: Partial<TaskState> = {}): TaskState {
  return { name, status, attempt: 0, node_type: 'log', ...extra };
}

/** A complete run for importRun, started at the given epoch milliseconds. */
export function sampleRun(id: string, startedMs: number | null, extra: Partial<RunInfo> = {}): RunInfo {
  const started = startedMs === null ? null : new Date(startedMs).toISOString();
  return {
    id,
    flow_name: 'sample',
    status: 'success',
    started,
    finished: startedMs === null ? null : new Date(startedMs + 500).toISOString(),
    ctx: { n: 1 },
    tasks: {
      a: {
        name: 'a',
        status: 'success',
        attempt: 1,
        node_type: 'log',
        output: { ok: true },
        started: started ?? undefined,
        finished: started ?? undefined,
      },
    },
    ...extra,
  } as RunInfo;
}

export function storeConformance(h: BackendHarness): void {
  const opened: StateStore[] = [];
  const fresh = async () => {
    const r = await h.create();
    opened.push(r.store);
    return r;
  };
  const freshStore = async () => (await fresh()).store;

  afterAll(async () => {
    for (const s of opened) await s.close().catch(() => {});
  });

  describe(`StateStore conformance: ${h.kind}`, () => {
    it('creates a pending run with started, no finished, the context and no tasks', async () => {
      const store = await freshStore();
      expect(store.kind).toBe(h.kind);
      const before = Date.now();
      await store.initRun('run-1', 'greet', { user: 'Alice', nested: { a: [1, 2, []] }, empty: [] });
      const run = await store.getRun('run-1');
      expect(Object.keys(run)).toEqual(['id', 'flow_name', 'status', 'started', 'finished', 'ctx', 'tasks']);
      expect(run).toEqual({
        id: 'run-1',
        flow_name: 'greet',
        status: 'pending',
        started: run.started,
        finished: null,
        ctx: { user: 'Alice', nested: { a: [1, 2, []] }, empty: [] },
        tasks: {},
      });
      expect(run.started).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(Date.parse(run.started!)).toBeGreaterThanOrEqual(before - 1);
      expect(await store.getCtx('run-1')).toEqual({ user: 'Alice', nested: { a: [1, 2, []] }, empty: [] });
    });

    it('records parent links of child runs', async () => {
      const store = await freshStore();
      await store.initRun('parent-1', 'outer', {});
      await store.initRun('child-1', 'inner', { x: 1 }, { parent_run_id: 'parent-1', parent_step: 'sub' });
      const child = await store.getRun('child-1');
      expect(child.parent_run_id).toBe('parent-1');
      expect(child.parent_step).toBe('sub');
      const parent = await store.getRun('parent-1');
      expect('parent_run_id' in parent).toBe(false);
      const page = await store.listRuns({ parentRunId: 'parent-1' });
      expect(page.runs.map((r) => r.id)).toEqual(['child-1']);
      expect(page.runs[0]).toMatchObject({
        parent_run_id: 'parent-1',
        parent_step: 'sub',
        flow_name: 'inner',
      });
    });

    it('never overwrites an existing run on create (conflict)', async () => {
      const store = await freshStore();
      await store.initRun('dup', 'first', { v: 1 });
      await store.setRunStatus('dup', 'running');
      const err = await expectStoreError(store.initRun('dup', 'second', { v: 2 }), 'conflict');
      expect(err.message).toContain('dup');
      const run = await store.getRun('dup');
      expect(run.flow_name).toBe('first');
      expect(run.status).toBe('running');
      expect(run.ctx).toEqual({ v: 1 });
    });

    it('stamps finished on the first terminal status only (IF-052g)', async () => {
      const store = await freshStore();
      await store.initRun('r', 'f', {});
      await store.setRunStatus('r', 'running');
      expect((await store.getRun('r')).finished).toBeNull();
      await store.setRunStatus('r', 'success');
      const first = await store.getRun('r');
      expect(first.status).toBe('success');
      expect(first.finished).toMatch(/Z$/);
      await sleep(5);
      await store.setRunStatus('r', 'stalled');
      const second = await store.getRun('r');
      expect(second.status).toBe('stalled');
      expect(second.finished).toBe(first.finished);
      await store.setRunStatus('r', 'cancelled');
      expect((await store.getRun('r')).finished).toBe(first.finished);
    });

    it('replaces tasks by name, keeps first-write order and the member order of CORE 4.8', async () => {
      const store = await freshStore();
      await store.initRun('t', 'f', {});
      const names = ['zeta', 'alpha', 'mid', 'beta'];
      for (const n of names) await store.upsertTask('t', task(n, 'pending'));
      await store.upsertTask('t', {
        finished: '2026-01-01T00:00:02.000Z',
        started: '2026-01-01T00:00:01.000Z',
        output: { msg: 'hi', list: [] },
        node_type: 'log',
        attempt: 1,
        status: 'success',
        name: 'alpha',
      });
      await store.upsertTask('t', task('mid', 'failed', { attempt: 2, error: 'boom', started: 'x' }));
      // a fresh record replaces the old one: earlier output/error are gone
      await store.upsertTask(
        't',
        task('mid', 'running', { attempt: 3, started: '2026-01-01T00:00:03.000Z' }),
      );
      const run = await store.getRun('t');
      expect(Object.keys(run.tasks)).toEqual(names);
      expect(Object.keys(run.tasks.alpha!)).toEqual([
        'name',
        'status',
        'attempt',
        'node_type',
        'output',
        'started',
        'finished',
      ]);
      expect(run.tasks.alpha).toEqual({
        name: 'alpha',
        status: 'success',
        attempt: 1,
        node_type: 'log',
        output: { msg: 'hi', list: [] },
        started: '2026-01-01T00:00:01.000Z',
        finished: '2026-01-01T00:00:02.000Z',
      });
      expect(run.tasks.mid).toEqual({
        name: 'mid',
        status: 'running',
        attempt: 3,
        node_type: 'log',
        started: '2026-01-01T00:00:03.000Z',
      });
      expect(run.tasks.zeta).toEqual({ name: 'zeta', status: 'pending', attempt: 0, node_type: 'log' });
    });

    it('gives skipped and cancelled tasks a finished time', async () => {
      const store = await freshStore();
      await store.initRun('s', 'f', {});
      await store.upsertTask('s', task('skip', 'skipped'));
      await store.upsertTask('s', task('cancel', 'cancelled'));
      await store.upsertTask('s', task('kept', 'skipped', { finished: '2026-02-02T00:00:00.000Z' }));
      const run = await store.getRun('s');
      expect(run.tasks.skip!.finished).toMatch(/Z$/);
      expect(run.tasks.cancel!.finished).toMatch(/Z$/);
      expect(run.tasks.kept!.finished).toBe('2026-02-02T00:00:00.000Z');
      expect('input' in run.tasks.skip!).toBe(false);
      expect('error' in run.tasks.skip!).toBe(false);
    });

    it('shallow-merges context updates', async () => {
      const store = await freshStore();
      await store.initRun('c', 'f', { a: 1, nested: { x: 1, y: 2 }, keep: 'yes' });
      await store.updateCtx('c', { a: 2, nested: { z: 3 }, added: [1, { b: null }] });
      await store.updateCtx('c', { 'strange key': 'ü €', _route_check: 'yes' });
      const ctx = await store.getCtx('c');
      expect(ctx).toEqual({
        a: 2,
        nested: { z: 3 },
        keep: 'yes',
        added: [1, { b: null }],
        'strange key': 'ü €',
        _route_check: 'yes',
      });
      expect((await store.getRun('c')).ctx).toEqual(ctx);
    });

    it('fails with not_found on a missing run and deletes idempotently', async () => {
      const store = await freshStore();
      await expectStoreError(store.getRun('missing'), 'not_found');
      await expectStoreError(store.getCtx('missing'), 'not_found');
      await expectStoreError(store.setRunStatus('missing', 'running'), 'not_found');
      await expectStoreError(store.upsertTask('missing', task('a', 'pending')), 'not_found');
      await expectStoreError(store.updateCtx('missing', { a: 1 }), 'not_found');
      expect(await store.deleteRun('missing')).toBe(false);
      await store.initRun('here', 'f', {});
      expect(await store.deleteRun('here')).toBe(true);
      expect(await store.deleteRun('here')).toBe(false);
      await expectStoreError(store.getRun('here'), 'not_found');
      expect((await store.listRuns()).runs).toEqual([]);
      // the id can be used again after deletion
      await store.initRun('here', 'again', {});
      expect((await store.getRun('here')).flow_name).toBe('again');
    });

    it('rejects invalid run ids with invalid_input before touching the backend', async () => {
      const store = await freshStore();
      await store.initRun('ok-1', 'f', {});
      const before = h.touches ? await h.touches() : 0;
      for (const id of BAD_IDS) {
        await expectStoreError(store.initRun(id, 'f', {}), 'invalid_input');
        await expectStoreError(store.getRun(id), 'invalid_input');
        await expectStoreError(store.getCtx(id), 'invalid_input');
        await expectStoreError(store.setRunStatus(id, 'failed'), 'invalid_input');
        await expectStoreError(store.upsertTask(id, task('a', 'pending')), 'invalid_input');
        await expectStoreError(store.updateCtx(id, { a: 1 }), 'invalid_input');
        await expectStoreError(store.deleteRun(id), 'invalid_input');
        await expectStoreError(store.listRuns({ parentRunId: id }), 'invalid_input');
      }
      await expectStoreError(store.initRun('child', 'f', {}, { parent_run_id: '../etc' }), 'invalid_input');
      if (h.touches) {
        // one extra operation for the probe itself at most
        expect((await h.touches()) - before).toBeLessThanOrEqual(1);
      }
      // valid edge cases
      await store.initRun('a', 'f', {});
      await store.initRun('x'.repeat(128), 'f', {});
      await store.initRun('A-b_9', 'f', {});
      expect((await store.getRun('x'.repeat(128))).id).toHaveLength(128);
    });

    it('rejects invalid statuses, tasks, contexts and queries', async () => {
      const store = await freshStore();
      await store.initRun('v', 'f', {});
      await expectStoreError(store.setRunStatus('v', 'done' as never), 'invalid_input');
      await expectStoreError(
        store.upsertTask('v', { name: '', status: 'pending' } as never),
        'invalid_input',
      );
      await expectStoreError(store.upsertTask('v', task('a', 'weird' as never)), 'invalid_input');
      await expectStoreError(store.upsertTask('v', task('a', 'running', { attempt: -1 })), 'invalid_input');
      await expectStoreError(store.updateCtx('v', [1, 2] as never), 'invalid_input');
      await expectStoreError(store.updateCtx('v', { big: 10n } as never), 'invalid_input');
      await expectStoreError(store.listRuns({ status: 'nope' as never }), 'invalid_input');
      await expectStoreError(store.listRuns({ cursor: 'garbage!' }), 'invalid_input');
      await expectStoreError(store.listRuns({ cursor: 'eyJ4IjoxfQ' }), 'invalid_input');
      await expectStoreError(store.listRuns({ limit: 0 }), 'invalid_input');
      await expectStoreError(store.listRuns({ since: 'yesterday' }), 'invalid_input');
      expect((await store.getRun('v')).status).toBe('pending');
    });

    it('deletes child runs recursively with their parent', async () => {
      const store = await freshStore();
      await store.initRun('root', 'f', {});
      await store.initRun('kid-a', 'f', {}, { parent_run_id: 'root', parent_step: 's1' });
      await store.initRun('kid-b', 'f', {}, { parent_run_id: 'root', parent_step: 's2' });
      await store.initRun('grandkid', 'f', {}, { parent_run_id: 'kid-a', parent_step: 's' });
      await store.initRun('other', 'f', {});
      await store.initRun('other-kid', 'f', {}, { parent_run_id: 'other' });
      await store.upsertTask('grandkid', task('x', 'success'));
      expect(await store.deleteRun('root')).toBe(true);
      for (const id of ['root', 'kid-a', 'kid-b', 'grandkid']) {
        await expectStoreError(store.getRun(id), 'not_found');
      }
      expect((await store.getRun('other')).id).toBe('other');
      expect((await store.getRun('other-kid')).id).toBe('other-kid');
      const ids = (await store.listRuns()).runs.map((r) => r.id).sort();
      expect(ids).toEqual(['other', 'other-kid']);
      expect((await store.listRuns({ parentRunId: 'root' })).runs).toEqual([]);
      expect(await store.deleteRun('root')).toBe(false);
    });

    it('lists newest started first, filtered and paginated in the backend', async () => {
      const store = await freshStore();
      if (!store.importRun) throw new Error('importRun is required');
      const base = Date.parse('2026-03-01T00:00:00.000Z');
      const statuses = ['success', 'failed', 'running', 'stalled'] as const;
      const flows = ['alpha', 'beta', 'gamma'];
      const all: RunInfo[] = [];
      for (let i = 0; i < 37; i++) {
        const r = sampleRun(`run-${String(i).padStart(3, '0')}`, base + i * 60_000, {
          status: statuses[i % 4],
          flow_name: flows[i % 3],
        });
        if (i % 5 === 0 && i > 0) {
          r.parent_run_id = 'run-000';
          r.parent_step = 'spawn';
        }
        all.push(r);
      }
      // equal started: ties go to the larger id first
      all.push(sampleRun('tie-a', base + 10 * 60_000, { status: 'success', flow_name: 'alpha' }));
      all.push(sampleRun('tie-b', base + 10 * 60_000, { status: 'success', flow_name: 'alpha' }));
      // no started: listed last
      all.push(sampleRun('nostart', null, { status: 'pending', flow_name: 'alpha', finished: null }));
      // insert in a scrambled order
      const order = all.map((_, i) => (i * 17) % all.length);
      for (const i of order) await store.importRun(all[i]!);

      const expected = [...all]
        .map((r) => ({ id: r.id, k: r.started === null ? -Infinity : Date.parse(r.started) }))
        .sort((a, b) => (a.k !== b.k ? b.k - a.k : a.id < b.id ? 1 : -1))
        .map((r) => r.id);

      const first = await store.listRuns();
      expect(first.runs.map((r) => r.id)).toEqual(expected);
      expect(first.nextCursor).toBeUndefined();
      const s0 = first.runs.find((r) => r.id === 'run-005')!;
      expect(Object.keys(s0).sort()).toEqual(
        [
          'id',
          'flow_name',
          'status',
          'started',
          'finished',
          'task_count',
          'parent_run_id',
          'parent_step',
        ].sort(),
      );
      expect(s0).toEqual({
        id: 'run-005',
        flow_name: 'gamma',
        status: 'failed',
        started: new Date(base + 5 * 60_000).toISOString(),
        finished: new Date(base + 5 * 60_000 + 500).toISOString(),
        task_count: 1,
        parent_run_id: 'run-000',
        parent_step: 'spawn',
      });
      expect(first.runs.at(-1)).toMatchObject({ id: 'nostart', started: null, finished: null });

      // pagination: every run exactly once, in order
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listRuns({ limit: 7, cursor });
        expect(page.runs.length).toBeLessThanOrEqual(7);
        seen.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 7));

      // filters, alone and combined, with pagination
      const check = async (q: Parameters<StateStore['listRuns']>[0], pred: (r: RunInfo) => boolean) => {
        const want = expected.filter((id) => pred(all.find((r) => r.id === id)!));
        const got: string[] = [];
        let c: string | undefined;
        do {
          const page = await store.listRuns({ ...q, limit: 3, cursor: c });
          got.push(...page.runs.map((r) => r.id));
          c = page.nextCursor;
        } while (c);
        expect(got).toEqual(want);
        expect(want.length).toBeGreaterThan(0);
      };
      const t = (r: RunInfo) => (r.started === null ? Number.NaN : Date.parse(r.started));
      await check({ status: 'failed' }, (r) => r.status === 'failed');
      await check({ flowName: 'beta' }, (r) => r.flow_name === 'beta');
      await check(
        { status: 'success', flowName: 'alpha' },
        (r) => r.status === 'success' && r.flow_name === 'alpha',
      );
      await check({ parentRunId: 'run-000' }, (r) => r.parent_run_id === 'run-000');
      await check(
        { parentRunId: 'run-000', status: 'failed' },
        (r) => r.parent_run_id === 'run-000' && r.status === 'failed',
      );
      const since = new Date(base + 20 * 60_000).toISOString();
      const until = new Date(base + 30 * 60_000).toISOString();
      await check({ since }, (r) => t(r) >= base + 20 * 60_000);
      await check({ until }, (r) => t(r) < base + 30 * 60_000);
      await check({ since, until, status: 'stalled' }, (r) => {
        const ms = t(r);
        return ms >= base + 20 * 60_000 && ms < base + 30 * 60_000 && r.status === 'stalled';
      });
      expect((await store.listRuns({ flowName: 'nope' })).runs).toEqual([]);
      expect((await store.listRuns({ status: 'cancelled' })).runs).toEqual([]);
      // default page size 50; larger limits are capped
      const big = await store.listRuns({ limit: 5000 });
      expect(big.runs).toHaveLength(expected.length);
    });

    it('lists runs created with initRun newest first and follows status changes', async () => {
      const store = await freshStore();
      for (const id of ['first', 'second', 'third']) {
        await store.initRun(id, 'order', {});
        await sleep(3);
      }
      expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(['third', 'second', 'first']);
      await store.setRunStatus('second', 'running');
      await store.upsertTask('second', task('a', 'running'));
      await store.upsertTask('second', task('b', 'pending'));
      expect((await store.listRuns({ status: 'running' })).runs.map((r) => r.id)).toEqual(['second']);
      expect((await store.listRuns({ status: 'pending' })).runs.map((r) => r.id)).toEqual(['third', 'first']);
      await store.setRunStatus('second', 'failed');
      const failed = await store.listRuns({ status: 'failed' });
      expect(failed.runs).toHaveLength(1);
      expect(failed.runs[0]).toMatchObject({ id: 'second', status: 'failed', task_count: 2 });
      expect(failed.runs[0]!.finished).toMatch(/Z$/);
      expect((await store.listRuns({ status: 'running' })).runs).toEqual([]);
      await store.deleteRun('third');
      expect((await store.listRuns({ status: 'pending' })).runs.map((r) => r.id)).toEqual(['first']);
    });

    it('imports complete runs as given and refuses to import over an existing one', async () => {
      const store = await freshStore();
      if (!store.importRun) throw new Error('importRun is required');
      const run = sampleRun('imp-1', Date.parse('2025-05-05T05:05:05.005Z'), {
        status: 'failed',
        parent_run_id: 'someone',
        parent_step: 'step',
        ctx: { deep: { list: [1, [2], {}] }, s: 'x' },
      });
      run.tasks.b = { name: 'b', status: 'skipped', attempt: 0, node_type: 'code', finished: run.finished! };
      await store.importRun(run);
      expect(await store.getRun('imp-1')).toEqual(run);
      await expectStoreError(store.importRun(run), 'conflict');
      await store.setRunStatus('imp-1', 'stalled');
      expect((await store.getRun('imp-1')).finished).toBe(run.finished);
    });

    it('keeps every write of concurrent runs in one process', async () => {
      const store = await freshStore();
      const ids = Array.from({ length: 40 }, (_, i) => `conc-${i}`);
      await Promise.all(ids.map((id) => store.initRun(id, 'conc', { id })));
      await Promise.all(
        ids.flatMap((id) => [
          store.setRunStatus(id, 'running'),
          ...Array.from({ length: 10 }, (_, j) =>
            store.upsertTask(id, task(`s${j}`, 'success', { attempt: 1 })),
          ),
          store.updateCtx(id, { [`k-${id}`]: true }),
        ]),
      );
      await Promise.all(ids.map((id) => store.setRunStatus(id, 'success')));
      await store.flush();
      for (const id of ids) {
        const run = await store.getRun(id);
        expect(run.status).toBe('success');
        expect(Object.keys(run.tasks)).toHaveLength(10);
        expect(run.ctx).toEqual({ id, [`k-${id}`]: true });
      }
      const page = await store.listRuns({ flowName: 'conc', limit: 100 });
      expect(page.runs).toHaveLength(40);
      expect(page.runs.every((r) => r.task_count === 10 && r.status === 'success')).toBe(true);
    });

    it('follows the engine lifecycle of a 2,000-step run', async () => {
      const store = await freshStore();
      await store.initRun('long', 'chain', { start: 1 });
      await store.setRunStatus('long', 'running');
      for (let i = 0; i < 2000; i++) await store.upsertTask('long', task(`step-${i}`, 'pending'));
      for (let i = 0; i < 2000; i++) {
        const started = new Date().toISOString();
        await store.upsertTask('long', task(`step-${i}`, 'running', { attempt: 1, started }));
        await store.upsertTask('long', {
          ...task(`step-${i}`, 'success', { attempt: 1, started, finished: new Date().toISOString() }),
          output: { i },
        });
      }
      const mid = await store.getRun('long');
      expect(mid.status).toBe('running');
      expect(Object.keys(mid.tasks)).toHaveLength(2000);
      await store.updateCtx('long', { done: true });
      await store.setRunStatus('long', 'success');
      await store.flush();
      const run = await store.getRun('long');
      expect(run.status).toBe('success');
      expect(Object.keys(run.tasks)[1999]).toBe('step-1999');
      expect(run.tasks['step-1234']!.output).toEqual({ i: 1234 });
      expect(run.ctx).toEqual({ start: 1, done: true });
      expect((await store.listRuns()).runs[0]).toMatchObject({ id: 'long', task_count: 2000 });
    });

    it('makes every accepted write visible to a new store instance after flush', async () => {
      const { store, reopen } = await fresh();
      if (!reopen) return; // non-persistent backend (memory)
      await store.initRun('p1', 'persist', { a: 1 });
      await store.setRunStatus('p1', 'running');
      await store.upsertTask('p1', task('one', 'success', { attempt: 1 }));
      await store.updateCtx('p1', { b: 2 });
      await store.initRun('p2', 'persist', {});
      await store.setRunStatus('p2', 'success');
      await store.flush();
      const other = await reopen();
      opened.push(other);
      const p1 = await other.getRun('p1');
      expect(p1).toMatchObject({ status: 'running', ctx: { a: 1, b: 2 } });
      expect(Object.keys(p1.tasks)).toEqual(['one']);
      expect((await other.getRun('p2')).status).toBe('success');
      expect((await other.listRuns({ flowName: 'persist' })).runs.map((r) => r.id).sort()).toEqual([
        'p1',
        'p2',
      ]);
      // the second instance can take over the run (as after a crash of the first)
      await other.upsertTask('p1', task('two', 'success', { attempt: 1 }));
      await other.setRunStatus('p1', 'success');
      await other.flush();
      const done = await other.getRun('p1');
      expect(done.status).toBe('success');
      expect(Object.keys(done.tasks)).toEqual(['one', 'two']);
    });

    it('refuses calls after close', async () => {
      const store = await freshStore();
      await store.initRun('z', 'f', {});
      await store.close();
      await expectStoreError(store.getRun('z'), 'backend');
      await expectStoreError(store.initRun('y', 'f', {}), 'backend');
      await store.close();
    });

    it('reports its kind and a location without credentials', async () => {
      const store = await freshStore();
      expect(store.kind).toBe(h.kind);
      expect(typeof store.location).toBe('string');
      expect(store.location).not.toMatch(/:[^:@/*]+@/);
    });
  });
}
