// PostgreSQL store (pg.Pool). Same schema idea as SQLite: `<prefix>runs` with indexed summary columns and a
// jsonb context, `<prefix>tasks` with one jsonb row per task. Tables are created on first use with
// IF NOT EXISTS under an advisory lock, so several processes may start at once. Every mutation is one
// statement (atomic on its own); the terminal stamp and the context merge happen inside PostgreSQL.
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { Context, RunInfo, RunStatus, TaskState } from '../engine/types.js';
import { errorChain, StoreError } from '../util/errors.js';
import {
  assertCtx,
  assertRunStatus,
  closedError,
  conflict,
  isTerminal,
  makePage,
  maskSecrets,
  maskUrl,
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
import { assertTablePrefix, DEFAULT_TABLE_PREFIX, rowSummary } from './sqlite.js';
import type { InitRunOptions, ListPage, ListQuery, StateStore } from './types.js';

export interface PostgresStoreOptions {
  tablePrefix?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Connect timeout in milliseconds (default 5000). */
  connectTimeoutMs?: number;
}

/** Errors that mean the connection (not the statement) failed. */
function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  const code = err?.code ?? '';
  if (/^(08|57P)/.test(code)) return true;
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      code,
    )
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    err?.message ?? '',
  );
}

export class PostgresStore implements StateStore {
  readonly kind = 'postgres';
  readonly location: string;
  private pool: Pool | null = null;
  private readonly url: string;
  private readonly t: string;
  private readonly opts: PostgresStoreOptions;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    this.url = url;
    this.location = maskUrl(url);
    this.t = assertTablePrefix(opts.tablePrefix ?? DEFAULT_TABLE_PREFIX);
    this.opts = opts;
  }

  private fail(e: unknown, action: string): StoreError {
    if (e instanceof StoreError) return e;
    const detail = maskSecrets(errorChain(e) || String((e as { code?: string })?.code ?? 'unknown error'));
    return new StoreError('backend', `PostgreSQL store at ${this.location}: ${action}: ${detail}`);
  }

  /** Connect, check the server answers and create the tables. Fails at start-up when unreachable. */
  async open(): Promise<this> {
    try {
      const pg = await import('pg');
      const PoolCtor = (pg.default ?? pg).Pool;
      const pool = new PoolCtor({
        connectionString: this.url,
        max: this.opts.maxConnections ?? 10,
        connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 5000,
        idleTimeoutMillis: 30_000,
        application_name: 'ironflow',
      });
      // an idle client whose server went away emits here; the pool drops it and the next query reconnects
      pool.on('error', () => {});
      // a checked-out client can also see its connection die; without a listener that would crash the process
      pool.on('connect', (client) => {
        client.on('error', () => {});
      });
      this.pool = pool;
      await this.createSchema();
    } catch (e) {
      const pool = this.pool;
      this.pool = null;
      await pool?.end().catch(() => {});
      throw this.fail(e, 'cannot connect');
    }
    return this;
  }

  private async createSchema(): Promise<void> {
    const t = this.t;
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ironflow-store-schema:${t}`]);
      await c.query(`
        CREATE SEQUENCE IF NOT EXISTS ${t}task_seq;
        CREATE TABLE IF NOT EXISTS ${t}runs (
          id TEXT COLLATE "C" PRIMARY KEY,
          flow_name TEXT NOT NULL,
          status TEXT NOT NULL,
          started TEXT,
          finished TEXT,
          started_key BIGINT NOT NULL,
          ctx JSONB NOT NULL,
          parent_run_id TEXT COLLATE "C",
          parent_step TEXT,
          task_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS ${t}tasks (
          run_id TEXT COLLATE "C" NOT NULL REFERENCES ${t}runs (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          seq BIGINT NOT NULL,
          data JSONB NOT NULL,
          PRIMARY KEY (run_id, name)
        );
        ${listingIndexesSql(t)}
      `);
    });
  }

  private getPool(): Pool {
    if (!this.pool) throw closedError('PostgreSQL');
    return this.pool;
  }

  /**
   * Run a statement. A failure to connect is retried once (nothing was sent); a connection lost mid-way is
   * retried once only for idempotent statements.
   */
  private async q(
    sql: string,
    params: unknown[],
    action: string,
    idempotent = true,
    name?: string,
  ): Promise<QueryResult<Record<string, unknown>>> {
    const pool = this.getPool();
    for (let attempt = 0; ; attempt++) {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        if (attempt === 0 && isConnectionError(e)) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw this.fail(e, action);
      }
      try {
        // named statements are parsed and planned once per connection
        const res = await client.query(
          name ? { name: `${this.t}${name}`, text: sql, values: params } : { text: sql, values: params },
        );
        client.release();
        return res;
      } catch (e) {
        const lost = isConnectionError(e);
        client.release(lost ? (e as Error) : undefined);
        if (lost && idempotent && attempt === 0) continue;
        throw this.mapError(e, action);
      }
    }
  }

  private mapError(e: unknown, action: string): StoreError {
    const code = (e as { code?: string }).code;
    if (code === '23503') return new StoreError('not_found', `Run not found while ${action}`);
    return this.fail(e, action);
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.getPool().connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      client.release();
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      client.release(isConnectionError(e) ? (e as Error) : undefined);
      throw e;
    }
  }

  private rowArgs(run: RunInfo): unknown[] {
    return [
      run.id,
      run.flow_name,
      run.status,
      run.started,
      run.finished,
      startedKey(run.started),
      JSON.stringify(run.ctx),
      run.parent_run_id ?? null,
      run.parent_step ?? null,
      Object.keys(run.tasks).length,
    ];
  }

  private insertSql(): string {
    return `INSERT INTO ${this.t}runs (id, flow_name, status, started, finished, started_key, ctx, parent_run_id, parent_step, task_count)
      VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) ON CONFLICT (id) DO NOTHING`;
  }

  async initRun(id: string, flowName: string, ctx: Context, opts?: InitRunOptions): Promise<void> {
    this.getPool();
    const run = newRun(id, flowName, ctx, opts);
    const res = await this.q(this.insertSql(), this.rowArgs(run), `creating run ${id}`, false, 'init_run');
    if (res.rowCount === 0) throw conflict(id);
  }

  async importRun(input: RunInfo): Promise<void> {
    this.getPool();
    const run = normalizeRun(input);
    // one statement: the run and its tasks (in order, before any task added later) or nothing
    const res = await this.q(
      `WITH r AS (
         ${this.insertSql()} RETURNING id
       ), t AS (
         INSERT INTO ${this.t}tasks (run_id, name, seq, data)
         SELECT r.id, e.data->>'name', e.ord - 4611686018427387904, e.data
         FROM r, jsonb_array_elements($11::jsonb) WITH ORDINALITY AS e(data, ord)
       )
       SELECT count(*)::int AS n FROM r`,
      [...this.rowArgs(run), JSON.stringify(Object.values(run.tasks))],
      `importing run ${run.id}`,
      false,
      'import_run',
    );
    if (res.rows[0]?.n !== 1) throw conflict(run.id);
  }

  async setRunStatus(id: string, status: RunStatus): Promise<void> {
    const s = assertRunStatus(status);
    assertRunId(id);
    const res = await this.q(
      `UPDATE ${this.t}runs SET status = $2,
         finished = CASE WHEN $3::boolean AND finished IS NULL THEN $4 ELSE finished END
       WHERE id = $1`,
      [id, s, isTerminal(s), nowIso()],
      `updating run ${id}`,
      true,
      'set_status',
    );
    if (res.rowCount === 0) throw notFound(id);
  }

  async upsertTask(id: string, task: TaskState): Promise<void> {
    assertRunId(id);
    const t = normalizeTask(task);
    const res = await this.q(
      `WITH upd AS (
         UPDATE ${this.t}tasks SET data = $3::jsonb WHERE run_id = $1 AND name = $2 RETURNING 1
       ), ins AS (
         INSERT INTO ${this.t}tasks (run_id, name, seq, data)
         SELECT $1, $2, nextval('${this.t}task_seq'), $3::jsonb
         WHERE NOT EXISTS (SELECT 1 FROM upd) AND EXISTS (SELECT 1 FROM ${this.t}runs WHERE id = $1)
         ON CONFLICT (run_id, name) DO UPDATE SET data = EXCLUDED.data
         RETURNING (xmax = 0) AS inserted
       ), bump AS (
         UPDATE ${this.t}runs SET task_count = task_count + 1
         WHERE id = $1 AND EXISTS (SELECT 1 FROM ins WHERE inserted)
       )
       SELECT ((SELECT count(*) FROM upd) + (SELECT count(*) FROM ins))::int AS n`,
      [id, t.name, JSON.stringify(t)],
      `updating run ${id}`,
      true,
      'upsert_task',
    );
    if (!res.rows[0] || res.rows[0].n === 0) throw notFound(id);
  }

  async getCtx(id: string): Promise<Context> {
    assertRunId(id);
    const res = await this.q(`SELECT ctx FROM ${this.t}runs WHERE id = $1`, [id], `reading run ${id}`);
    if (!res.rows[0]) throw notFound(id);
    return res.rows[0].ctx as Context;
  }

  async updateCtx(id: string, ctx: Context): Promise<void> {
    assertRunId(id);
    const patch = assertCtx(ctx);
    const res = await this.q(
      `UPDATE ${this.t}runs SET ctx = ctx || $2::jsonb WHERE id = $1`,
      [id, JSON.stringify(patch)],
      `updating run ${id}`,
      true,
      'update_ctx',
    );
    if (res.rowCount === 0) throw notFound(id);
  }

  async getRun(id: string): Promise<RunInfo> {
    assertRunId(id);
    const res = await this.q(
      `SELECT r.id, r.flow_name, r.status, r.started, r.finished, r.ctx, r.parent_run_id, r.parent_step,
         COALESCE((SELECT json_agg(t.data ORDER BY t.seq) FROM ${this.t}tasks t WHERE t.run_id = r.id), '[]'::json) AS tasks
       FROM ${this.t}runs r WHERE r.id = $1`,
      [id],
      `reading run ${id}`,
      true,
      'get_run',
    );
    const r = res.rows[0];
    if (!r) throw notFound(id);
    const run: RunInfo = {
      id: r.id as string,
      flow_name: r.flow_name as string,
      status: r.status as RunStatus,
      started: r.started as string | null,
      finished: r.finished as string | null,
      ctx: r.ctx as Context,
      tasks: {},
    };
    for (const raw of r.tasks as TaskState[]) {
      const task = orderTask(raw);
      run.tasks[task.name] = task;
    }
    if (r.parent_run_id !== null) run.parent_run_id = r.parent_run_id as string;
    if (r.parent_step !== null) run.parent_step = r.parent_step as string;
    return run;
  }

  async listRuns(query?: ListQuery): Promise<ListPage> {
    this.getPool();
    const q = normalizeQuery(query);
    const args: unknown[] = [];
    const sql = listRunsSql(this.t, q, (v) => {
      args.push(v);
      return `$${args.length}`;
    });
    const res = await this.q(sql, args, 'listing runs');
    return makePage(
      res.rows.map((r) => rowSummary(r as never)),
      q,
    );
  }

  async deleteRun(id: string): Promise<boolean> {
    assertRunId(id);
    const res = await this.q(
      `WITH RECURSIVE tree(id) AS (
         SELECT $1::text COLLATE "C"
         UNION SELECT r.id FROM ${this.t}runs r JOIN tree ON r.parent_run_id = tree.id
       )
       DELETE FROM ${this.t}runs WHERE id IN (SELECT id FROM tree)`,
      [id],
      `deleting run ${id}`,
      false,
    );
    return (res.rowCount ?? 0) > 0;
  }

  async flush(): Promise<void> {
    this.getPool();
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end().catch(() => {});
  }
}
