// db_query and db_exec (NODES 16.1, 16.2): SQL on SQLite (better-sqlite3) or PostgreSQL (pg), chosen by the
// `connection` URL. Context values reach the database only as bound parameters (see sql.ts for the rules).
import { lintTemplate } from '../../engine/interpolate.js';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import { defineNode } from '../types.js';
import { PgConnectError, pgErrorText, pgExec, pgQuery } from './postgres.js';
import { OpenTransactionError, PlanError, planSql, TooManyRowsError } from './sql.js';
import { sqliteExec, sqliteQuery, sqliteRetryable } from './sqlite.js';
import { connectError, type DbTarget, parseConnection, scrub } from './url.js';
import { bindValues, resolveParam } from './values.js';

const BINDING =
  '`${ctx…}` placeholders in `query` are never spliced into the SQL: each one becomes a bound parameter ' +
  '(inside a quoted string, the string is concatenated with the bound text), so a context value cannot inject SQL';

const params = {
  connection: p.string({
    description:
      'Database URL (required): sqlite:<path>[?mode=ro|rw|rwc|memory] (rwc creates the file; default rw), ' +
      'sqlite://<path>, sqlite::memory:, a plain file path (as sqlite:<path>), or ' +
      'postgres://user:password@host:port/db (also postgresql://). The password is masked everywhere',
    interpolate: 'string',
    secret: true,
  }),
  query: p.string({
    description: `SQL statement (required). ${BINDING}. Also \`?\` markers for \`params\` (SQLite also ?NNN, PostgreSQL also $1, $2, …)`,
  }),
  params: p.array({
    description:
      'Positional parameters: strings, numbers, booleans, null; objects and arrays bind as JSON text. A string ' +
      'that is exactly one ${ctx…} placeholder binds the context value itself (NULL when missing); other ' +
      'strings are interpolated as text',
    default: [] as unknown[],
  }),
};

/** The exact texts of NODES 16 for a missing connection or query (also when the value is not a string). */
function missing(node: string, cfg: Record<string, unknown>): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  if (cfg.connection === undefined || cfg.connection === null) {
    out.push({ path: '$.connection', message: "db node requires 'connection' (database URL string)" });
  }
  if (cfg.query === undefined || cfg.query === null) {
    out.push({ path: '$.query', message: `${node} requires 'query' parameter` });
  }
  // `query` and `params` are bound by the node, not rendered by the engine, so their placeholders are linted here.
  if (typeof cfg.query === 'string') {
    for (const message of lintTemplate(cfg.query)) out.push({ path: '$.query', message });
  }
  if (Array.isArray(cfg.params)) {
    cfg.params.forEach((item, i) => {
      if (typeof item === 'string') {
        for (const message of lintTemplate(item)) out.push({ path: `$.params[${i}]`, message });
      }
    });
  }
  return out;
}

interface Common {
  connection?: string;
  query?: string;
  params: unknown[];
}

/** Check, parse, bind and run; returns rows (db_query) or rows affected (db_exec). */
async function execute(
  node: 'db_query' | 'db_exec',
  cfg: Common,
  nc: NodeContext,
): Promise<Record<string, unknown>[] | number> {
  if (typeof cfg.connection !== 'string') {
    throw new NodeError("db node requires 'connection' (database URL string)", { retryable: false });
  }
  if (typeof cfg.query !== 'string') {
    throw new NodeError(`${node} requires 'query' parameter`, { retryable: false });
  }
  const target = parseConnection(cfg.connection);
  const dialect = target.kind;
  const items = Array.isArray(cfg.params) ? cfg.params.map((x) => resolveParam(x, nc.ctx)) : [];
  let plan: ReturnType<typeof planSql>;
  try {
    plan = planSql(cfg.query, dialect, items.length);
  } catch (e) {
    if (e instanceof PlanError) throw new NodeError(`${node} failed: ${e.message}`, { retryable: false });
    throw e;
  }
  const values = bindValues(plan, items, nc.ctx, dialect, node);
  if (nc.signal.aborted) throw nc.signal.reason ?? new NodeError(`${node} cancelled`);
  const started = performance.now();
  let result: Record<string, unknown>[] | number;
  try {
    if (target.kind === 'sqlite') {
      result =
        node === 'db_query'
          ? await sqliteQuery(nc.services.resources, target, plan.text, values)
          : await sqliteExec(nc.services.resources, target, plan.text, values);
    } else {
      result =
        node === 'db_query'
          ? await pgQuery(nc.services.resources, target, plan.text, values, nc.signal)
          : await pgExec(nc.services.resources, target, plan.text, values, nc.signal);
    }
  } catch (e) {
    throw failure(node, target, e, nc.signal);
  }
  nc.log.debug(`${node} on ${target.display}`, {
    step: nc.step,
    ms: Math.round((performance.now() - started) * 10) / 10,
    ...(typeof result === 'number' ? { rows_affected: result } : { rows: result.length }),
  });
  return result;
}

/** The error a step fails with: connection problems and database messages, credentials masked. */
function failure(node: string, target: DbTarget, e: unknown, signal: AbortSignal): unknown {
  if (e instanceof NodeError) return new NodeError(scrub(e.message, target), { retryable: e.retryable });
  // The step's deadline or a cancelled run: let the engine report it as such.
  if (signal.aborted && e === signal.reason) return e;
  if (e instanceof PgConnectError) return connectError(target.display, scrub(e.message, target));
  if (e instanceof OpenTransactionError || e instanceof TooManyRowsError)
    return new NodeError(`${node} failed: ${e.message}`, { retryable: false });
  if (target.kind === 'postgres') {
    const { message, retryable } = pgErrorText(e);
    return new NodeError(`${node} failed: ${scrub(message, target)}`, { retryable });
  }
  const message = (e as Error)?.message ?? String(e);
  return new NodeError(`${node} failed: ${scrub(message, target)}`, { retryable: sqliteRetryable(e) });
}

export const dbQuery = defineNode({
  name: 'db_query',
  category: 'Database',
  description: `Run a SQL query on SQLite or PostgreSQL and return the rows. ${BINDING}`,
  params: {
    ...params,
    output_key: p.string({ description: 'Prefix of the output keys', default: 'rows' }),
  },
  outputs: {
    '{output_key}':
      'array of row objects (column name → value; BLOBs as base64, integers beyond 2^53 as text)',
    '{output_key}_count': 'number of rows',
    '{output_key}_success': 'true',
  },
  check: (cfg) => missing('db_query', cfg),
  async run(cfg, nc) {
    const rows = (await execute('db_query', cfg, nc)) as Record<string, unknown>[];
    const ok = cfg.output_key;
    return { [ok]: rows, [`${ok}_count`]: rows.length, [`${ok}_success`]: true };
  },
});

export const dbExec = defineNode({
  name: 'db_exec',
  category: 'Database',
  description: `Run a SQL write statement (or a script without parameters) on SQLite or PostgreSQL. ${BINDING}`,
  params,
  outputs: {
    rows_affected: 'rows inserted, updated or deleted',
    db_exec_success: 'true',
  },
  check: (cfg) => missing('db_exec', cfg),
  async run(cfg, nc) {
    const n = (await execute('db_exec', cfg, nc)) as number;
    return { rows_affected: n, db_exec_success: true };
  },
});
