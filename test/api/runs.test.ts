// Runs: listing with pagination, read, delete, bad ids (400 before the store), 404/405, errors with an
// error id, concurrent runs, wait:false, SSE, idempotency, the run cap.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JsonStore } from '../../src/store/json.js';
import type { StateStore } from '../../src/store/types.js';
import { StoreError } from '../../src/util/errors.js';
import { call, delayFlow, readSse, startServer, type TestServer, THREE_STEPS, tempDir } from './helpers.js';

/** A store that counts calls per method and can be told to fail. */
function spyStore(inner: StateStore) {
  const calls: Record<string, number> = {};
  let failGetRun = false;
  const proxy = new Proxy(inner, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        if (prop === 'getRun' && failGetRun) {
          return Promise.reject(
            new StoreError('backend', 'JSON store at /very/secret/path: EIO: disk on fire reading run x'),
          );
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls, setFail: (f: boolean) => (failGetRun = f) };
}

let srv: TestServer;
let spy: ReturnType<typeof spyStore>;

beforeAll(async () => {
  const dir = tempDir('ironflow-api-runs-');
  spy = spyStore(await new JsonStore(dir).open());
  srv = await startServer({}, { store: spy.store, storeDir: dir });
});
afterAll(() => srv.stop());

const run = (body: unknown, headers?: Record<string, string>) =>
  call(srv.url, 'POST', '/flows/run', body, headers);

describe('runs', () => {
  test('list with status filter and cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await run({ source: THREE_STEPS, context: { name: `n${i}` } })).body.run_id);
    const failed = await run({
      source: 'local f = Flow.new("bad")\nf:step("x", function() error("e") end)\nreturn f',
    });
    const all: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/runs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(srv.url, 'GET', q);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(page.body.runs.length);
      expect(page.body.runs.length).toBeLessThanOrEqual(2);
      all.push(...page.body.runs.map((r: { id: string }) => r.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (const id of [...ids, failed.body.run_id]) expect(all).toContain(id);
    const onlyFailed = await call(srv.url, 'GET', '/runs?status=failed');
    expect(onlyFailed.body.runs.map((r: { id: string }) => r.id)).toContain(failed.body.run_id);
    expect(onlyFailed.body.runs.every((r: { status: string }) => r.status === 'failed')).toBe(true);
    const first = onlyFailed.body.runs[0];
    expect(Object.keys(first)).toEqual(['id', 'flow_name', 'status', 'started', 'finished', 'task_count']);
  });

  test('bad status, limit and cursor are 400', async () => {
    const s = await call(srv.url, 'GET', '/runs?status=done');
    expect(s.status).toBe(400);
    expect(s.body).toEqual({
      error: "Invalid status 'done'. Use: pending, running, success, failed, stalled, cancelled",
      code: 'bad_request',
    });
    expect((await call(srv.url, 'GET', '/runs?limit=0')).status).toBe(400);
    expect((await call(srv.url, 'GET', '/runs?limit=abc')).status).toBe(400);
    const c = await call(srv.url, 'GET', '/runs?cursor=%21%21');
    expect(c.status).toBe(400);
    expect(c.body.code).toBe('bad_request');
  });

  test('get and delete', async () => {
    const id = (await run({ source: THREE_STEPS })).body.run_id;
    const got = await call(srv.url, 'GET', `/runs/${id}`);
    expect(got.body).toMatchObject({ id, flow_name: 'three_steps', status: 'success' });
    const del = await call(srv.url, 'DELETE', `/runs/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ deleted: id });
    const again = await call(srv.url, 'DELETE', `/runs/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: `Run '${id}' not found`, code: 'not_found' });
    const gone = await call(srv.url, 'GET', `/runs/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: `Run '${id}' not found`, code: 'not_found' });
  });

  test('invalid run ids are 400 without touching the store (IF-014)', async () => {
    const victim = join(srv.storeDir, '..', 'victim.json');
    writeFileSync(victim, '{}');
    const before = { ...spy.calls };
    for (const id of ['..%2F..%2Fvictim', '..%2Fvictim', 'a%20b', '-abc', 'x'.repeat(129), 'a.b', 'a%00b']) {
      for (const [m, suffix] of [
        ['GET', ''],
        ['DELETE', ''],
        ['GET', '/events'],
      ] as const) {
        const r = await call(srv.url, m, `/runs/${id}${suffix}`);
        expect(r.status, `${m} ${id}${suffix}`).toBe(400);
        expect(r.body.code).toBe('bad_request');
        expect(r.body.error).toMatch(/^Invalid run id/);
      }
    }
    expect(spy.calls.getRun ?? 0).toBe(before.getRun ?? 0);
    expect(spy.calls.deleteRun ?? 0).toBe(before.deleteRun ?? 0);
    expect(existsSync(victim)).toBe(true);
  });

  test('a store failure is a 500 with an error id and no detail (IF-013)', async () => {
    spy.setFail(true);
    try {
      const r = await call(srv.url, 'GET', '/runs/abc');
      expect(r.status).toBe(500);
      expect(r.body).toEqual({
        error: 'Internal server error',
        code: 'internal_error',
        error_id: expect.any(String),
      });
      expect(r.headers.get('x-error-id')).toBe(r.body.error_id);
      expect(r.text).not.toContain('secret');
      expect(r.text).not.toContain('EIO');
      expect(srv.logs.some((l) => l.includes(r.body.error_id) && l.includes('disk on fire'))).toBe(true);
    } finally {
      spy.setFail(false);
    }
  });

  test('unknown paths are 404, wrong methods 405, both JSON', async () => {
    const a = await call(srv.url, 'GET', '/nope');
    expect(a.status).toBe(404);
    expect(a.body.code).toBe('not_found');
    const b = await call(srv.url, 'GET', '/flows/run');
    expect(b.status).toBe(405);
    expect(b.body.code).toBe('method_not_allowed');
    expect(b.headers.get('allow')).toBe('POST');
    const c = await call(srv.url, 'PUT', '/runs/abc');
    expect(c.status).toBe(405);
    expect(c.headers.get('allow')).toContain('DELETE');
  });

  test('GET /nodes, /health and /openapi.json', async () => {
    const n = await call(srv.url, 'GET', '/nodes');
    expect(n.status).toBe(200);
    expect(n.body.total).toBe(n.body.nodes.length);
    const names = n.body.nodes.map((x: { node_type: string }) => x.node_type);
    expect(names).toEqual([...names].sort());
    const log = n.body.nodes.find((x: { node_type: string }) => x.node_type === 'log');
    expect(log.description).toEqual(expect.any(String));
    expect(log.parameters.properties.message).toBeDefined();
    const h = await call(srv.url, 'GET', '/health');
    expect(h.body).toEqual({ status: 'ok', version: expect.any(String) });
    const doc = await call(srv.url, 'GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/flows/run',
        '/flows/validate',
        '/runs',
        '/runs/{id}',
        '/runs/{id}/events',
        '/webhooks/{name}',
      ]),
    );
    // The document carries the very schema the route validates with.
    const { FlowRunBody } = await import('../../src/api/schemas.js');
    expect(doc.body.paths['/flows/run'].post.requestBody.content['application/json'].schema).toEqual(
      FlowRunBody,
    );
  });
});

describe('execution', () => {
  test('concurrent runs all succeed and are all recorded', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => run({ source: THREE_STEPS, context: { name: `c${i}` } })),
    );
    for (const r of results) expect(r.body.status).toBe('success');
    const ids = new Set(results.map((r) => r.body.run_id));
    expect(ids.size).toBe(24);
    for (const id of ids) expect((await srv.store.getRun(id)).status).toBe('success');
  });

  test('wait: false answers 202 at once; the run finishes in the background', async () => {
    const t0 = Date.now();
    const r = await run({ source: delayFlow(0.5), wait: false });
    expect(r.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(450);
    expect(r.body).toEqual({ run_id: expect.any(String), flow_name: 'slow', status: 'pending' });
    const early = await call(srv.url, 'GET', `/runs/${r.body.run_id}`);
    expect(early.status).toBe(200);
    expect(['pending', 'running']).toContain(early.body.status);
    let status = early.body.status;
    for (let i = 0; i < 100 && status !== 'success'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      status = (await call(srv.url, 'GET', `/runs/${r.body.run_id}`)).body.status;
    }
    expect(status).toBe('success');
  });

  test('deleting a run that is still running is 409', async () => {
    const r = await run({ source: delayFlow(0.4), wait: false });
    const del = await call(srv.url, 'DELETE', `/runs/${r.body.run_id}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('conflict');
  });

  test('SSE: a live run streams its events in order and the stream ends', async () => {
    const src = `local f = Flow.new("sse")
f:step("a", nodes.delay({ seconds = 0.2 }))
f:step("b", function() error("bad") end):depends_on("a"):retries(1, 0.05)
f:step("c", nodes.log({ message = "never" })):depends_on("b")
return f`;
    const r = await run({ source: src, wait: false });
    const s = await readSse(`${srv.url}/runs/${r.body.run_id}/events`);
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/event-stream/);
    const seq = s.events.map((e) => (e.data.step ? `${e.event}:${e.data.step}` : e.event));
    expect(seq).toEqual([
      'run_started',
      'started:a',
      'succeeded:a',
      'started:b',
      'retried:b',
      'started:b',
      'failed:b',
      'skipped:c',
      'finished',
    ]);
    expect(s.events.at(-1)!.data.status).toBe('failed');
    // ids count up, so a client can resume with Last-Event-ID
    expect(s.events.map((e) => Number(e.id))).toEqual(s.events.map((_, i) => i + 1));
    const resumed = await readSse(`${srv.url}/runs/${r.body.run_id}/events`, { 'last-event-id': '7' });
    expect(resumed.events.map((e) => e.event)).toEqual(['skipped', 'finished']);
  });

  test('SSE: a finished run from the store sends its final state', async () => {
    const fresh = await startServer({}, { storeDir: srv.storeDir, keepStore: true, stallAbandoned: false });
    try {
      const done = await run({ source: THREE_STEPS });
      // a second server on the same store does not have the run live: it reads the record
      const s = await readSse(`${fresh.url}/runs/${done.body.run_id}/events`);
      expect(s.events.map((e) => (e.data.step ? `${e.event}:${e.data.step}` : e.event))).toEqual([
        'run_started',
        'succeeded:greet',
        'succeeded:say',
        'succeeded:shout',
        'finished',
      ]);
      const missing = await call(fresh.url, 'GET', '/runs/0000-missing/events');
      expect(missing.status).toBe(404);
    } finally {
      await fresh.stop();
    }
  });

  test('SSE: a run of another process is followed by polling the store', async () => {
    const { overrideSetting } = await import('../../src/config/settings.js');
    overrideSetting('IRONFLOW_SSE_POLL_MS', 50);
    const other = await startServer({}, { storeDir: srv.storeDir, keepStore: true, stallAbandoned: false });
    overrideSetting('IRONFLOW_SSE_POLL_MS', undefined);
    try {
      const r = await run({ source: delayFlow(0.6, 'polled'), wait: false });
      const s = await readSse(`${other.url}/runs/${r.body.run_id}/events`);
      const names = s.events.map((e) => (e.data.step ? `${e.event}:${e.data.step}` : e.event));
      expect(names[0]).toBe('run_started');
      expect(names).toContain('succeeded:wait');
      expect(names.at(-1)).toBe('finished');
      expect(s.events.at(-1)!.data.status).toBe('success');
    } finally {
      await other.stop();
    }
  });

  test('Idempotency-Key: the same request returns the original run, once', async () => {
    const key = { 'idempotency-key': `k-${Date.now()}` };
    const body = { source: THREE_STEPS, context: { name: 'idem' } };
    const [a, b] = await Promise.all([run(body, key), run(body, key)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.run_id).toBe(a.body.run_id);
    const c = await run({ context: { name: 'idem' }, source: THREE_STEPS }, key);
    expect(c.body.run_id).toBe(a.body.run_id);
    expect(c.headers.get('idempotent-replayed')).toBe('true');
    const list = await call(srv.url, 'GET', '/runs?limit=1000&flow_name=three_steps');
    const sameCtx = [];
    for (const r of list.body.runs) {
      const full = await srv.store.getRun(r.id);
      if (full.ctx.name === 'idem') sameCtx.push(r.id);
    }
    expect(sameCtx).toEqual([a.body.run_id]);
    const other = await run({ source: THREE_STEPS, context: { name: 'different' } }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('unprocessable_entity');
    // wait:false replays its 202
    const k2 = { 'idempotency-key': `k2-${Date.now()}` };
    const w1 = await run({ source: THREE_STEPS, wait: false }, k2);
    const w2 = await run({ source: THREE_STEPS, wait: false }, k2);
    expect(w1.status).toBe(202);
    expect(w2.status).toBe(202);
    expect(w2.body.run_id).toBe(w1.body.run_id);
    // a request that failed before running is not remembered
    const k3 = { 'idempotency-key': `k3-${Date.now()}` };
    expect((await run({ source: 'nope(' }, k3)).status).toBe(400);
    expect((await run({ source: 'nope(' }, k3)).headers.get('idempotent-replayed')).toBeNull();
    expect((await run({ source: THREE_STEPS }, { 'idempotency-key': 'bad key with spaces' })).status).toBe(
      400,
    );
  });
});

describe('the run cap (IRONFLOW_MAX_CONCURRENT_RUNS)', () => {
  test('at capacity a run request is 503; it frees up after', async () => {
    const s = await startServer({ maxConcurrentRuns: 1 });
    try {
      const first = await call(s.url, 'POST', '/flows/run', { source: delayFlow(0.5), wait: false });
      expect(first.status).toBe(202);
      const second = await call(s.url, 'POST', '/flows/run', { source: THREE_STEPS });
      expect(second.status).toBe(503);
      expect(second.body.code).toBe('service_unavailable');
      expect(second.headers.get('retry-after')).toBe('1');
      expect((await call(s.url, 'GET', '/health')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 900));
      const third = await call(s.url, 'POST', '/flows/run', { source: THREE_STEPS });
      expect(third.status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
