// Rules shared by every backend: record shapes (CORE 4.8), the terminal stamp (IF-052g), listing order,
// filters and cursors, and error texts with credentials masked.
import {
  type Context,
  RUN_STATUSES,
  type RunInfo,
  type RunStatus,
  TASK_STATUSES,
  type TaskState,
  type TaskStatus,
  TERMINAL_RUN_STATUSES,
} from '../engine/types.js';
import { errorChain, StoreError } from '../util/errors.js';
import { maskUrlsInText } from '../util/mask.js';
import { assertRunId, isValidRunId } from './ids.js';
import type { InitRunOptions, ListPage, ListQuery, RunSummary } from './types.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** Sort key of a run without a usable `started`: below every real date, so such runs list last. */
export const NO_START_KEY = -9_000_000_000_000_000;

export function nowIso(): string {
  return new Date().toISOString();
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.has(status);
}

export function assertRunStatus(status: unknown): RunStatus {
  if (typeof status === 'string' && (RUN_STATUSES as readonly string[]).includes(status)) {
    return status as RunStatus;
  }
  throw new StoreError(
    'invalid_input',
    `Invalid run status ${JSON.stringify(String(status))}: use one of ${RUN_STATUSES.join(', ')}`,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON form of a value (what every backend stores), or invalid_input when it has none. */
export function toJson<T>(value: T, what: string): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new StoreError('invalid_input', `${what} cannot be stored as JSON: ${errorChain(e)}`, { cause: e });
  }
  if (text === undefined) throw new StoreError('invalid_input', `${what} cannot be stored as JSON`);
  return JSON.parse(text) as T;
}

export function assertCtx(ctx: unknown, what = 'context'): Context {
  if (!isPlainObject(ctx)) throw new StoreError('invalid_input', `The ${what} must be a JSON object`);
  return toJson(ctx, `The ${what}`);
}

export function assertFlowName(flowName: unknown): string {
  if (typeof flowName !== 'string') throw new StoreError('invalid_input', 'The flow name must be a string');
  return flowName;
}

function optString(v: unknown, member: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new StoreError('invalid_input', `Task member '${member}' must be a string`);
  return v;
}

/**
 * Validate a task and return it in the JSON form of CORE 4.8: members in order, optional members omitted
 * (never null), and `finished` stamped on skipped/cancelled tasks that lack it (IF-004).
 */
export function normalizeTask(task: unknown, now?: string): TaskState {
  if (!isPlainObject(task)) throw new StoreError('invalid_input', 'A task must be an object');
  const t = task as Partial<TaskState> & Record<string, unknown>;
  if (typeof t.name !== 'string' || t.name === '') {
    throw new StoreError('invalid_input', 'A task needs a non-empty string name');
  }
  if (typeof t.status !== 'string' || !(TASK_STATUSES as readonly string[]).includes(t.status)) {
    throw new StoreError(
      'invalid_input',
      `Invalid task status ${JSON.stringify(String(t.status))} for task '${t.name}': use one of ${TASK_STATUSES.join(', ')}`,
    );
  }
  const attempt = t.attempt ?? 0;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 0) {
    throw new StoreError('invalid_input', `Task '${t.name}' attempt must be a non-negative integer`);
  }
  const out: TaskState = {
    name: t.name,
    status: t.status as TaskStatus,
    attempt,
    node_type: typeof t.node_type === 'string' ? t.node_type : String(t.node_type ?? ''),
  };
  // Values are kept as given, not copied: every backend serialises the task when it writes it (which is
  // where a value with no JSON form is refused), and callers hand over records they no longer change.
  if (t.input !== undefined) out.input = t.input;
  if (t.output !== undefined && t.output !== null) {
    if (!isPlainObject(t.output)) {
      throw new StoreError('invalid_input', `Task '${t.name}' output must be a JSON object`);
    }
    out.output = t.output;
  }
  const error = optString(t.error, 'error');
  if (error !== undefined) out.error = error;
  const started = optString(t.started, 'started');
  if (started !== undefined) out.started = started;
  let finished = optString(t.finished, 'finished');
  if (finished === undefined && (out.status === 'skipped' || out.status === 'cancelled'))
    finished = now ?? nowIso();
  if (finished !== undefined) out.finished = finished;
  return out;
}

/** Put a stored task back in member order (backends that reorder keys, e.g. PostgreSQL jsonb). */
export function orderTask(t: TaskState): TaskState {
  const out: TaskState = { name: t.name, status: t.status, attempt: t.attempt, node_type: t.node_type };
  if (t.input !== undefined) out.input = t.input;
  if (t.output !== undefined && t.output !== null) out.output = t.output;
  if (t.error !== undefined && t.error !== null) out.error = t.error;
  if (t.started !== undefined && t.started !== null) out.started = t.started;
  if (t.finished !== undefined && t.finished !== null) out.finished = t.finished;
  return out;
}

/** A new run record as initRun creates it. */
export function newRun(
  id: string,
  flowName: unknown,
  ctx: unknown,
  opts: InitRunOptions | undefined,
  now: string = nowIso(),
): RunInfo {
  assertRunId(id);
  const run: RunInfo = {
    id,
    flow_name: assertFlowName(flowName),
    status: 'pending',
    started: now,
    finished: null,
    ctx: assertCtx(ctx),
    tasks: {},
  };
  if (opts?.parent_run_id !== undefined) run.parent_run_id = assertRunId(opts.parent_run_id, 'parent run id');
  if (opts?.parent_step !== undefined) {
    if (typeof opts.parent_step !== 'string') {
      throw new StoreError('invalid_input', 'The parent step must be a string');
    }
    run.parent_step = opts.parent_step;
  }
  return run;
}

/** Validate a complete run given to importRun and return it in canonical form. */
export function normalizeRun(run: unknown): RunInfo {
  if (!isPlainObject(run)) throw new StoreError('invalid_input', 'A run must be an object');
  const r = run as Partial<RunInfo>;
  const id = assertRunId(r.id);
  const started = r.started ?? null;
  const finished = r.finished ?? null;
  if (started !== null && typeof started !== 'string') {
    throw new StoreError('invalid_input', `Run ${id}: 'started' must be a string or null`);
  }
  if (finished !== null && typeof finished !== 'string') {
    throw new StoreError('invalid_input', `Run ${id}: 'finished' must be a string or null`);
  }
  const out: RunInfo = {
    id,
    flow_name: assertFlowName(r.flow_name),
    status: assertRunStatus(r.status),
    started,
    finished,
    ctx: assertCtx(r.ctx ?? {}),
    tasks: {},
  };
  const tasks = r.tasks ?? {};
  if (!isPlainObject(tasks)) throw new StoreError('invalid_input', `Run ${id}: 'tasks' must be an object`);
  for (const [name, task] of Object.entries(tasks)) {
    const t = normalizeTask(task, finished ?? nowIso());
    if (t.name !== name) {
      throw new StoreError(
        'invalid_input',
        `Run ${id}: task '${name}' is recorded under the name '${t.name}'`,
      );
    }
    out.tasks[name] = t;
  }
  if (r.parent_run_id !== undefined && r.parent_run_id !== null) {
    out.parent_run_id = assertRunId(r.parent_run_id, 'parent run id');
  }
  if (r.parent_step !== undefined && r.parent_step !== null) {
    if (typeof r.parent_step !== 'string') {
      throw new StoreError('invalid_input', `Run ${id}: 'parent_step' must be a string`);
    }
    out.parent_step = r.parent_step;
  }
  return out;
}

/** Apply a status change in place: the first terminal status stamps `finished`, later ones keep it. */
export function applyStatus(
  run: { status: RunStatus; finished: string | null },
  status: RunStatus,
  now: string,
) {
  run.status = status;
  if (isTerminal(status) && run.finished === null) run.finished = now;
}

export function summarize(run: RunInfo): RunSummary {
  const s: RunSummary = {
    id: run.id,
    flow_name: run.flow_name,
    status: run.status,
    started: run.started,
    finished: run.finished,
    task_count: Object.keys(run.tasks).length,
  };
  if (run.parent_run_id !== undefined) s.parent_run_id = run.parent_run_id;
  if (run.parent_step !== undefined) s.parent_step = run.parent_step;
  return s;
}

/** A summary with members in the order of the RunSummary interface (for stable output). */
export function orderSummary(s: RunSummary): RunSummary {
  const out: RunSummary = {
    id: s.id,
    flow_name: s.flow_name,
    status: s.status,
    started: s.started ?? null,
    finished: s.finished ?? null,
    task_count: s.task_count ?? 0,
  };
  if (s.parent_run_id !== undefined && s.parent_run_id !== null) out.parent_run_id = s.parent_run_id;
  if (s.parent_step !== undefined && s.parent_step !== null) out.parent_step = s.parent_step;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Listing: order is `started` newest first (epoch milliseconds), ties broken by id descending; runs without a
// usable `started` come last. Cursors are keyset positions (sort key + id), opaque to callers.

export function startedKey(started: string | null | undefined): number {
  if (typeof started !== 'string') return NO_START_KEY;
  const ms = Date.parse(started);
  return Number.isFinite(ms) ? ms : NO_START_KEY;
}

export interface SortPos {
  k: number;
  id: string;
}

/** Negative when `a` lists before `b`. */
export function compareListOrder(a: SortPos, b: SortPos): number {
  if (a.k !== b.k) return a.k > b.k ? -1 : 1;
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

export interface NormalQuery {
  status?: RunStatus;
  flowName?: string;
  parentRunId?: string;
  /** Inclusive lower bound on the sort key. */
  sinceKey?: number;
  /** Exclusive upper bound on the sort key. */
  untilKey?: number;
  limit: number;
  /** Only entries strictly after this position. */
  after?: SortPos;
  /** Backend-specific hint carried in the cursor (e.g. a file offset). */
  hint?: unknown;
}

/** Parse an RFC 3339 date or date-time (a time without zone is UTC) into epoch milliseconds. */
export function parseTime(value: unknown, what: string): number {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StoreError('invalid_input', `Invalid ${what}: expected an RFC 3339 date or time`);
  }
  const v = value.trim();
  const m = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (!m)
    throw new StoreError('invalid_input', `Invalid ${what} '${value}': expected an RFC 3339 date or time`);
  const hasTime = /[Tt ]/.test(v);
  const text = hasTime && m[1] === undefined ? `${v.replace(' ', 'T')}Z` : v.replace(' ', 'T');
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new StoreError('invalid_input', `Invalid ${what} '${value}': expected an RFC 3339 date or time`);
  }
  return ms;
}

export function encodeCursor(pos: SortPos, hint?: unknown): string {
  const body: Record<string, unknown> = { k: pos.k, i: pos.id };
  if (hint !== undefined) body.h = hint;
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: unknown): { pos: SortPos; hint?: unknown } {
  const bad = () => new StoreError('invalid_input', 'Invalid listing cursor');
  if (typeof cursor !== 'string' || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!isPlainObject(body)) throw bad();
  const { k, i, h } = body as { k?: unknown; i?: unknown; h?: unknown };
  if (typeof k !== 'number' || !Number.isFinite(k) || !isValidRunId(i)) throw bad();
  return { pos: { k, id: i }, hint: h };
}

export function normalizeQuery(q: ListQuery | undefined): NormalQuery {
  const query = q ?? {};
  let limit = DEFAULT_PAGE_SIZE;
  if (query.limit !== undefined && query.limit !== null) {
    if (typeof query.limit !== 'number' || !Number.isInteger(query.limit) || query.limit < 1) {
      throw new StoreError('invalid_input', 'The page size must be a positive integer');
    }
    limit = Math.min(query.limit, MAX_PAGE_SIZE);
  }
  const out: NormalQuery = { limit };
  if (query.status !== undefined && query.status !== null) out.status = assertRunStatus(query.status);
  if (query.flowName !== undefined && query.flowName !== null) out.flowName = assertFlowName(query.flowName);
  if (query.parentRunId !== undefined && query.parentRunId !== null) {
    out.parentRunId = assertRunId(query.parentRunId, 'parent run id');
  }
  if (query.since !== undefined && query.since !== null)
    out.sinceKey = parseTime(query.since, "'since' time");
  if (query.until !== undefined && query.until !== null)
    out.untilKey = parseTime(query.until, "'until' time");
  if (query.cursor !== undefined && query.cursor !== null && query.cursor !== '') {
    const c = decodeCursor(query.cursor);
    out.after = c.pos;
    if (c.hint !== undefined) out.hint = c.hint;
  }
  return out;
}

/** Whether a summary passes the filters of a query (not the cursor). */
export function matchesFilters(s: RunSummary, k: number, q: NormalQuery): boolean {
  if (q.status !== undefined && s.status !== q.status) return false;
  if (q.flowName !== undefined && s.flow_name !== q.flowName) return false;
  if (q.parentRunId !== undefined && s.parent_run_id !== q.parentRunId) return false;
  if (q.sinceKey !== undefined && (k === NO_START_KEY || k < q.sinceKey)) return false;
  if (q.untilKey !== undefined && (k === NO_START_KEY || k >= q.untilKey)) return false;
  return true;
}

export function isAfterCursor(pos: SortPos, q: NormalQuery): boolean {
  return q.after === undefined || compareListOrder(pos, q.after) > 0;
}

/** One page out of summaries already sorted in list order and filtered (at most limit + 1 of them). */
export function makePage(
  rows: RunSummary[],
  q: NormalQuery,
  hintFor?: (last: RunSummary) => unknown,
): ListPage {
  if (rows.length <= q.limit) return { runs: rows.map(orderSummary) };
  const runs = rows.slice(0, q.limit).map(orderSummary);
  const last = runs[runs.length - 1]!;
  return {
    runs,
    nextCursor: encodeCursor({ k: startedKey(last.started), id: last.id }, hintFor?.(last)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/** Mask the password of every URL in a text: `redis://:***@host`, `postgres://user:***@host/db`. */
export const maskSecrets = maskUrlsInText;

/** The display form of a store URL: password masked, query parameters kept. */
export function maskUrl(url: string): string {
  return maskUrlsInText(url);
}

export function notFound(id: string): StoreError {
  return new StoreError('not_found', `Run not found: ${id}`);
}

export function conflict(id: string): StoreError {
  return new StoreError('conflict', `Run already exists: ${id}`);
}

/** Wrap a driver failure: names the backend and where it is; credentials masked throughout. */
export function backendError(backend: string, location: string, e: unknown, action?: string): StoreError {
  if (e instanceof StoreError) return e;
  const detail = maskSecrets(errorChain(e) || 'unknown error');
  const what = action ? `${action}: ` : '';
  return new StoreError('backend', `${backend} store at ${maskSecrets(location)}: ${what}${detail}`);
}

export function closedError(backend: string): StoreError {
  return new StoreError('backend', `${backend} store is closed`);
}
