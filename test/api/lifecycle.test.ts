// Start-up and shutdown: runs left unfinished by a previous process are stalled (IF-043); a shutdown lets
// runs finish within the grace period and records the rest as stalled, never running; a runaway flow
// load never stops the server from answering (IF-038).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../src/config/settings.js';
import { JsonStore } from '../../src/store/json.js';
import { call, delayFlow, startServer, THREE_STEPS, tempDir } from './helpers.js';

afterAll(() => overrideSetting('IRONFLOW_LUA_MAX_SECONDS', undefined));

describe('start-up', () => {
  test('runs left pending or running are marked stalled, with finished set', async () => {
    const dir = tempDir('ironflow-api-zombie-');
    const store = await new JsonStore(dir).open();
    await store.initRun('zombie-running', 'z', {});
    await store.setRunStatus('zombie-running', 'running');
    await store.upsertTask('zombie-running', { name: 'a', status: 'running', attempt: 1, node_type: 'log' });
    await store.upsertTask('zombie-running', { name: 'b', status: 'pending', attempt: 0, node_type: 'log' });
    await store.initRun('zombie-pending', 'z', {});
    await store.initRun('done-ok', 'z', {});
    await store.setRunStatus('done-ok', 'success');
    await store.close();

    const srv = await startServer({}, { storeDir: dir });
    try {
      const r = await call(srv.url, 'GET', '/runs/zombie-running');
      expect(r.body.status).toBe('stalled');
      expect(r.body.finished).toEqual(expect.any(String));
      expect(r.body.tasks.a.status).toBe('cancelled');
      expect(r.body.tasks.b.status).toBe('cancelled');
      expect(r.body.tasks.a.finished).toEqual(expect.any(String));
      expect((await call(srv.url, 'GET', '/runs/zombie-pending')).body.status).toBe('stalled');
      expect((await call(srv.url, 'GET', '/runs/done-ok')).body.status).toBe('success');
      expect((await call(srv.url, 'GET', '/runs?status=running')).body.total).toBe(0);
    } finally {
      await srv.stop();
    }
  });
});

describe('shutdown', () => {
  test('runs that outlive the grace period are recorded as stalled; a waiting client gets that status', async () => {
    const dir = tempDir('ironflow-api-shutdown-');
    const srv = await startServer({}, { storeDir: dir, keepStore: true });
    const waiting = call(srv.url, 'POST', '/flows/run', { source: delayFlow(30, 'long_sync') });
    const bg = await call(srv.url, 'POST', '/flows/run', { source: delayFlow(30, 'long_bg'), wait: false });
    expect(bg.status).toBe(202);
    while (srv.server.api.runs.running < 2) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await srv.server.shutdown(200);
    expect(Date.now() - t0).toBeLessThan(5000);
    const sync = await waiting;
    expect(sync.status).toBe(200);
    expect(sync.body.status).toBe('stalled');
    // new connections are refused once shut down
    await expect(fetch(`${srv.url}/health`)).rejects.toThrow();
    const store = srv.store;
    const bgRun = await store.getRun(bg.body.run_id);
    expect(bgRun.status).toBe('stalled');
    expect(bgRun.finished).toEqual(expect.any(String));
    for (const t of Object.values(bgRun.tasks))
      expect(['cancelled', 'skipped', 'success']).toContain(t.status);
    const syncRun = await store.getRun(sync.body.run_id);
    expect(syncRun.status).toBe('stalled');
    await store.close();
    // a fresh store instance reads the same (nothing was left running on disk)
    const reread = await new JsonStore(dir).open();
    const page = await reread.listRuns({ status: 'running' });
    expect(page.runs).toEqual([]);
    await reread.close();
  });

  test('fire-and-forget child runs still going after the grace period are recorded as stalled', async () => {
    const flows = tempDir('ironflow-api-detached-');
    writeFileSync(join(flows, 'child.lua'), delayFlow(30, 'slow_child'));
    writeFileSync(
      join(flows, 'parent.lua'),
      `local flow = Flow.new("parent")
flow:step("spawn", nodes.subworkflow({ flow = "child.lua", wait = false }))
return flow`,
    );
    const srv = await startServer({ flowsDir: flows });
    const r = await call(srv.url, 'POST', '/flows/run', { file: 'parent.lua' });
    expect(r.body.status).toBe('success');
    const childId = (await srv.store.getRun(r.body.run_id)).ctx.subworkflow_run_id as string;
    expect((await srv.store.getRun(childId)).status).toBe('running');
    const t0 = Date.now();
    await srv.server.shutdown(300);
    expect(Date.now() - t0).toBeLessThan(5000);
    const child = await srv.store.getRun(childId);
    expect(child.status).toBe('stalled');
    expect(child.parent_run_id).toBe(r.body.run_id);
    await srv.stop();
  });

  test('runs that finish within the grace period end success', async () => {
    const srv = await startServer();
    const waiting = call(srv.url, 'POST', '/flows/run', { source: delayFlow(0.5, 'short') });
    while (srv.server.api.runs.running === 0) await new Promise((r) => setTimeout(r, 10));
    await srv.server.shutdown(10_000);
    const r = await waiting;
    expect(r.body.status).toBe('success');
    expect((await srv.store.getRun(r.body.run_id)).status).toBe('success');
    await srv.stop();
  });
});

describe('runaway Lua (IF-038)', () => {
  test('a `while true do end` flow is stopped within the budget while /health keeps answering', async () => {
    overrideSetting('IRONFLOW_LUA_MAX_SECONDS', 1.5);
    const srv = await startServer();
    try {
      const t0 = Date.now();
      const runaway = call(srv.url, 'POST', '/flows/run', {
        source: 'while true do end\nreturn Flow.new("never")',
      });
      const latencies: number[] = [];
      let settled = false;
      void runaway.finally(() => {
        settled = true;
      });
      while (!settled) {
        const s = performance.now();
        const h = await call(srv.url, 'GET', '/health');
        latencies.push(performance.now() - s);
        expect(h.status).toBe(200);
        await new Promise((r) => setTimeout(r, 20));
      }
      const r = await runaway;
      expect(Date.now() - t0).toBeLessThan(6000);
      expect(r.status).toBe(400);
      expect(r.body.error).toContain('IRONFLOW_LUA_MAX_SECONDS');
      expect(latencies.length).toBeGreaterThan(10);
      // The event loop stays free while the flow spins in a worker (the bench measures this precisely).
      const sorted = [...latencies].sort((a, b) => a - b);
      expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(50);
      // A step spinning in a code node does not block either.
      const step = call(srv.url, 'POST', '/flows/run', {
        source: 'local f = Flow.new("spin")\nf:step("s", function() while true do end end)\nreturn f',
      });
      const h = await call(srv.url, 'GET', '/health');
      expect(h.status).toBe(200);
      const spun = await step;
      expect(spun.body.status).toBe('failed');
      // and the server still runs flows
      expect((await call(srv.url, 'POST', '/flows/run', { source: THREE_STEPS })).body.status).toBe(
        'success',
      );
    } finally {
      await srv.stop();
    }
  });
});
