// SQLite store (better-sqlite3, WAL). Tables `<prefix>runs` (one row per run, summary columns indexed for
// listing) and `<prefix>tasks` (one row per task, so a task update writes one small row). The driver is
// loaded lazily so other stores never load it.
import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { Context, RunInfo, RunStatus, TaskState } from '../engine/types.js';
import { StoreError } from '../util/errors.js';
import {
  assertCtx,
  assertRunStatus,
  backendError,
  closedError,
  conflict,
  isTerminal,
  makePage,
  newRun,
  normalizeQuery,
  normalizeRun,
  normalizeTask,
  notFound,
  nowIso,
  orderTask,
  startedKey,
} from './common.js';
import { assertRunId } from './ids.js';
import { listingIndexesSql, listRunsSql } from './sql.js';
import type { InitRunOptions, ListPage, ListQuery, RunSummary, StateStore } from './types.js';

export const DEFAULT_TABLE_PREFIX = 'ironflow_';

export function assertTablePrefix(prefix: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(prefix)) {
    throw new StoreError(
      'invalid_input',
      `Invalid SQL table prefix '${prefix}': use letters, digits and '_' (at most 41 characters, not starting with a digit)`,
    );
  }
  return prefix;
}

export interface SqliteStoreOptions {
  tablePrefix?: string;
}

interface RunRow {
  id: string;
  flow_name: string;
  status: RunStatus;
  started: string | null;
  finished: string | null;
  ctx: string;
  parent_run_id: string | null;
  parent_step: string | null;
  task_count: number;
}

export function rowSummary(r: Omit<RunRow, 'ctx'>): RunSummary {
  const s: RunSummary = {
    id: r.id,
    flow_name: r.flow_name,
    status: r.status,
    started: r.started,
    finished: r.finished,
    task_count: Number(r.task_count),
  };
  if (r.parent_run_id !== null) s.parent_run_id = r.parent_run_id;
  if (r.parent_step !== null) s.parent_step = r.parent_step;
  return s;
}

export class SqliteStore implements StateStore {
  readonly kind = 'sqlite';
  readonly location: string;
  private db: Database.Database | null = null;
  private readonly path: string;
  private readonly t: string;
  private stmts!: ReturnType<SqliteStore['prepare']>;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.location = path;
    this.path = path;
    this.t = assertTablePrefix(opts.tablePrefix ?? DEFAULT_TABLE_PREFIX);
  }

  /** Open the database file (created 0600 with its directory 0700) and create the tables. */
  async open(): Promise<this> {
    try {
      const { default: Sqlite } = await import('better-sqlite3');
      const memory = this.path === ':memory:' || this.path === '';
      if (!memory) {
        const file = resolve(this.path);
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        try {
          closeSync(openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      const db = new Sqlite(memory ? ':memory:' : this.path, { timeout: 10_000 });
      this.db = db;
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      this.createSchema(db);
      this.stmts = this.prepare(db);
    } catch (e) {
      this.db?.close();
      this.db = null;
      throw backendError('SQLite', this.location, e, 'cannot open the database');
    }
    return this;
  }

  private createSchema(db: Database.Database): void {
    const t = this.t;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t}runs (
        id TEXT PRIMARY KEY,
        flow_name TEXT NOT NULL,
        status TEXT NOT NULL,
        started TEXT,
        finished TEXT,
        started_key INTEGER NOT NULL,
        ctx TEXT NOT NULL,
        parent_run_id TEXT,
        parent_step TEXT,
        task_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS ${t}tasks (
        run_id TEXT NOT NULL,
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, name)
      );
      ${listingIndexesSql(t)}
    `);
  }

  private prepare(db: Database.Database) {
    const t = this.t;
    const insertRun = db.prepare(
      `INSERT INTO ${t}runs (id, flow_name, status, started, finished, started_key, ctx, parent_run_id, parent_step, task_count)
       VALUES (@id, @flow_name, @status, @started, @finished, @started_key, @ctx, @parent_run_id, @parent_step, @task_count)
       ON CONFLICT (id) DO NOTHING`,
    );
    const insertTask = db.prepare(`INSERT INTO ${t}tasks (run_id, name, seq, data) VALUES (?, ?, ?, ?)`);
    const updateTask = db.prepare(`UPDATE ${t}tasks SET data = ? WHERE run_id = ? AND name = ?`);
    const bumpCount = db.prepare(
      `UPDATE ${t}runs SET task_count = task_count + 1 WHERE id = ? RETURNING task_count`,
    );
    const setStatus = db.prepare(
      `UPDATE ${t}runs SET status = ?, finished = CASE WHEN ? = 1 AND finished IS NULL THEN ? ELSE finished END WHERE id = ?`,
    );
    const getCtx = db.prepare(`SELECT ctx FROM ${t}runs WHERE id = ?`);
    const setCtx = db.prepare(`UPDATE ${t}runs SET ctx = ? WHERE id = ?`);
    const getRun = db.prepare(`SELECT * FROM ${t}runs WHERE id = ?`);
    const getTasks = db.prepare(`SELECT data FROM ${t}tasks WHERE run_id = ? ORDER BY seq`);
    const tree = db.prepare(
      `WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT r.id FROM ${t}runs r JOIN tree ON r.parent_run_id = tree.id)
       SELECT id FROM tree`,
    );
    const delTasks = db.prepare(`DELETE FROM ${t}tasks WHERE run_id = ?`);
    const delRun = db.prepare(`DELETE FROM ${t}runs WHERE id = ?`);
    return {
      insertRun,
      init: db.transaction((row: Record<string, unknown>, tasks: TaskState[]) => {
        if (insertRun.run(row).changes === 0) return false;
        tasks.forEach((task, i) => {
          insertTask.run(row.id, task.name, i + 1, JSON.stringify(task));
        });
        return true;
      }),
      upsertTask: db.transaction((id: string, name: string, data: string) => {
        if (updateTask.run(data, id, name).changes > 0) return true;
        const bumped = bumpCount.get(id) as { task_count: number } | undefined;
        if (!bumped) return false;
        insertTask.run(id, name, bumped.task_count, data);
        return true;
      }),
      setStatus,
      getCtx,
      updateCtx: db.transaction((id: string, patch: Context) => {
        const row = getCtx.get(id) as { ctx: string } | undefined;
        if (!row) return false;
        setCtx.run(JSON.stringify(Object.assign(JSON.parse(row.ctx) as Context, patch)), id);
        return true;
      }),
      read: db.transaction((id: string) => {
        const run = getRun.get(id) as RunRow | undefined;
        if (!run) return undefined;
        const tasks = getTasks.all(id) as { data: string }[];
        return { run, tasks };
      }),
      deleteTree: db.transaction((id: string) => {
        const ids = (tree.all(id) as { id: string }[]).map((r) => r.id);
        let existed = false;
        for (const d of ids) {
          delTasks.run(d);
          existed = delRun.run(d).changes > 0 || existed;
        }
        return existed;
      }),
    };
  }

  private conn(): Database.Database {
    if (!this.db) throw closedError('SQLite');
    return this.db;
  }

  private run<T>(fn: () => T, action: string): T {
    this.conn();
    try {
      return fn();
    } catch (e) {
      throw backendError('SQLite', this.location, e, action);
    }
  }

  async initRun(id: string, flowName: string, ctx: Context, opts?: InitRunOptions): Promise<void> {
    this.conn();
    const run = newRun(id, flowName, ctx, opts);
    if (!this.run(() => this.stmts.init.immediate(this.row(run), []), `creating run ${id}`))
      throw conflict(id);
  }

  async importRun(input: RunInfo): Promise<void> {
    this.conn();
    const run = normalizeRun(input);
    const ok = this.run(
      () => this.stmts.init.immediate(this.row(run), Object.values(run.tasks)),
      'importing',
    );
    if (!ok) throw conflict(run.id);
  }

  private row(run: RunInfo): Record<string, unknown> {
    return {
      id: run.id,
      flow_name: run.flow_name,
      status: run.status,
      started: run.started,
      finished: run.finished,
      started_key: startedKey(run.started),
      ctx: JSON.stringify(run.ctx),
      parent_run_id: run.parent_run_id ?? null,
      parent_step: run.parent_step ?? null,
      task_count: Object.keys(run.tasks).length,
    };
  }

  async setRunStatus(id: string, status: RunStatus): Promise<void> {
    const s = assertRunStatus(status);
    assertRunId(id);
    const r = this.run(
      () => this.stmts.setStatus.run(s, isTerminal(s) ? 1 : 0, nowIso(), id),
      `updating run ${id}`,
    );
    if (r.changes === 0) throw notFound(id);
  }

  async upsertTask(id: string, task: TaskState): Promise<void> {
    assertRunId(id);
    const t = normalizeTask(task);
    const data = JSON.stringify(t);
    const ok = this.run(() => this.stmts.upsertTask.immediate(id, t.name, data), `updating run ${id}`);
    if (!ok) throw notFound(id);
  }

  async getCtx(id: string): Promise<Context> {
    assertRunId(id);
    const row = this.run(() => this.stmts.getCtx.get(id) as { ctx: string } | undefined, `reading run ${id}`);
    if (!row) throw notFound(id);
    return JSON.parse(row.ctx) as Context;
  }

  async updateCtx(id: string, ctx: Context): Promise<void> {
    assertRunId(id);
    const patch = assertCtx(ctx);
    if (!this.run(() => this.stmts.updateCtx.immediate(id, patch), `updating run ${id}`)) throw notFound(id);
  }

  async getRun(id: string): Promise<RunInfo> {
    assertRunId(id);
    const got = this.run(() => this.stmts.read(id), `reading run ${id}`);
    if (!got) throw notFound(id);
    const r = got.run;
    const run: RunInfo = {
      id: r.id,
      flow_name: r.flow_name,
      status: r.status,
      started: r.started,
      finished: r.finished,
      ctx: JSON.parse(r.ctx) as Context,
      tasks: {},
    };
    for (const { data } of got.tasks) {
      const task = orderTask(JSON.parse(data) as TaskState);
      run.tasks[task.name] = task;
    }
    if (r.parent_run_id !== null) run.parent_run_id = r.parent_run_id;
    if (r.parent_step !== null) run.parent_step = r.parent_step;
    return run;
  }

  async listRuns(query?: ListQuery): Promise<ListPage> {
    const db = this.conn();
    const q = normalizeQuery(query);
    const args: unknown[] = [];
    const sql = listRunsSql(this.t, q, (v) => {
      args.push(v);
      return '?';
    });
    const rows = this.run(() => db.prepare(sql).all(...args) as Omit<RunRow, 'ctx'>[], 'listing runs');
    return makePage(rows.map(rowSummary), q);
  }

  async deleteRun(id: string): Promise<boolean> {
    assertRunId(id);
    return this.run(() => this.stmts.deleteTree.immediate(id), `deleting run ${id}`);
  }

  async flush(): Promise<void> {
    this.conn();
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    db?.close();
  }
}
