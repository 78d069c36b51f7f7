// The words of IronFlow, used the same way in code, CLI output, docs and errors:
//
//   flow      A Lua file that returns `Flow.new(name)` with its steps: the program a user writes.
//   step      One named unit of a flow: a node config (or a Lua function) plus depends_on, retries,
//             timeout, route and on_error.
//   node      A kind of work a step can do (`http_get`, `log`, `code`, ...), registered by name.
//   handler   A Lua function given as a step (shorthand for a `code` node).
//   run       One execution of a flow, with an id, a status, a context and one task per step.
//   task      The record of one step inside one run (status, attempt, output, error, timestamps).
//   attempt   One try of a task; a task makes 1 + retries attempts at most.
//   context   The run's JSON object; each step reads a view of it and returns keys to merge.
//   route     A branch name published by a routing node as `_route_<step>`; a routed step runs only
//             when a direct dependency published its route.
//   store     Where runs are recorded (JSON files by default).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Context = Record<string, unknown>;

export const RUN_STATUSES = ['pending', 'running', 'success', 'failed', 'stalled', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set([
  'success',
  'failed',
  'stalled',
  'cancelled',
]);

export const TASK_STATUSES = ['pending', 'running', 'success', 'failed', 'skipped', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The record of one step in one run (CORE 4.8). Optional members are omitted, never null. */
export interface TaskState {
  name: string;
  status: TaskStatus;
  attempt: number;
  node_type: string;
  input?: Json;
  output?: Record<string, unknown>;
  error?: string;
  started?: string;
  finished?: string;
}

/** The record of one run (CORE 4.8). `started`/`finished` are always present (null when unset). */
export interface RunInfo {
  id: string;
  flow_name: string;
  status: RunStatus;
  started: string | null;
  finished: string | null;
  ctx: Context;
  tasks: Record<string, TaskState>;
  /** Set on child runs of subworkflow nodes. */
  parent_run_id?: string;
  parent_step?: string;
}

export interface RetryPolicy {
  max_retries: number;
  backoff_s: number;
}

/** One step as the loader extracted it (CORE 1.6). */
export interface StepDefinition {
  name: string;
  node_type: string;
  dependencies: string[];
  retry: RetryPolicy;
  timeout_s?: number;
  route?: string;
  on_error?: string;
  /** The node config, JSON, with `_step_name` added. */
  config: Record<string, unknown>;
  /** 1-based line of the `flow:step(...)` call in the flow file, when known. */
  line?: number;
}

export interface FlowDefinition {
  name: string;
  steps: StepDefinition[];
  /** Path of the flow file, or a label such as `<inline>` for submitted source. */
  source: string;
  /** Problems found while loading that do not stop the load (undefined globals). */
  warnings: FlowWarning[];
}

export interface FlowWarning {
  code: 'undefined_global' | 'unknown_parameter';
  message: string;
  step?: string;
  line?: number;
  column?: number;
}
