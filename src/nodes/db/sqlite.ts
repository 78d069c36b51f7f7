// SQLite through better-sqlite3: one Database per file (WAL, busy timeout, foreign keys on), shared by all
// steps and runs through the process resources, with a small cache of prepared statements. Statements run
// synchronously on the engine's thread, so a running one cannot be interrupted: the signal is checked before.

import { existsSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { Resources } from '../types.js';
import { DB } from './settings.js';
import { OpenTransactionError, TooManyRowsError } from './sql.js';
import { connectError, type SqliteTarget } from './url.js';
import { boolOut, jsonOut, jsonTextOut } from './values.js';

interface Handle {
  db: BetterSqlite3.Database;
  statements: Map<string, BetterSqlite3.Statement>;
  totalChanges: BetterSqlite3.Statement;
}

const STATEMENT_CACHE = 200;

async function open(target: SqliteTarget): Promise<Handle> {
  const { default: Database } = await import('better-sqlite3');
  let db: BetterSqlite3.Database;
  try {
    db = new Database(target.path, {
      readonly: target.readonly,
      fileMustExist: !target.memory && !target.create,
      timeout: DB.sqliteBusyTimeout.get(),
    });
  } catch (e) {
    let why = (e as Error).message;
    if (target.defaultMode && !target.memory && !existsSync(target.path)) {
      why += ' (the file does not exist; add ?mode=rwc to the URL to create it)';
    }
    throw connectError(target.display, why);
  }
  try {
    if (!target.readonly && !target.memory) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    throw connectError(target.display, (e as Error).message);
  }
  return { db, statements: new Map(), totalChanges: db.prepare('SELECT total_changes()').pluck() };
}

function handle(resources: Resources, target: SqliteTarget): Promise<Handle> {
  return resources.get(
    target.key,
    () => open(target),
    (h) => {
      h.db.close();
    },
  );
}

function prepare(h: Handle, sql: string): BetterSqlite3.Statement {
  let st = h.statements.get(sql);
  if (!st) {
    st = h.db.prepare(sql);
    if (h.statements.size >= STATEMENT_CACHE) h.statements.delete(h.statements.keys().next().value!);
    h.statements.set(sql, st);
  }
  return st;
}

/** A converter per column, from its declared type (BOOLEAN → booleans, JSON → parsed, else as stored). */
function converter(declared: string | null): (v: unknown) => unknown {
  const t = (declared ?? '').toUpperCase();
  if (t.includes('BOOL')) return boolOut;
  if (t === 'JSON') return jsonTextOut;
  return jsonOut;
}

/**
 * Run `fn` on the shared handle and never leave a transaction open on it: after a failure inside an explicit
 * transaction (a script's BEGIN), or a query that ends inside one, roll it back.
 */
function guarded<T>(h: Handle, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (e) {
    if (h.db.inTransaction) h.db.exec('ROLLBACK');
    throw e;
  }
  if (h.db.inTransaction) {
    h.db.exec('ROLLBACK');
    throw new OpenTransactionError();
  }
  return result;
}

export async function sqliteQuery(
  resources: Resources,
  target: SqliteTarget,
  sql: string,
  values: unknown[],
): Promise<Record<string, unknown>[]> {
  const h = await handle(resources, target);
  return guarded(h, () => readRows(prepare(h, sql), values));
}

function readRows(st: BetterSqlite3.Statement, values: unknown[]): Record<string, unknown>[] {
  if (!st.reader) {
    st.run(...values);
    return [];
  }
  st.raw(true).safeIntegers(true);
  const cols = st.columns();
  const names = cols.map((c) => c.name);
  const convs = cols.map((c) => converter(c.type));
  const max = DB.maxRows.get();
  const rows: Record<string, unknown>[] = [];
  // Read row by row, so a query over the limit stops there instead of filling memory first.
  for (const src of st.iterate(...values) as IterableIterator<unknown[]>) {
    if (max > 0 && rows.length >= max) throw new TooManyRowsError(max);
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = convs[c]!(src[c]);
    rows.push(row);
  }
  return rows;
}

export async function sqliteExec(
  resources: Resources,
  target: SqliteTarget,
  sql: string,
  values: unknown[],
): Promise<number> {
  const h = await handle(resources, target);
  return guarded(h, () => {
    let st: BetterSqlite3.Statement;
    try {
      st = prepare(h, sql);
    } catch (e) {
      if (e instanceof RangeError && /more than one statement/.test(e.message)) {
        if (values.length > 0)
          throw new RangeError(`${e.message}: a query with parameters must be one statement`);
        // A script of several statements without parameters (migrations): run it whole.
        const before = h.totalChanges.get() as number;
        h.db.exec(sql);
        return (h.totalChanges.get() as number) - before;
      }
      throw e;
    }
    return st.run(...values).changes;
  });
}

/** Whether a retry could help (a lock held elsewhere, an I/O error), from a SqliteError code. */
export function sqliteRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|FULL)/.test(code);
}
