// The `connection` parameter of the database nodes: which backend, which file or server, and how to show it
// without credentials. Every text a user can see (errors, logs, outputs) goes through `display`/`scrub`.

import { isAbsolute, resolve } from 'node:path';
import { NodeError } from '../../util/errors.js';
import { maskUrlsInText } from '../../util/mask.js';

export type Dialect = 'sqlite' | 'postgres';

export interface SqliteTarget {
  kind: 'sqlite';
  /** File path, or `:memory:`. */
  path: string;
  memory: boolean;
  readonly: boolean;
  /** `mode=rwc`: create the file when missing. */
  create: boolean;
  /** `mode` was not given (the default `rw` applies). */
  defaultMode: boolean;
  /** The URL as given (SQLite URLs carry no credentials). */
  display: string;
  /** Resource key: one handle per file and access mode. */
  key: string;
}

export interface PgTarget {
  kind: 'postgres';
  url: string;
  /** The URL with the password replaced by `***`. */
  display: string;
  /** Resource key: one pool per URL. */
  key: string;
  /** Texts that must never appear in a message (the password, raw and decoded). */
  secrets: string[];
}

export type DbTarget = SqliteTarget | PgTarget;

const SQLITE_MODES = new Set(['ro', 'rw', 'rwc', 'memory']);

/** `Failed to connect to database '<url>': <why>` with the URL masked. */
export function connectError(display: string, why: string, retryable = true): NodeError {
  return new NodeError(`Failed to connect to database '${display}': ${why}`, { retryable });
}

const parsed = new Map<string, DbTarget>();
const PARSED_MAX = 500;

/** Parse `connection` (cached). Throws the "Failed to connect" error for a URL no backend accepts. */
export function parseConnection(raw: string): DbTarget {
  let target = parsed.get(raw);
  if (!target) {
    target = parse(raw);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(raw, target);
  }
  return target;
}

function parse(raw: string): DbTarget {
  const s = raw.trim();
  if (/^postgres(ql)?:\/\//i.test(s)) return pgTarget(s);
  if (/^sqlite:/i.test(s)) return sqliteTarget(s, s.slice('sqlite:'.length).replace(/^\/\//, ''));
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(s);
  if (scheme) {
    throw connectError(
      maskUrl(s),
      `unsupported database URL scheme '${scheme[1]}' (use sqlite:<path>, sqlite://<path>, postgres:// or postgresql://)`,
      false,
    );
  }
  if (s === '') throw connectError(s, 'the connection URL is empty', false);
  // A bare file path is read as `sqlite:<path>`.
  return sqliteTarget(s, s);
}

function sqliteTarget(display: string, rest: string): SqliteTarget {
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  let mode: string | undefined;
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) {
      if (k !== 'mode') {
        throw connectError(display, `unsupported SQLite URL option '${k}' (supported: mode)`, false);
      }
      if (!SQLITE_MODES.has(v)) {
        throw connectError(display, `unsupported SQLite mode '${v}' (use ro, rw, rwc or memory)`, false);
      }
      mode = v;
    }
  }
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // a literal '%' in a file name: keep the path as written
  }
  const memory = mode === 'memory' || path === ':memory:';
  if (memory) path = ':memory:';
  if (path === '') throw connectError(display, 'the SQLite URL has no file path', false);
  const readonly = mode === 'ro';
  // In-memory databases live as long as the process and are shared by every step naming the same URL path.
  const key = memory
    ? `db:sqlite:memory:${rawPath}`
    : `db:sqlite:${readonly ? 'ro' : 'rw'}:${isAbsolute(path) ? path : resolve(path)}`;
  return {
    kind: 'sqlite',
    path,
    memory,
    readonly,
    create: mode === 'rwc',
    defaultMode: mode === undefined,
    display,
    key,
  };
}

function pgTarget(url: string): PgTarget {
  const secrets = new Set<string>();
  const info = userInfo(url);
  if (info?.password) {
    secrets.add(info.password);
    try {
      secrets.add(decodeURIComponent(info.password));
    } catch {
      // not percent-encoded
    }
  }
  for (const m of url.matchAll(/[?&](?:ssl)?password=([^&#]*)/gi)) {
    if (!m[1]) continue;
    secrets.add(m[1]);
    try {
      secrets.add(decodeURIComponent(m[1]));
    } catch {
      // not percent-encoded
    }
  }
  return { kind: 'postgres', url, display: maskUrl(url), key: `db:${url}`, secrets: [...secrets] };
}

/** The `user:password` part of `scheme://user:password@host…`, if any (the last `@` ends it). */
function userInfo(url: string): { start: number; end: number; password: string } | undefined {
  const sep = url.indexOf('://');
  if (sep === -1) return undefined;
  const start = sep + 3;
  const at = url.lastIndexOf('@');
  if (at < start) return undefined;
  const colon = url.indexOf(':', start);
  if (colon === -1 || colon > at) return undefined;
  return { start: colon + 1, end: at, password: url.slice(colon + 1, at) };
}

/** `postgres://user:***@host/db` (also `password=` query parameters). Text without a URL is unchanged. */
export function maskUrl(url: string): string {
  let out = url;
  const info = userInfo(out);
  if (info) out = `${out.slice(0, info.start)}***${out.slice(info.end)}`;
  return out.replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***');
}

/**
 * Make a message safe to show: the raw URL becomes the masked one, every known secret becomes `***`, and any
 * other `scheme://user:pass@` in the text is masked too.
 */
export function scrub(message: string, target: DbTarget | undefined): string {
  let out = message;
  if (target?.kind === 'postgres') {
    // Park the URL behind a token so that masking the secrets cannot garble the masked URL put back after.
    const token = '\u0000URL\u0000';
    out = out.split(target.url).join(token);
    for (const s of target.secrets) if (s) out = out.split(s).join('***');
    out = out.split(token).join(target.display);
  }
  return maskUrlsInText(out);
}
