// The run store interface (CORE 6). One interface, one module per backend; the engine and every command
// see only this. All methods are async and fail with StoreError (kind: not_found / invalid_input /
// backend / corruption / conflict) so the CLI and the API can map failures.
import type { Context, RunInfo, RunStatus, TaskState } from '../engine/types.js';

export interface ListQuery {
  status?: RunStatus;
  flowName?: string;
  /** Only runs started at or after this RFC 3339 time. */
  since?: string;
  /** Only runs started before this RFC 3339 time. */
  until?: string;
  /** Only child runs of this parent. */
  parentRunId?: string;
  /** Page size (default 50, max 1000). */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

/** One row of a listing: the run without its context and tasks. */
export interface RunSummary {
  id: string;
  flow_name: string;
  status: RunStatus;
  started: string | null;
  finished: string | null;
  task_count: number;
  parent_run_id?: string;
  parent_step?: string;
}

export interface ListPage {
  runs: RunSummary[];
  /** Present when there are more runs after this page. */
  nextCursor?: string;
}

export interface InitRunOptions {
  parent_run_id?: string;
  parent_step?: string;
}

export interface StateStore {
  /** Backend name: json, memory, sqlite, postgres, redis. */
  readonly kind: string;
  /** Display form of where the store is (credentials masked). */
  readonly location: string;
  /** Create a run: status pending, started now. Fails with 'conflict' if the id exists. */
  initRun(id: string, flowName: string, ctx: Context, opts?: InitRunOptions): Promise<void>;
  /**
   * Make a run that this process created readable by other processes now, for a caller that hands its id
   * out before the run ends (`wait: false`). Only stores that may hold back a first write implement it.
   */
  persist?(id: string): Promise<void>;
  /** Set the status; the first terminal status stamps `finished` (later ones keep it). */
  setRunStatus(id: string, status: RunStatus): Promise<void>;
  /** Replace the task record under `task.name`. Must cost O(size of the task), not O(size of the run). */
  upsertTask(id: string, task: TaskState): Promise<void>;
  getCtx(id: string): Promise<Context>;
  /** Shallow-merge keys into the stored context. */
  updateCtx(id: string, ctx: Context): Promise<void>;
  /** The full run; StoreError('not_found') when missing. */
  getRun(id: string): Promise<RunInfo>;
  /** One page of summaries, newest `started` first, filtered in the backend. */
  listRuns(query?: ListQuery): Promise<ListPage>;
  /**
   * Optional (added for `runs migrate`): store a complete run exactly as given (status, timestamps, context,
   * tasks in order, parent links). Fails with 'conflict' if the id exists.
   */
  importRun?(run: RunInfo): Promise<void>;
  /** Delete a run and its child runs. Returns whether anything existed (idempotent). */
  deleteRun(id: string): Promise<boolean>;
  /** Wait until every accepted write is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
