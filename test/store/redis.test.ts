import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis.js';
import { freePort } from '../services/ports.js';
import { type RedisServer, startRedis } from '../services/redis.js';
import { concurrentWriters, expectNothingLost } from './concurrent-writer.js';
import { expectStoreError, sampleRun, storeConformance } from './conformance.js';
import { startDurableRedis } from './redis-aof.js';

let server: RedisServer;
let probe: Redis;
let n = 0;

beforeAll(async () => {
  server = await startRedis();
  probe = new Redis(server.url);
});
afterAll(async () => {
  probe?.disconnect();
  await server?.stop();
});

async function commandsProcessed(): Promise<number> {
  const info = await probe.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
}

storeConformance({
  kind: 'redis',
  create: async () => {
    const prefix = `c${n++}:`;
    return {
      store: await new RedisStore(server.url, { prefix }).open(),
      reopen: async () => new RedisStore(server.url, { prefix }).open(),
    };
  },
  touches: commandsProcessed,
});

const task = (name: string) => ({ name, status: 'success' as const, attempt: 1, node_type: 'log' });

describe('Redis store', () => {
  it('keeps a run hash with per-task fields, sorted index sets and the prefix', async () => {
    const store = await new RedisStore(server.url, { prefix: 'shape:' }).open();
    await store.initRun('r1', 'flow-x', { a: 1 });
    await store.upsertTask('r1', task('t0'));
    await store.upsertTask('r1', task('t1'));
    await store.setRunStatus('r1', 'failed');
    const keys = (await probe.keys('shape:*')).sort();
    expect(keys).toEqual([
      'shape:ctx:r1',
      'shape:idx:all',
      'shape:idx:flow:flow-x',
      'shape:idx:status:failed',
      'shape:run:r1',
    ]);
    const h = await probe.hgetall('shape:run:r1');
    expect(JSON.parse(h['t:t1']!)).toEqual(task('t1'));
    expect(h.status).toBe('failed');
    expect(h.task_count).toBe('2');
    expect(await probe.zcard('shape:idx:status:failed')).toBe(1);
    expect(await probe.exists('shape:idx:status:pending')).toBe(0);
    expect(await probe.ttl('shape:run:r1')).toBe(-1);
    await store.close();
  });

  it('applies the TTL on every write and drops expired runs from listings', async () => {
    const store = await new RedisStore(server.url, { prefix: 'ttl:', ttlSeconds: 100 }).open();
    await store.initRun('r1', 'f', { a: 1 });
    await store.initRun('r2', 'f', {});
    expect(await probe.ttl('ttl:run:r1')).toBeGreaterThan(90);
    await probe.expire('ttl:run:r1', 1000);
    await store.upsertTask('r1', task('x'));
    expect(await probe.ttl('ttl:run:r1')).toBeLessThanOrEqual(100);
    expect(await probe.ttl('ttl:ctx:r1')).toBeGreaterThan(90);
    // simulate expiry
    await probe.del('ttl:run:r2', 'ttl:ctx:r2');
    expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(['r1']);
    expect(await probe.zcard('ttl:idx:all')).toBe(1);
    await store.close();
    expect(() => new RedisStore(server.url, { ttlSeconds: -5 })).toThrow(/TTL/);
  });

  it('fails at open when the server cannot be reached, with the password masked', async () => {
    const port = await freePort();
    const err = await expectStoreError(
      new RedisStore(`redis://:hunter2@127.0.0.1:${port}/0`, { connectTimeoutMs: 2000 }).open(),
      'backend',
    );
    expect(err.message).toContain(`Redis store at redis://:***@127.0.0.1:${port}/0`);
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects a wrong password at open without echoing it', async () => {
    const secured = await startDurableRedis('right-pass');
    try {
      const bad = `redis://:wrong-pass@127.0.0.1:${secured.port}`;
      const err = await expectStoreError(new RedisStore(bad).open(), 'backend');
      expect(err.message).not.toContain('wrong-pass');
      const store = await new RedisStore(secured.url).open();
      expect(store.location).toBe(`redis://:***@127.0.0.1:${secured.port}`);
      await store.initRun('ok', 'f', {});
      await store.close();
    } finally {
      await secured.stop();
    }
  });

  it('loses nothing with two processes writing at once', async () => {
    const prefix = 'conc:';
    const per = 150;
    await concurrentWriters(server.url, prefix, per);
    const store = await new RedisStore(server.url, { prefix }).open();
    await expectNothingLost(store, per, { status: 'success', limit: 40 });
    expect(Object.keys((await store.getRun('a-99')).tasks)).toEqual(['s0', 's1', 's2', 's3']);
    await store.close();
  });

  it('reports a clear error while the server is down and recovers after a restart', async () => {
    const durable = await startDurableRedis('pw');
    try {
      const store = await new RedisStore(durable.url, { prefix: 'restart:' }).open();
      await store.initRun('before', 'f', { a: 1 });
      await store.setRunStatus('before', 'running');
      await store.upsertTask('before', task('one'));
      await store.importRun(sampleRun('old', Date.parse('2026-01-01T00:00:00Z')));
      await durable.kill();
      try {
        const err = await expectStoreError(store.upsertTask('before', task('two')), 'backend');
        expect(err.message).toMatch(
          /^Redis store at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: updating run before: /,
        );
        expect(err.message).not.toContain(':pw@');
        await expectStoreError(store.getRun('before'), 'backend');
        await expectStoreError(store.listRuns(), 'backend');
      } finally {
        await durable.start();
      }
      // the connection comes back by itself
      const until = Date.now() + 15_000;
      for (;;) {
        try {
          await store.upsertTask('before', task('two'));
          break;
        } catch (e) {
          if (Date.now() > until) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await store.setRunStatus('before', 'success');
      const run = await store.getRun('before');
      expect(Object.keys(run.tasks)).toEqual(['one', 'two']);
      expect(run.ctx).toEqual({ a: 1 });
      expect((await store.getRun('old')).status).toBe('success');
      expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(['before', 'old']);
      await store.close();
    } finally {
      await durable.stop();
    }
  });
});
