import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { ResourcePool } from '../../../src/engine/resources.js';
import { cacheFileName, MemoryCache } from '../../../src/nodes/cache/store.js';
import { checkNode, runNode } from '../../helpers/nodes.js';

let resources: ResourcePool;
let dir: string;

beforeEach(async () => {
  resources = new ResourcePool();
  dir = await mkdtemp(join(tmpdir(), 'ironflow-cache-'));
});
afterEach(async () => {
  await resources.closeAll();
  await rm(dir, { recursive: true, force: true });
});

const set = (cfg: Record<string, unknown>, ctx: Record<string, unknown> = {}) =>
  runNode('cache_set', cfg, ctx, { resources });
const get = (cfg: Record<string, unknown>, ctx: Record<string, unknown> = {}) =>
  runNode('cache_get', cfg, ctx, { resources });

describe('memory backend', () => {
  test('set then get, from a context key or a literal', async () => {
    expect(await set({ key: 'user', source_key: 'u' }, { u: { name: 'Zoë', n: [1, 2] } })).toEqual({
      cache_key: 'user',
      cache_stored: true,
    });
    expect(await get({ key: 'user' })).toEqual({ cached_value: { name: 'Zoë', n: [1, 2] }, cache_hit: true });
    await set({ key: 'n', value: 42 });
    expect(await get({ key: 'n', output_key: 'v' })).toEqual({ v: 42, cache_hit: true });
  });

  test('source_key wins over value', async () => {
    await set({ key: 'k', source_key: 's', value: 'literal' }, { s: 'from ctx' });
    expect((await get({ key: 'k' })).cached_value).toBe('from ctx');
  });

  test('a miss is null', async () => {
    expect(await get({ key: 'never' })).toEqual({ cached_value: null, cache_hit: false });
  });

  test('key is interpolated in both nodes', async () => {
    await set({ key: 'user:${ctx.id}', value: 'A' }, { id: 7 });
    expect(await get({ key: 'user:${ctx.id}' }, { id: 7 })).toEqual({ cached_value: 'A', cache_hit: true });
    expect(await get({ key: 'user:7' })).toEqual({ cached_value: 'A', cache_hit: true });
  });

  test('the cache is shared through the resource pool (one per process)', async () => {
    await set({ key: 'shared', value: 1 });
    expect((await runNode('cache_get', { key: 'shared' }, {}, { resources })).cache_hit).toBe(true);
    expect(
      (await runNode('cache_get', { key: 'shared' }, {}, { resources: new ResourcePool() })).cache_hit,
    ).toBe(false);
  });

  test('entries do not share objects with the context', async () => {
    const u = { list: [1] };
    await set({ key: 'o', source_key: 'u' }, { u });
    u.list.push(2);
    const first = (await get({ key: 'o' })).cached_value as { list: number[] };
    expect(first).toEqual({ list: [1] });
    first.list.push(3);
    expect((await get({ key: 'o' })).cached_value).toEqual({ list: [1] });
  });

  test('ttl 0 expires at once; expiry uses now >= expires_at', async () => {
    await set({ key: 'gone', value: 1, ttl: 0 });
    expect(await get({ key: 'gone' })).toEqual({ cached_value: null, cache_hit: false });
    const c = new MemoryCache();
    c.set('k', 'v', 1_000);
    expect(c.get('k', 999)).toEqual({ hit: true, value: 'v' });
    expect(c.get('k', 1_000)).toEqual({ hit: false });
    expect(c.size).toBe(0);
  });

  test('a positive ttl keeps the entry', async () => {
    await set({ key: 'live', value: 'x', ttl: 60 });
    expect((await get({ key: 'live' })).cache_hit).toBe(true);
  });

  test('bounded: least recently used entries go first', () => {
    overrideSetting('IRONFLOW_CACHE_MAX_ENTRIES', 2);
    try {
      const c = new MemoryCache();
      c.set('a', 1);
      c.set('b', 2);
      c.get('a');
      c.set('c', 3);
      expect(c.get('b')).toEqual({ hit: false });
      expect(c.get('a')).toEqual({ hit: true, value: 1 });
      expect(c.get('c')).toEqual({ hit: true, value: 3 });
    } finally {
      overrideSetting('IRONFLOW_CACHE_MAX_ENTRIES', undefined);
    }
  });
});

describe('file backend', () => {
  test('file name and content', async () => {
    await set({ key: 'api/users?page=1', value: { ok: true }, backend: 'file', cache_dir: dir });
    expect(await readdir(dir)).toEqual(['api_users_page_1.json']);
    const doc = JSON.parse(await readFile(join(dir, 'api_users_page_1.json'), 'utf8'));
    expect(doc).toEqual({ value: { ok: true } });
    expect(await get({ key: 'api/users?page=1', backend: 'file', cache_dir: dir })).toEqual({
      cached_value: { ok: true },
      cache_hit: true,
    });
  });

  test('unicode letters and digits are kept; a.b and a_b collide', () => {
    expect(cacheFileName('Zürich-東京_١٢')).toBe('Zürich-東京_١٢.json');
    expect(cacheFileName('a.b')).toBe(cacheFileName('a_b'));
    expect(cacheFileName('x 🚀 y')).toBe('x___y.json');
  });

  test('the directory is created; expires_at is unix seconds with millisecond precision', async () => {
    const nested = join(dir, 'a', 'b');
    const before = Date.now();
    await set({ key: 'k', value: [1], ttl: 30, backend: 'file', cache_dir: nested });
    const doc = JSON.parse(await readFile(join(nested, 'k.json'), 'utf8'));
    expect(doc.value).toEqual([1]);
    expect(doc.expires_at * 1000).toBeGreaterThanOrEqual(before + 30_000 - 1);
    expect(doc.expires_at * 1000).toBeLessThanOrEqual(Date.now() + 30_000 + 1);
  });

  test('an expired file is a miss and is deleted', async () => {
    await writeFile(join(dir, 'old.json'), JSON.stringify({ value: 1, expires_at: Date.now() / 1000 - 1 }));
    expect(await get({ key: 'old', backend: 'file', cache_dir: dir })).toEqual({
      cached_value: null,
      cache_hit: false,
    });
    expect(await readdir(dir)).toEqual([]);
    await set({ key: 'zero', value: 1, ttl: 0, backend: 'file', cache_dir: dir });
    expect((await get({ key: 'zero', backend: 'file', cache_dir: dir })).cache_hit).toBe(false);
  });

  test('files written by the original (integer seconds) are read', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    await writeFile(join(dir, 'legacy.json'), `{"expires_at":${future},"value":"v"}`);
    expect(await get({ key: 'legacy', backend: 'file', cache_dir: dir })).toEqual({
      cached_value: 'v',
      cache_hit: true,
    });
  });

  test('a missing file or directory is a miss', async () => {
    expect(await get({ key: 'x', backend: 'file', cache_dir: join(dir, 'none') })).toEqual({
      cached_value: null,
      cache_hit: false,
    });
  });

  test('a corrupt file fails with its path', async () => {
    await writeFile(join(dir, 'bad.json'), '{not json');
    await expect(get({ key: 'bad', backend: 'file', cache_dir: dir })).rejects.toThrow(
      `Corrupt cache file '${join(dir, 'bad.json')}': `,
    );
    await writeFile(join(dir, 'shape.json'), '[1,2]');
    await expect(get({ key: 'shape', backend: 'file', cache_dir: dir })).rejects.toThrow(
      /Corrupt cache file .*shape\.json/,
    );
    await writeFile(join(dir, 'exp.json'), '{"value":1,"expires_at":"soon"}');
    await expect(get({ key: 'exp', backend: 'file', cache_dir: dir })).rejects.toThrow(
      /Corrupt cache file .*expires_at/,
    );
  });

  test('writes are atomic: no temp files left, concurrent writers leave valid JSON', async () => {
    const big = Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'ü'.repeat(5) }));
    await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        set({ key: 'race', value: { n, big }, backend: 'file', cache_dir: dir }),
      ),
    );
    expect(await readdir(dir)).toEqual(['race.json']);
    const v = (await get({ key: 'race', backend: 'file', cache_dir: dir })).cached_value as {
      n: number;
      big: unknown[];
    };
    expect(v.big).toHaveLength(20_000);
  });

  test('interpolated key', async () => {
    await set(
      { key: 'report-${ctx.day}', value: 'r', backend: 'file', cache_dir: dir },
      { day: '2024-01-02' },
    );
    expect(await readdir(dir)).toEqual(['report-2024-01-02.json']);
  });
});

describe('errors', () => {
  test('static errors', () => {
    expect(checkNode('cache_set', { key: 'k' })).toEqual(["cache_set requires 'source_key' or 'value'"]);
    expect(checkNode('cache_set', { value: 1 })).toEqual(["cache_set requires 'key'"]);
    expect(checkNode('cache_set', { key: 'k', value: 1, backend: 'redis' })).toEqual([
      "cache_set: unsupported backend 'redis'. Must be 'memory' or 'file'.",
    ]);
    expect(checkNode('cache_get', { key: 'k', backend: 'disk' })).toEqual([
      "cache_get: unsupported backend 'disk'. Must be 'memory' or 'file'.",
    ]);
    expect(checkNode('cache_set', { key: 'k', value: 1, ttl: -1 })).toEqual([
      "parameter 'ttl' must be at least 0 (got -1)",
    ]);
    expect(checkNode('cache_set', { key: 'k', value: 1, ttl: 1.5 })).toEqual([
      "parameter 'ttl' must be an integer (got number)",
    ]);
    expect(checkNode('cache_get', { key: '${ctx.a b}' })[0]).toMatch(/invalid placeholder/);
    expect(checkNode('cache_get', {})).toEqual(["cache_get requires 'key'"]);
  });

  test('missing source key', async () => {
    await expect(set({ key: 'k', source_key: 'nope' })).rejects.toThrow("Key 'nope' not found in context");
  });

  test('unwritable cache_dir names the path', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    await expect(set({ key: 'k', value: 1, backend: 'file', cache_dir: file })).rejects.toThrow(
      `Failed to create cache_dir '${file}': `,
    );
    await expect(set({ key: 'k', value: 1, backend: 'file', cache_dir: join(file, 'sub') })).rejects.toThrow(
      /Failed to create cache_dir/,
    );
  });
});
