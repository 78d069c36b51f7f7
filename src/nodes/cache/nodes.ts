// cache_set and cache_get (NODES 12). `key` is interpolated in both (the fix NODES 12.1 recommends).
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';
import { fileCacheGet, fileCacheSet, MemoryCache } from './store.js';

const BACKENDS = ['memory', 'file'];
const DEFAULT_DIR = '.ironflow_cache';

function backendProblem(node: string, backend: unknown): string | undefined {
  if (backend === undefined || backend === null || typeof backend !== 'string') return undefined;
  return BACKENDS.includes(backend)
    ? undefined
    : `${node}: unsupported backend '${backend}'. Must be 'memory' or 'file'.`;
}

/** The process-wide memory cache, shared by every step, run and subflow. */
export function memoryCache(nc: NodeContext): Promise<MemoryCache> {
  return nc.services.resources.get('cache:memory', () => new MemoryCache());
}

const keyParam = p.string({
  description:
    'Cache key (interpolated); file backend: characters other than letters, digits, - and _ become _',
  required: true,
  interpolate: 'string',
});
const backendParam = p.string({
  description: "'memory' (process-wide) or 'file' (one JSON file per key in cache_dir)",
  default: 'memory',
});
const dirParam = p.string({
  description: 'Directory of the file backend (relative to the working directory; created if missing)',
  default: DEFAULT_DIR,
});

export const cacheSet = defineNode({
  name: 'cache_set',
  category: 'Cache',
  description: 'Store a value in the cache (memory or JSON file), with an optional TTL',
  params: {
    key: keyParam,
    source_key: p.string({ description: 'Context key of the value to cache (wins over value)' }),
    value: p.any({ description: 'Literal value to cache' }),
    ttl: p.integer({
      description: 'Seconds until the entry expires (0 = at once); absent = never',
      minimum: 0,
    }),
    backend: backendParam,
    cache_dir: dirParam,
  },
  outputs: { cache_key: 'the key', cache_stored: 'true' },
  check(cfg) {
    const out: Array<{ path: string; message: string }> = [];
    if ((cfg.source_key ?? null) === null && (cfg.value ?? null) === null) {
      out.push({ path: '$.source_key', message: "cache_set requires 'source_key' or 'value'" });
    }
    const b = backendProblem('cache_set', cfg.backend);
    if (b) out.push({ path: '$.backend', message: b });
    return out;
  },
  async run(cfg, nc) {
    const b = backendProblem('cache_set', cfg.backend);
    if (b) throw new NodeError(b);
    let value: unknown;
    if (cfg.source_key !== undefined) value = requireKey(nc.ctx, cfg.source_key);
    else if (cfg.value !== undefined && cfg.value !== null) value = cfg.value;
    else throw new NodeError("cache_set requires 'source_key' or 'value'");
    const ttl = cfg.ttl;
    const expiresAt =
      typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 0 ? Date.now() + ttl * 1000 : undefined;
    if (cfg.backend === 'file') await fileCacheSet(cfg.cache_dir, cfg.key, value, expiresAt, nc.signal);
    else (await memoryCache(nc)).set(cfg.key, value, expiresAt);
    return { cache_key: cfg.key, cache_stored: true };
  },
});

export const cacheGet = defineNode({
  name: 'cache_get',
  category: 'Cache',
  description: 'Fetch a value from the cache (memory or JSON file)',
  params: {
    key: keyParam,
    output_key: p.string({ description: 'Context key of the cached value', default: 'cached_value' }),
    backend: backendParam,
    cache_dir: dirParam,
  },
  outputs: {
    '{output_key}': 'the cached value, or null on a miss',
    cache_hit: 'whether the key was found and not expired',
  },
  check(cfg) {
    const b = backendProblem('cache_get', cfg.backend);
    return b ? [{ path: '$.backend', message: b }] : [];
  },
  async run(cfg, nc) {
    const b = backendProblem('cache_get', cfg.backend);
    if (b) throw new NodeError(b);
    const r =
      cfg.backend === 'file'
        ? await fileCacheGet(cfg.cache_dir, cfg.key, nc.signal)
        : (await memoryCache(nc)).get(cfg.key);
    return { [cfg.output_key]: r.hit ? r.value : null, cache_hit: r.hit };
  },
});
