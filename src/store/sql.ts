// What the SQL stores (SQLite, PostgreSQL) share: the listing indexes and the listing query. Only the
// placeholder syntax differs, so the caller passes a function that records a value and returns its
// placeholder (`?` or `$n`); placeholders are produced in the order they appear in the text.
import { NO_START_KEY, type NormalQuery } from './common.js';

/** The indexes behind task order and every listing filter; `t` is the table prefix. */
export function listingIndexesSql(t: string): string {
  return `
    CREATE INDEX IF NOT EXISTS ${t}tasks_order ON ${t}tasks (run_id, seq);
    CREATE INDEX IF NOT EXISTS ${t}runs_started ON ${t}runs (started_key DESC, id DESC);
    CREATE INDEX IF NOT EXISTS ${t}runs_status ON ${t}runs (status, started_key DESC, id DESC);
    CREATE INDEX IF NOT EXISTS ${t}runs_flow ON ${t}runs (flow_name, started_key DESC, id DESC);
    CREATE INDEX IF NOT EXISTS ${t}runs_parent ON ${t}runs (parent_run_id, started_key DESC, id DESC);
  `;
}

/** One page of run summaries, newest first, one row more than the page to tell whether more follow. */
export function listRunsSql(t: string, q: NormalQuery, arg: (value: unknown) => string): string {
  const where: string[] = [];
  if (q.status !== undefined) where.push(`status = ${arg(q.status)}`);
  if (q.flowName !== undefined) where.push(`flow_name = ${arg(q.flowName)}`);
  if (q.parentRunId !== undefined) where.push(`parent_run_id = ${arg(q.parentRunId)}`);
  if (q.sinceKey !== undefined) where.push(`started_key >= ${arg(q.sinceKey)}`);
  if (q.untilKey !== undefined) {
    where.push(`started_key < ${arg(q.untilKey)} AND started_key > ${arg(NO_START_KEY)}`);
  }
  if (q.after) where.push(`(started_key, id) < (${arg(q.after.k)}, ${arg(q.after.id)})`);
  return (
    `SELECT id, flow_name, status, started, finished, parent_run_id, parent_step, task_count FROM ${t}runs` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY started_key DESC, id DESC LIMIT ${arg(q.limit + 1)}`
  );
}
