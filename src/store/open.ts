// Store selection: `openStore(spec)` opens a backend from a URL-ish spec, and `resolveStoreSpec` picks the
// spec from the CLI flag, the environment and ironflow.yaml. Backend modules (and their drivers) are imported
// only when selected, so opening the JSON store never loads pg, ioredis or better-sqlite3.
// The default backend is imported up front (a dynamic import costs a file read at start-up); the others
// load only when selected, so their drivers never load otherwise.

import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { maskUrl } from './common.js';
import type { JsonStoreOptions } from './json.js';
import { JsonStore } from './json.js';
import type { StateStore } from './types.js';

export const STORE_BACKENDS = ['json', 'sqlite', 'postgres', 'redis'] as const;
export const DEFAULT_STORE_DIR = 'data/runs';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const MAX_REDIS_TTL = 99_999_999_999;

export interface StoreOptions {
  /** SQL table prefix (SQLite, PostgreSQL); default `ironflow_`. */
  tablePrefix?: string;
  /** Redis key prefix; default `ironflow:`. */
  redisPrefix?: string;
  /** Redis expiry of run records in seconds (1..99,999,999,999), re-applied on every write. */
  redisTtl?: number;
  json?: JsonStoreOptions;
}

export type BackendName = 'json' | 'memory' | 'sqlite' | 'postgres' | 'redis';

export function unknownBackend(name: string): ConfigError {
  return new ConfigError(`Unknown state store backend '${name}'. Use one of: ${STORE_BACKENDS.join(', ')}`);
}

/** Split a spec into its backend and target (directory, file or URL). */
export function parseStoreSpec(spec: string): { backend: BackendName; target: string } {
  const s = spec.trim();
  if (s === '') return { backend: 'json', target: DEFAULT_STORE_DIR };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):([\s\S]*)$/.exec(s);
  // no scheme, or a Windows drive letter: a plain directory path
  if (!m || m[1]!.length === 1) return { backend: 'json', target: s };
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  const path = (fallback: string) => {
    const p = rest.startsWith('//') ? rest.slice(2) : rest;
    return p === '' ? fallback : p;
  };
  switch (scheme) {
    case 'json':
    case 'file':
      return { backend: 'json', target: path(DEFAULT_STORE_DIR) };
    case 'memory':
      return { backend: 'memory', target: '' };
    case 'sqlite':
    case 'sqlite3':
      return { backend: 'sqlite', target: path(join(DEFAULT_STORE_DIR, 'ironflow.sqlite')) };
    case 'postgres':
    case 'postgresql':
      return { backend: 'postgres', target: s };
    case 'redis':
    case 'rediss':
      return { backend: 'redis', target: s };
    default:
      throw unknownBackend(scheme);
  }
}

/** The display form of a spec (credentials masked). */
export function describeStoreSpec(spec: string): string {
  return maskUrl(spec);
}

/**
 * Open a store and check it can be used now (directory sane, server reachable, tables created), so a bad
 * configuration fails at start-up rather than on the first run.
 */
export async function openStore(spec: string, options: StoreOptions = {}): Promise<StateStore> {
  const { backend, target } = parseStoreSpec(spec);
  switch (backend) {
    case 'json': {
      return new JsonStore(target, options.json).open();
    }
    case 'memory': {
      const { MemoryStore } = await import('./memory.js');
      return new MemoryStore();
    }
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite.js');
      return new SqliteStore(target, { tablePrefix: options.tablePrefix }).open();
    }
    case 'postgres': {
      const { PostgresStore } = await import('./postgres.js');
      return new PostgresStore(target, { tablePrefix: options.tablePrefix }).open();
    }
    case 'redis': {
      const { RedisStore } = await import('./redis.js');
      return new RedisStore(target, { prefix: options.redisPrefix, ttlSeconds: options.redisTtl }).open();
    }
  }
}

// -------------------------------------------------------------------------------------------------------
// Resolution: --store > IRONFLOW_STORE (or the older STORE_BACKEND) > ironflow.yaml (`storage:` block or
// the upstream top-level names) > the JSON directory (--store-dir > IRONFLOW_STORE_DIR > STORE_DIR >
// YAML store_dir) > json:data/runs.
//
//   storage:                          # all optional
//     url: postgres://user:pw@db/app  # or a backend name: json | sqlite | postgres | redis | memory
//     dir: data/runs                  # JSON directory (and home of the default SQLite file)
//     table_prefix: ironflow_
//     redis_prefix: "ironflow:"
//     redis_ttl: 86400
//
// Upstream names accepted too: store_backend, store_url, store_dir, sql_table_prefix, redis_url,
// redis_prefix, redis_ttl; env IRONFLOW_STORE_URL, IRONFLOW_SQL_TABLE_PREFIX, REDIS_URL, REDIS_PREFIX,
// REDIS_TTL. Environment values beat YAML values of the same setting.

export interface StoreSpecSources {
  /** `--store` */
  flag?: string;
  /** `--store-dir` */
  storeDirFlag?: string;
  /** The environment (e.g. process.env after loading dotenv). */
  env?: Record<string, string | undefined>;
  /** The parsed ironflow.yaml document. */
  yaml?: unknown;
}

export interface ResolvedStore {
  spec: string;
  options: StoreOptions;
  /** Where the backend choice came from. */
  source: 'flag' | 'env' | 'yaml' | 'default';
  /** The spec with credentials masked, for messages and logs. */
  display: string;
}

const BACKEND_WORDS: Record<string, BackendName> = {
  json: 'json',
  file: 'json',
  memory: 'memory',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  redis: 'redis',
};

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw new ConfigError(`Config '${name}' must be a string`);
  return v.trim() === '' ? undefined : v.trim();
}

function parseTtl(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_REDIS_TTL) {
    throw new ConfigError(
      `${name} must be a whole number of seconds from 1 to ${MAX_REDIS_TTL}, got '${raw}'`,
    );
  }
  return n;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function resolveStoreSpec(src: StoreSpecSources = {}): ResolvedStore {
  const env = src.env ?? {};
  const e = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const doc = src.yaml ?? {};
  if (!isPlain(doc)) throw new ConfigError('The config file must be a mapping');
  let storage: Record<string, unknown> = {};
  if (typeof doc.storage === 'string') storage = { url: doc.storage };
  else if (isPlain(doc.storage)) storage = doc.storage;
  else if (doc.storage !== undefined && doc.storage !== null) {
    throw new ConfigError("Config 'storage' must be a mapping or a store URL");
  }

  const dir =
    str(src.storeDirFlag, '--store-dir') ??
    e('IRONFLOW_STORE_DIR') ??
    e('STORE_DIR') ??
    str(storage.dir, 'storage.dir') ??
    str(doc.store_dir, 'store_dir') ??
    DEFAULT_STORE_DIR;

  const options: StoreOptions = {};
  const tablePrefix =
    e('IRONFLOW_SQL_TABLE_PREFIX') ??
    str(storage.table_prefix, 'storage.table_prefix') ??
    str(doc.sql_table_prefix, 'sql_table_prefix');
  if (tablePrefix !== undefined) options.tablePrefix = tablePrefix;
  const redisPrefix =
    env.REDIS_PREFIX ??
    env.IRONFLOW_REDIS_PREFIX ??
    (storage.redis_prefix as string | undefined) ??
    (doc.redis_prefix as string | undefined);
  if (redisPrefix !== undefined && redisPrefix !== null) {
    if (typeof redisPrefix !== 'string') throw new ConfigError("Config 'redis_prefix' must be a string");
    options.redisPrefix = redisPrefix;
  }
  const ttl =
    e('REDIS_TTL') !== undefined
      ? parseTtl(e('REDIS_TTL'), 'REDIS_TTL')
      : e('IRONFLOW_REDIS_TTL') !== undefined
        ? parseTtl(e('IRONFLOW_REDIS_TTL'), 'IRONFLOW_REDIS_TTL')
        : storage.redis_ttl !== undefined && storage.redis_ttl !== null
          ? parseTtl(storage.redis_ttl, 'storage.redis_ttl')
          : parseTtl(doc.redis_ttl, 'redis_ttl');
  if (ttl !== undefined) options.redisTtl = ttl;

  let selector: string | undefined;
  let source: ResolvedStore['source'] = 'default';
  const fromFlag = str(src.flag, '--store');
  const fromEnv = e('IRONFLOW_STORE') ?? e('STORE_BACKEND');
  const fromYaml =
    str(storage.url, 'storage.url') ??
    str(storage.backend, 'storage.backend') ??
    str(doc.store_backend, 'store_backend') ??
    str(doc.store_url, 'store_url');
  if (fromFlag !== undefined) [selector, source] = [fromFlag, 'flag'];
  else if (fromEnv !== undefined) [selector, source] = [fromEnv, 'env'];
  else if (fromYaml !== undefined) [selector, source] = [fromYaml, 'yaml'];

  // URLs for a backend named without one; the environment beats YAML
  const storeUrlEnv = e('IRONFLOW_STORE_URL');
  const storeUrlYaml = str(doc.store_url, 'store_url');
  const redisUrl = () =>
    e('REDIS_URL') ??
    storeUrlEnv ??
    str(doc.redis_url, 'redis_url') ??
    (storeUrlYaml && /^rediss?:/i.test(storeUrlYaml) ? storeUrlYaml : undefined) ??
    DEFAULT_REDIS_URL;

  let spec: string;
  if (selector === undefined) {
    spec = `json:${dir}`;
  } else if (/^[A-Za-z][A-Za-z0-9]*$/.test(selector)) {
    const backend = BACKEND_WORDS[selector.toLowerCase()];
    if (!backend) throw unknownBackend(selector);
    switch (backend) {
      case 'json':
        spec = `json:${dir}`;
        break;
      case 'memory':
        spec = 'memory:';
        break;
      case 'sqlite': {
        const url = storeUrlEnv ?? storeUrlYaml;
        spec =
          url === undefined
            ? `sqlite:${join(dir, 'ironflow.sqlite')}`
            : /^sqlite3?:/i.test(url)
              ? url
              : `sqlite:${url}`;
        break;
      }
      case 'postgres': {
        const url = storeUrlEnv ?? storeUrlYaml;
        if (url === undefined) {
          throw new ConfigError(
            'The postgres store needs a URL: set IRONFLOW_STORE_URL or store_url (or storage.url)',
          );
        }
        spec = url;
        break;
      }
      case 'redis':
        spec = redisUrl();
        break;
    }
  } else {
    spec = selector;
    // a lower-tier URL is overridden by the environment's URL for the same backend
    if (source === 'yaml') {
      const { backend } = parseStoreSpec(selector);
      if (backend === 'redis' && (e('REDIS_URL') ?? storeUrlEnv)) spec = (e('REDIS_URL') ?? storeUrlEnv)!;
      if ((backend === 'postgres' || backend === 'sqlite') && storeUrlEnv) spec = storeUrlEnv;
    }
  }
  parseStoreSpec(spec); // unknown schemes fail here, before anything is opened
  return { spec, options, source, display: describeStoreSpec(spec) };
}
