import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, parseStoreSpec, resolveStoreSpec } from '../../src/store/open.js';
import { ConfigError, StoreError } from '../../src/util/errors.js';
import { freePort } from '../services/ports.js';
import { buildStoreForChildren, runChild } from './child.js';

const root = mkdtempSync(join(tmpdir(), 'ironflow-open-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const UNKNOWN = /^Unknown state store backend '(.*)'\. Use one of: json, sqlite, postgres, redis$/;

describe('parseStoreSpec and openStore', () => {
  it('understands every spec form', () => {
    expect(parseStoreSpec('json:/srv/runs')).toEqual({ backend: 'json', target: '/srv/runs' });
    expect(parseStoreSpec('json:')).toEqual({ backend: 'json', target: 'data/runs' });
    expect(parseStoreSpec('data/other')).toEqual({ backend: 'json', target: 'data/other' });
    expect(parseStoreSpec('./x:y')).toEqual({ backend: 'json', target: './x:y' });
    expect(parseStoreSpec('C:\\runs')).toEqual({ backend: 'json', target: 'C:\\runs' });
    expect(parseStoreSpec('memory:')).toEqual({ backend: 'memory', target: '' });
    expect(parseStoreSpec('sqlite:runs.db')).toEqual({ backend: 'sqlite', target: 'runs.db' });
    expect(parseStoreSpec('sqlite:///abs/runs.db')).toEqual({ backend: 'sqlite', target: '/abs/runs.db' });
    expect(parseStoreSpec('postgresql://u:p@h/db').backend).toBe('postgres');
    expect(parseStoreSpec('postgres://h/db').backend).toBe('postgres');
    expect(parseStoreSpec('rediss://h:6380').backend).toBe('redis');
    expect(() => parseStoreSpec('mongodb://h/db')).toThrow(UNKNOWN);
    expect(() => parseStoreSpec('mongodb://h/db')).toThrow("'mongodb'");
  });

  it('opens json, memory and sqlite stores and refuses unknown backends', async () => {
    const json = await openStore(`json:${join(root, 'a')}`);
    expect(json.kind).toBe('json');
    const plain = await openStore(join(root, 'b'));
    expect(plain.kind).toBe('json');
    expect((await openStore('memory:')).kind).toBe('memory');
    const sqlite = await openStore(`sqlite:${join(root, 'c', 'x.sqlite')}`, { tablePrefix: 'p_' });
    expect(sqlite.kind).toBe('sqlite');
    await sqlite.initRun('r', 'f', {});
    await sqlite.close();
    await expect(openStore('cassandra://x')).rejects.toBeInstanceOf(ConfigError);
    await expect(openStore('cassandra://x')).rejects.toThrow(UNKNOWN);
  });

  it('fails at start-up for an unreachable server, credentials masked', async () => {
    const port = await freePort();
    for (const spec of [
      `postgres://app:topsecret@127.0.0.1:${port}/db`,
      `redis://:topsecret@127.0.0.1:${port}`,
    ]) {
      const err = (await openStore(spec).catch((e) => e)) as StoreError;
      expect(err).toBeInstanceOf(StoreError);
      expect(err.kind).toBe('backend');
      expect(err.message).toMatch(/(PostgreSQL|Redis) store at /);
      expect(err.message).toContain(':***@127.0.0.1');
      expect(err.message).not.toContain('topsecret');
    }
    const blocker = join(root, 'blocker');
    writeFileSync(blocker, 'x');
    await expect(openStore(`json:${blocker}`)).rejects.toThrow(/not a directory/);
  });

  it('never loads the database drivers for the JSON store', async () => {
    const child = buildStoreForChildren();
    try {
      writeFileSync(
        join(child.dir, 'hooks.mjs'),
        `export async function resolve(specifier, context, next) {
          if (['pg', 'ioredis', 'better-sqlite3'].includes(specifier)) throw new Error('driver loaded: ' + specifier);
          return next(specifier, context);
        }`,
      );
      const script = `
        import { register } from 'node:module';
        register('./hooks.mjs', import.meta.url);
        const { openStore } = await import('./src/store/open.js');
        const { migrateRuns } = await import('./src/store/migrate.js');
        const s = await openStore('json:' + process.argv[2]);
        await s.initRun('r1', 'f', {});
        await s.setRunStatus('r1', 'success');
        const m = await openStore('memory:');
        await migrateRuns(s, m);
        console.log((await m.listRuns()).runs.length);
        const e = await openStore('sqlite:' + process.argv[2] + '/x.sqlite').catch((e) => e.message);
        console.log(e.includes('driver loaded: better-sqlite3') ? 'hook works' : 'hook broken: ' + e);
      `;
      const r = await runChild(child.dir, 'lazy.mjs', script, [join(root, 'lazy')]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toEqual(['1', 'hook works']);
    } finally {
      child.cleanup();
    }
  });
});

describe('resolveStoreSpec', () => {
  it('defaults to json:data/runs', () => {
    expect(resolveStoreSpec({})).toEqual({
      spec: 'json:data/runs',
      options: {},
      source: 'default',
      display: 'json:data/runs',
    });
  });

  it('takes the JSON directory from --store-dir > IRONFLOW_STORE_DIR > STORE_DIR > YAML store_dir', () => {
    const yaml = { store_dir: 'from-yaml' };
    expect(resolveStoreSpec({ yaml }).spec).toBe('json:from-yaml');
    expect(resolveStoreSpec({ yaml, env: { STORE_DIR: 'store-dir' } }).spec).toBe('json:store-dir');
    expect(resolveStoreSpec({ yaml, env: { STORE_DIR: 'a', IRONFLOW_STORE_DIR: 'b' } }).spec).toBe('json:b');
    expect(resolveStoreSpec({ yaml, env: { IRONFLOW_STORE_DIR: 'b' }, storeDirFlag: 'flag' }).spec).toBe(
      'json:flag',
    );
    expect(resolveStoreSpec({ yaml: { storage: { dir: 'block' }, store_dir: 'x' } }).spec).toBe('json:block');
    // the directory only matters for the JSON store (and the default SQLite file)
    expect(resolveStoreSpec({ env: { IRONFLOW_STORE: 'sqlite' }, storeDirFlag: 'd' }).spec).toBe(
      `sqlite:${join('d', 'ironflow.sqlite')}`,
    );
  });

  it('picks the backend from --store > IRONFLOW_STORE > YAML', () => {
    const yaml = { storage: { url: 'postgres://app:pw@db/app', table_prefix: 'y_' } };
    const fromYaml = resolveStoreSpec({ yaml });
    expect(fromYaml).toMatchObject({
      spec: 'postgres://app:pw@db/app',
      source: 'yaml',
      options: { tablePrefix: 'y_' },
    });
    expect(fromYaml.display).toBe('postgres://app:***@db/app');
    const fromEnv = resolveStoreSpec({ yaml, env: { IRONFLOW_STORE: 'redis://cache:6379/2' } });
    expect(fromEnv).toMatchObject({ spec: 'redis://cache:6379/2', source: 'env' });
    const fromFlag = resolveStoreSpec({ yaml, env: { IRONFLOW_STORE: 'redis://x' }, flag: 'memory:' });
    expect(fromFlag).toMatchObject({ spec: 'memory:', source: 'flag' });
    expect(resolveStoreSpec({ flag: 'json:/tmp/r', env: { IRONFLOW_STORE_DIR: 'ignored' } }).spec).toBe(
      'json:/tmp/r',
    );
    expect(resolveStoreSpec({ yaml: { storage: 'sqlite:x.db' } }).spec).toBe('sqlite:x.db');
  });

  it('accepts the upstream names and backend words', () => {
    expect(resolveStoreSpec({ yaml: { store_backend: 'redis' } }).spec).toBe('redis://127.0.0.1:6379');
    expect(resolveStoreSpec({ yaml: { store_backend: 'redis', redis_url: 'redis://y:1' } }).spec).toBe(
      'redis://y:1',
    );
    expect(
      resolveStoreSpec({
        yaml: { store_backend: 'redis', redis_url: 'redis://y:1' },
        env: { REDIS_URL: 'redis://e:2' },
      }).spec,
    ).toBe('redis://e:2');
    expect(
      resolveStoreSpec({ yaml: { storage: { url: 'redis://y:1' } }, env: { REDIS_URL: 'redis://e:2' } }).spec,
    ).toBe('redis://e:2');
    expect(resolveStoreSpec({ env: { STORE_BACKEND: 'redis', REDIS_URL: 'redis://e:2' } }).spec).toBe(
      'redis://e:2',
    );
    expect(resolveStoreSpec({ yaml: { store_backend: 'sqlite', store_url: 'runs.db' } }).spec).toBe(
      'sqlite:runs.db',
    );
    expect(
      resolveStoreSpec({ yaml: { store_backend: 'sqlite' }, env: { IRONFLOW_STORE_URL: 'e.db' } }).spec,
    ).toBe('sqlite:e.db');
    expect(resolveStoreSpec({ yaml: { store_backend: 'postgres', store_url: 'postgres://h/db' } }).spec).toBe(
      'postgres://h/db',
    );
    expect(
      resolveStoreSpec({ flag: 'postgres', env: { IRONFLOW_STORE_URL: 'postgresql://h/db' } }).spec,
    ).toBe('postgresql://h/db');
    expect(() => resolveStoreSpec({ flag: 'postgres' })).toThrow(/needs a URL/);
    expect(resolveStoreSpec({ flag: 'JSON', storeDirFlag: 'd' }).spec).toBe('json:d');
    expect(resolveStoreSpec({ flag: 'memory' }).spec).toBe('memory:');
  });

  it('reads the Redis prefix and TTL, environment first', () => {
    const yaml = { redis_prefix: 'yaml:', redis_ttl: 60, storage: { url: 'redis://h' } };
    expect(resolveStoreSpec({ yaml }).options).toEqual({ redisPrefix: 'yaml:', redisTtl: 60 });
    expect(resolveStoreSpec({ yaml, env: { REDIS_PREFIX: 'env:', REDIS_TTL: '3600' } }).options).toEqual({
      redisPrefix: 'env:',
      redisTtl: 3600,
    });
    expect(
      resolveStoreSpec({ yaml: { storage: { redis_prefix: 'b:', redis_ttl: 5 }, redis_ttl: 9 } }).options,
    ).toEqual({
      redisPrefix: 'b:',
      redisTtl: 5,
    });
    for (const bad of ['0', '-1', '1.5', 'soon', '100000000000']) {
      expect(() => resolveStoreSpec({ env: { REDIS_TTL: bad } })).toThrow(/REDIS_TTL must be a whole number/);
    }
    expect(() => resolveStoreSpec({ yaml: { redis_ttl: 0 } })).toThrow(ConfigError);
    expect(
      resolveStoreSpec({ env: { IRONFLOW_SQL_TABLE_PREFIX: 'env_' }, yaml: { sql_table_prefix: 'y_' } })
        .options,
    ).toEqual({
      tablePrefix: 'env_',
    });
  });

  it('reports unknown backends with the upstream message', () => {
    expect(() => resolveStoreSpec({ env: { IRONFLOW_STORE: 'mongo' } })).toThrow(
      "Unknown state store backend 'mongo'. Use one of: json, sqlite, postgres, redis",
    );
    expect(() => resolveStoreSpec({ yaml: { store_backend: 'dynamo' } })).toThrow(UNKNOWN);
    expect(() => resolveStoreSpec({ flag: 'mongodb://h' })).toThrow("Unknown state store backend 'mongodb'");
    expect(() => resolveStoreSpec({ yaml: { storage: 42 } })).toThrow(ConfigError);
  });
});
