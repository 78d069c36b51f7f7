// PostgreSQL through pg: one bounded pg.Pool per database URL, shared by all steps and runs through the process
// resources and ended at shutdown. A step's signal stops the wait for a connection or cancels the running
// statement on the server (pg_cancel_backend); the connection goes back to the pool only once it is idle.
import type pg from 'pg';
import { CancelledError } from '../../util/errors.js';
import type { Resources } from '../types.js';
import { DB } from './settings.js';
import { OpenTransactionError, TooManyRowsError } from './sql.js';
import type { PgTarget } from './url.js';
import { floatOut, integerOut, numericOut } from './values.js';

type PgModule = typeof pg;

interface Handle {
  pg: PgModule;
  pool: pg.Pool;
  connectMs: number;
  url: string;
}

/** A failure to get a connection (as opposed to a failing statement). */
export class PgConnectError extends Error {}

/** How long a cancelled statement may keep its connection before the connection is closed. */
const CANCEL_GRACE_MS = 5000;

/** JSON-friendly type parsers: exact big integers and decimals, dates and times as the server prints them. */
function typeParsers(types: PgModule['types']): pg.CustomTypesConfig {
  const text = (s: string) => s;
  const parserOf = types.getTypeParser as (oid: number, format: 'text') => (s: string) => unknown;
  const textArray = parserOf(1009, 'text') as (s: string) => unknown[]; // text[]
  const mapDeep = (a: unknown[], f: (s: string) => unknown): unknown[] =>
    a.map((x) => (Array.isArray(x) ? mapDeep(x, f) : x === null ? null : f(x as string)));
  const arrayOf = (f: (s: string) => unknown) => (s: string) => mapDeep(textArray(s), f);
  const float = (s: string) => floatOut(Number.parseFloat(s));
  const own = new Map<number, (s: string) => unknown>([
    [20, integerOut], // int8
    [1700, numericOut], // numeric
    [700, float], // float4
    [701, float], // float8
    [1016, arrayOf(integerOut)],
    [1231, arrayOf(numericOut)],
    [1021, arrayOf(float)],
    [1022, arrayOf(float)],
  ]);
  // date, timestamp, timestamptz, time, timetz, interval (and their arrays): as printed by the server.
  for (const oid of [1082, 1114, 1184, 1083, 1266, 1186]) own.set(oid, text);
  for (const oid of [1182, 1115, 1185, 1183, 1270, 1187]) own.set(oid, arrayOf(text));
  return {
    getTypeParser: ((oid: number, format?: string) =>
      (format === undefined || format === 'text' ? own.get(oid) : undefined) ??
      parserOf(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
}

async function createPool(target: PgTarget): Promise<Handle> {
  const { default: pgm } = await import('pg');
  const connectMs = Math.round(DB.connectTimeout.get() * 1000);
  // pg applies one connectionTimeoutMillis to both the wait for a free pool slot and the login; only the
  // login is bounded here (the wait for a slot is bounded by the step's own timeout through its signal).
  class Client extends pgm.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectMs });
    }
  }
  const pool = new pgm.Pool({
    connectionString: target.url,
    max: DB.poolSize.get(),
    idleTimeoutMillis: Math.round(DB.idleTimeout.get() * 1000),
    connectionTimeoutMillis: 0,
    allowExitOnIdle: true,
    types: typeParsers(pgm.types),
    Client,
  });
  // An idle connection that dies (server restart) is dropped by the pool; without a listener it would crash.
  pool.on('error', () => {});
  return { pg: pgm, pool, connectMs, url: target.url };
}

function handle(resources: Resources, target: PgTarget): Promise<Handle> {
  return resources.get(
    target.key,
    () => createPool(target),
    (h) => h.pool.end(),
  );
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new CancelledError();
}

/** A pooled connection, or the reason the step stopped waiting for one. */
function acquire(pool: pg.Pool, signal: AbortSignal): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    // pg parses the URL when it creates a client, and may throw synchronously: keep that in the promise.
    Promise.resolve()
      .then(() => pool.connect())
      .then(
        (client) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) client.release();
          else resolve(client);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(new PgConnectError((e as Error)?.message ?? String(e), { cause: e }));
        },
      );
  });
}

/** Resolves true once the connection is ready for the next query (false if it ended or took too long). */
function untilReady(client: pg.PoolClient): Promise<boolean> {
  // `readyForQuery` is set by pg when the server's ReadyForQuery arrives; 'drain' follows it when, as here,
  // nothing else is queued on the connection.
  if ((client as unknown as { readyForQuery?: boolean }).readyForQuery) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('drain', onDrain);
      client.off('end', onEnd);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), CANCEL_GRACE_MS);
    client.on('drain', onDrain);
    client.on('end', onEnd);
  });
}

/** Ask the server to cancel what backend `pid` is running, from a separate short-lived connection. */
async function cancelBackend(h: Handle, pid: number | undefined): Promise<void> {
  if (!pid) return;
  const c = new h.pg.Client({ connectionString: h.url, connectionTimeoutMillis: h.connectMs });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // the grace timer below closes the connection instead
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Run one statement (or, without values, a script) on a pooled connection. The connection is released when
 * the statement has finished; errors reported by the server keep it, other errors discard it.
 */
async function run(
  resources: Resources,
  target: PgTarget,
  text: string,
  values: unknown[],
  signal: AbortSignal,
  maxRows = 0,
): Promise<pg.QueryResult[]> {
  if (signal.aborted) throw abortReason(signal);
  const h = await handle(resources, target);
  const client = await acquire(h.pool, signal);
  const isServerError = (e: unknown) => e instanceof h.pg.DatabaseError;
  // A connection still inside a transaction (a lone BEGIN, or a script that failed between BEGIN and COMMIT)
  // is closed rather than pooled: the server rolls the transaction back.
  const inTransaction = () => client.getTransactionStatus() !== 'I';
  const submitted =
    maxRows > 0
      ? collectRows(h.pg, client, text, values, maxRows)
      : client.query(values.length ? { text, values } : text);
  const done = submitted.then(
    (r) => {
      if (inTransaction()) {
        client.release(true);
        throw new OpenTransactionError();
      }
      client.release();
      return (Array.isArray(r) ? r : [r]) as pg.QueryResult[];
    },
    async (e: unknown) => {
      // pg reports an error as soon as the server sends it, before the server says which transaction state
      // it left; wait for that before deciding whether the connection can be reused.
      const ready = (isServerError(e) || e instanceof TooManyRowsError) && (await untilReady(client));
      client.release(ready && !inTransaction() ? undefined : true);
      throw e;
    },
  );
  return new Promise((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      reject(abortReason(signal));
      void cancelBackend(h, (client as unknown as { processID?: number }).processID);
      grace = setTimeout(() => void client.end().catch(() => {}), CANCEL_GRACE_MS);
      grace.unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(grace);
        resolve(r);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(grace);
        reject(e);
      },
    );
  });
}

export async function pgQuery(
  resources: Resources,
  target: PgTarget,
  text: string,
  values: unknown[],
  signal: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const results = await run(resources, target, text, values, signal, DB.maxRows.get());
  if (results.length === 1) return bytesToBase64(results[0]!);
  return results.flatMap(bytesToBase64);
}

export async function pgExec(
  resources: Resources,
  target: PgTarget,
  text: string,
  values: unknown[],
  signal: AbortSignal,
): Promise<number> {
  const results = await run(resources, target, text, values, signal);
  let n = 0;
  for (const r of results) n += r.rowCount ?? 0;
  return n;
}

/**
 * Submit a query keeping at most `max` rows: past them, the rest of the result is read from the server
 * and dropped (memory stays bounded; cancelling on the server could hit the connection's next query),
 * and the query fails with TooManyRowsError once the server is done.
 */
function collectRows(
  pgm: PgModule,
  client: pg.PoolClient,
  text: string,
  values: unknown[],
  max: number,
): Promise<pg.QueryResult | pg.QueryResult[]> {
  return new Promise((resolve, reject) => {
    const q = new pgm.Query(values.length ? { text, values } : text);
    let kept = 0;
    // With a 'row' listener pg does not keep rows itself; each is added to its statement's result here.
    q.on('row', (row, result) => {
      if (kept < max) result?.addRow(row);
      kept++;
    });
    q.on('error', reject);
    q.on('end', (res) => {
      if (kept > max) reject(new TooManyRowsError(max));
      else resolve(res as unknown as pg.QueryResult | pg.QueryResult[]);
    });
    client.query(q);
  });
}

/** Rows as pg built them, with bytea (and bytea[]) columns as base64 text. */
function bytesToBase64(r: pg.QueryResult): Record<string, unknown>[] {
  const rows = r.rows as Record<string, unknown>[];
  const bin = (r.fields ?? []).filter((f) => f.dataTypeID === 17 || f.dataTypeID === 1001).map((f) => f.name);
  if (bin.length === 0) return rows;
  const b64 = (v: unknown): unknown =>
    Buffer.isBuffer(v) ? v.toString('base64') : Array.isArray(v) ? v.map(b64) : v;
  for (const row of rows) for (const name of bin) row[name] = b64(row[name]);
  return rows;
}

/** The server's message with its detail and SQLSTATE, and whether a retry could help. */
export function pgErrorText(e: unknown): { message: string; retryable: boolean } {
  const err = e as { message?: string; code?: string; detail?: string; severity?: string };
  const base = err?.message || String(e);
  if (typeof err?.code === 'string' && err.severity) {
    const detail = err.detail ? `: ${err.detail}` : '';
    // Classes where trying again can succeed: connection, transaction rollback (serialization, deadlock),
    // insufficient resources, operator intervention, system errors.
    const retryable = /^(08|40|53|57|58)/.test(err.code) && err.code !== '57014';
    return { message: `${base}${detail} (SQLSTATE ${err.code})`, retryable };
  }
  return { message: base, retryable: true };
}
