// The two cache backends (NODES 12, DECISIONS 15): a process-wide in-memory map and one JSON file per key.
// Expiry is kept in milliseconds; an entry is expired when now >= expires_at.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineSetting } from '../../config/settings.js';
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';

export const cacheMaxEntries = defineSetting<number>({
  env: 'IRONFLOW_CACHE_MAX_ENTRIES',
  kind: 'int',
  min: 1,
  default: 100_000,
  description:
    'Entries the memory cache (cache_set / cache_get, backend memory) keeps; past it, expired entries and then the least recently used go first.',
});

export type CacheLookup = { hit: true; value: unknown } | { hit: false };

interface MemoryEntry {
  /** The value as JSON text: entries never share objects with a run's context. */
  json: string;
  /** Expiry in epoch milliseconds. */
  expiresAt?: number;
}

/** The memory backend: one instance per process (nc.services.resources key `cache:memory`). */
export class MemoryCache {
  private readonly entries = new Map<string, MemoryEntry>();

  get(key: string, now = Date.now()): CacheLookup {
    const e = this.entries.get(key);
    if (!e) return { hit: false };
    this.entries.delete(key);
    if (e.expiresAt !== undefined && now >= e.expiresAt) return { hit: false };
    this.entries.set(key, e);
    return { hit: true, value: JSON.parse(e.json) };
  }

  set(key: string, value: unknown, expiresAt?: number): void {
    this.entries.delete(key);
    this.entries.set(key, { json: JSON.stringify(value ?? null), expiresAt });
    const max = cacheMaxEntries.get();
    if (this.entries.size <= max) return;
    const now = Date.now();
    for (const [k, e] of this.entries)
      if (e.expiresAt !== undefined && now >= e.expiresAt) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= max) break;
      this.entries.delete(k);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The file name of a key: every character that is not a Unicode letter or digit, `-` or `_` becomes `_`,
 * plus `.json` (so `a.b` and `a_b` share a file, as upstream).
 */
export function cacheFileName(key: string): string {
  return `${key.replace(/[^\p{Alphabetic}\p{N}_-]/gu, '_')}.json`;
}

export function cacheFilePath(dir: string, key: string): string {
  return join(dir, cacheFileName(key));
}

/** Write `{"value": …, "expires_at": <unix seconds, ms precision>}` atomically (temp file + rename). */
export async function fileCacheSet(
  dir: string,
  key: string,
  value: unknown,
  expiresAtMs: number | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const path = cacheFilePath(dir, key);
  const doc: Record<string, unknown> = { value: value ?? null };
  if (expiresAtMs !== undefined) doc.expires_at = expiresAtMs / 1000;
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new NodeError(`Failed to create cache_dir '${dir}': ${(e as Error).message}`, { cause: e });
  }
  const tmp = join(dir, `.${cacheFileName(key)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify(doc), { signal });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new NodeError(`Failed to write cache file '${path}': ${(e as Error).message}`, { cause: e });
  }
}

/** Read a cache file; a missing file is a miss, an expired one is deleted, a corrupt one fails. */
export async function fileCacheGet(
  dir: string,
  key: string,
  signal?: AbortSignal,
  now = Date.now(),
): Promise<CacheLookup> {
  const path = cacheFilePath(dir, key);
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { hit: false };
    throw new NodeError(`Failed to read cache file '${path}': ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new NodeError(`Corrupt cache file '${path}': ${(e as Error).message}`);
  }
  if (!isPlainObject(doc) || !Object.hasOwn(doc, 'value')) {
    throw new NodeError(`Corrupt cache file '${path}': expected an object with a 'value' field`);
  }
  const exp = doc.expires_at;
  if (exp !== undefined && exp !== null) {
    if (typeof exp !== 'number' || !Number.isFinite(exp)) {
      throw new NodeError(`Corrupt cache file '${path}': 'expires_at' must be a number of seconds`);
    }
    if (now >= Math.round(exp * 1000)) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT')
          throw new NodeError(`Failed to delete expired cache file '${path}': ${err.message}`);
      });
      return { hit: false };
    }
  }
  return { hit: true, value: doc.value };
}
