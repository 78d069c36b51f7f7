// The run coordinator (CORE 4, DECISIONS 1, 5, 13): a ready queue, not phases. A step starts as soon as
// everything it waits for is terminal, up to the concurrency limit; retries back off exponentially; a
// step's timeout is one deadline over all attempts and preempts the node (AbortSignal, worker kill,
// process-group kill); on_error handlers are planned work. Every run reaches a terminal status.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { NodeRegistry } from '../nodes/registry.js';
import type { Logger, NodeServices } from '../nodes/types.js';
import type { StateStore } from '../store/types.js';
import { CancelledError, errorChain, NodeError, TimeoutError } from '../util/errors.js';
import { formatSeconds } from '../util/json.js';
import type { RunEvent, RunEventListener } from './events.js';
import { IndexHeap } from './heap.js';
import { interpolate } from './interpolate.js';
import { invokeNode } from './invoke.js';
import { type Plan, type PlannedStep, planOf } from './plan.js';
import { makeRedactor, recordValue, storedContext } from './record.js';
import type { Context, FlowDefinition, RunInfo, RunStatus, TaskState, TaskStatus } from './types.js';
import { ContextViews } from './views.js';

export interface ExecuteOptions {
  registry: NodeRegistry;
  store: StateStore;
  services: NodeServices;
  logger: Logger;
  runId?: string;
  /** Steps of this run that may execute at once (>= 1). */
  concurrency: number;
  /** Cancels the run; a reason with `status: 'stalled'` ends it stalled (shutdown), else cancelled. */
  signal?: AbortSignal;
  /** IRONFLOW_MAX_RUN_SECONDS (0 = none). */
  maxRunSeconds?: number;
  onEvent?: RunEventListener;
  /** Set on child runs. */
  parent?: { runId: string; step: string };
  /** Keys of the initial context that steps see but records never store (webhook `_headers`). */
  hiddenKeys?: readonly string[];
  /** IRONFLOW_MAX_TASK_OUTPUT_BYTES (0 = unlimited). */
  maxOutputBytes: number;
  /** Called once the run record exists (before any step runs). */
  onCreated?: (runId: string) => void;
  /** Flow files from the root run down to this one (default: this flow's file). */
  lineage?: readonly string[];
  /** Receives the full final context (the record keeps oversized values as markers; callers may not). */
  onFinalContext?: (ctx: Context) => void;
}

type State = 'waiting' | 'running' | 'success' | 'failed' | 'skipped' | 'cancelled';

/** Why a run stops early: cancellation, a run deadline, or a failing store. */
class StopRun extends Error {
  constructor(
    message: string,
    readonly status: RunStatus,
  ) {
    super(message);
  }
}

// Timestamps are taken several times per step: format the second once and append the milliseconds.
let stampSecond = -1;
let stampPrefix = '';
function now(): string {
  const ms = Date.now();
  const sec = Math.floor(ms / 1000);
  if (sec !== stampSecond) {
    stampSecond = sec;
    stampPrefix = new Date(sec * 1000).toISOString().slice(0, 20);
  }
  const frac = ms - sec * 1000;
  return `${stampPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

export async function executeFlow(
  flow: FlowDefinition,
  initial: Context,
  opts: ExecuteOptions,
): Promise<RunInfo> {
  return new RunCoordinator(flow, initial, opts).run();
}

class RunCoordinator {
  private readonly id: string;
  private readonly plan: Plan;
  private readonly views: ContextViews;
  private readonly state: State[];
  private readonly waitingOn: number[];
  /** Failures settled by a successful recovery handler. */
  private readonly resolved: boolean[];
  private readonly failure: Array<{ message: string; output?: Record<string, unknown> } | undefined>;
  private readonly tasks: Record<string, TaskState> = {};
  private readonly ready = new IndexHeap();
  private running = 0;
  private remaining: number;
  private stop: StopRun | undefined;
  private readonly runAbort = newRunAbort();
  private finished!: () => void;
  private readonly done = new Promise<void>((r) => {
    this.finished = r;
  });
  private readonly pendingWrites = new Map<string, TaskState>();
  private writeChain: Promise<void> = Promise.resolve();
  private writeScheduled = false;
  private storeError: unknown;
  private readonly slotWaiters: Array<() => void> = [];

  constructor(
    private readonly flow: FlowDefinition,
    private readonly initial: Context,
    private readonly opts: ExecuteOptions,
  ) {
    this.id = opts.runId ?? randomUUID();
    this.plan = planOf(flow);
    const n = this.plan.steps.length;
    this.views = new ContextViews(this.plan, initial);
    this.state = new Array<State>(n).fill('waiting');
    this.waitingOn = this.plan.steps.map((s) => s.order.length);
    this.resolved = new Array<boolean>(n).fill(false);
    this.failure = new Array(n);
    this.remaining = n;
    this.redact = makeRedactor(initial, opts.hiddenKeys);
    if (this.redact) {
      const base = opts.logger;
      const r = this.redact;
      const wrap = (fn: Logger['info']) => (m: string, f?: Record<string, unknown>) =>
        fn(r(m) as string, f ? (r(f) as Record<string, unknown>) : f);
      this.logger = {
        debug: wrap(base.debug),
        info: wrap(base.info),
        warn: wrap(base.warn),
        error: wrap(base.error),
      };
    } else this.logger = opts.logger;
  }

  /** Scrubs execution-only secret values (webhook headers) from records and logs; unset when none. */
  private readonly redact: ((v: unknown) => unknown) | undefined;
  private readonly logger: Logger;

  private stored(ctx: Context): Context {
    const c = storedContext(ctx, this.opts);
    return this.redact ? (this.redact(c) as Context) : c;
  }

  private emit(e: RunEvent): void {
    if (this.redact && 'error' in e) e = this.redact(e) as RunEvent;
    try {
      this.opts.onEvent?.(e);
    } catch (err) {
      this.logger.warn(`run event listener failed: ${errorChain(err)}`);
    }
  }

  async run(): Promise<RunInfo> {
    const { store } = this.opts;
    const started = now();
    const parent = this.opts.parent
      ? { parent_run_id: this.opts.parent.runId, parent_step: this.opts.parent.step }
      : undefined;
    await store.initRun(this.id, this.flow.name, this.stored(this.initial), parent);
    this.opts.onCreated?.(this.id);
    await store.setRunStatus(this.id, 'running');
    this.emit({
      type: 'run_started',
      run_id: this.id,
      flow_name: this.flow.name,
      steps: this.plan.steps.length,
      ts: started,
    });

    const onCancel = () => {
      const r = this.opts.signal?.reason as { status?: RunStatus; message?: string } | undefined;
      this.halt(
        new StopRun(r?.message ?? 'run cancelled', r?.status === 'stalled' ? 'stalled' : 'cancelled'),
      );
    };
    if (this.opts.signal?.aborted) onCancel();
    else this.opts.signal?.addEventListener('abort', onCancel, { once: true });
    const runTimer =
      this.opts.maxRunSeconds && this.opts.maxRunSeconds > 0
        ? setTimeout(
            () =>
              this.halt(
                new StopRun(
                  `run exceeded IRONFLOW_MAX_RUN_SECONDS (${formatSeconds(this.opts.maxRunSeconds!)})`,
                  'cancelled',
                ),
              ),
            this.opts.maxRunSeconds * 1000,
          )
        : undefined;

    for (const s of this.plan.steps) {
      this.write({ name: s.def.name, status: 'pending', attempt: 0, node_type: s.def.node_type });
    }
    if (this.remaining === 0) this.finished();
    for (const s of this.plan.steps) if (this.waitingOn[s.index] === 0) this.onReady(s.index);
    this.pump();
    await this.done;
    if (runTimer) clearTimeout(runTimer);
    this.opts.signal?.removeEventListener('abort', onCancel);

    const status = this.finalStatus();
    const ctx = this.views.finalContext();
    this.opts.onFinalContext?.(ctx);
    await this.drainWrites();
    if (this.storeError) return this.failStalled(this.storeError);
    try {
      await store.updateCtx(this.id, this.stored(ctx));
      await store.setRunStatus(this.id, status);
    } catch (e) {
      return this.failStalled(e);
    }
    const finishedAt = now();
    this.emit({ type: 'run_finished', run_id: this.id, status, ts: finishedAt });
    return {
      id: this.id,
      flow_name: this.flow.name,
      status,
      started,
      finished: finishedAt,
      ctx: this.stored(ctx),
      tasks: this.orderedTasks(),
      ...parent,
    };
  }

  private finalStatus(): RunStatus {
    if (this.stop) return this.stop.status;
    for (let i = 0; i < this.state.length; i++)
      if (this.state[i] === 'failed' && !this.resolved[i]) return 'failed';
    return 'success';
  }

  /** The store failed: record `stalled` if it still can; otherwise the caller gets the store's error. */
  private async failStalled(cause: unknown): Promise<never> {
    try {
      await this.opts.store.setRunStatus(this.id, 'stalled');
    } catch {
      // Even the terminal write failed; the error below tells the caller.
    }
    this.emit({ type: 'run_finished', run_id: this.id, status: 'stalled', ts: now() });
    throw cause;
  }

  private orderedTasks(): Record<string, TaskState> {
    const out: Record<string, TaskState> = {};
    for (const s of this.plan.steps) out[s.def.name] = this.tasks[s.def.name]!;
    return out;
  }

  /* ---------- store writes: coalesced per task, one batch in flight, never blocking a step ---------- */

  private write(task: TaskState): void {
    if (this.redact && (task.output || task.error)) task = this.redact(task) as TaskState;
    this.tasks[task.name] = task;
    this.pendingWrites.set(task.name, task);
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    this.writeChain = this.writeChain
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => this.writeBatch());
  }

  private async writeBatch(): Promise<void> {
    this.writeScheduled = false;
    const batch = [...this.pendingWrites.values()];
    this.pendingWrites.clear();
    try {
      await Promise.all(batch.map((t) => this.opts.store.upsertTask(this.id, t)));
    } catch (e) {
      if (!this.storeError) {
        this.storeError = e;
        this.halt(new StopRun(`run store failed: ${errorChain(e)}`, 'stalled'));
      }
    }
  }

  private async drainWrites(): Promise<void> {
    while (this.writeScheduled || this.pendingWrites.size > 0) await this.writeChain;
    await this.writeChain;
  }

  /* ---------- scheduling ---------- */

  private halt(reason: StopRun): void {
    if (this.stop) return;
    this.stop = reason;
    this.runAbort.abort(reason);
    for (const cancel of [...this.cancellers]) cancel();
  }

  /** Attempts waiting on the run's own signal: rejected directly when the run stops (no listener each). */
  private readonly cancellers = new Set<() => void>();

  /** Resolve with `p`, or reject as soon as `signal` aborts (a late result is dropped). */
  private race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal !== this.runAbort.signal) return raceAbort(p, signal);
    if (signal.aborted) {
      p.catch(() => {});
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const cancel = () => {
        p.catch(() => {});
        reject(signal.reason);
      };
      this.cancellers.add(cancel);
      p.then(
        (v) => {
          this.cancellers.delete(cancel);
          resolve(v);
        },
        (e) => {
          this.cancellers.delete(cancel);
          reject(e);
        },
      );
    });
  }

  private terminal(i: number, st: Exclude<State, 'waiting' | 'running'>): void {
    this.state[i] = st;
    this.remaining--;
    const step = this.plan.steps[i]!;
    if (step.children.length === 0) this.views.release(i);
    for (const c of step.children) {
      if (--this.waitingOn[c]! === 0) this.onReady(c);
    }
    if (this.remaining === 0) this.finished();
  }

  private skip(i: number, reason: string, status: TaskStatus = 'skipped'): void {
    const s = this.plan.steps[i]!;
    const finished = now();
    this.write({ name: s.def.name, status, attempt: 0, node_type: s.def.node_type, finished });
    this.emit({
      type: 'task_finished',
      run_id: this.id,
      step: s.def.name,
      node_type: s.def.node_type,
      status,
      attempt: 0,
      ts: finished,
    });
    this.logger.debug(`step ${s.def.name} ${status}: ${reason}`, { step: s.def.name });
    this.terminal(i, status === 'cancelled' ? 'cancelled' : 'skipped');
  }

  /** Does dependency d keep its dependents from running? (a failure nobody resolved, or a skip cascade) */
  private blocks(d: number): boolean {
    const st = this.state[d];
    if (st === 'failed') return !this.resolved[d];
    return st === 'cancelled' || (st === 'skipped' && this.blockedSkip[d] === true);
  }

  /** Skips that cascade (dependency failed or handler not triggered), as opposed to route skips. */
  private readonly blockedSkip: boolean[] = [];

  private onReady(i: number): void {
    const s = this.plan.steps[i]!;
    if (this.stop) {
      this.skip(i, 'run stopped', 'cancelled');
      return;
    }
    if (s.handlerOf !== undefined) {
      const src = s.handlerOf;
      if (this.state[src] !== 'failed') {
        this.blockedSkip[i] = true;
        this.skip(i, `not triggered: '${this.plan.steps[src]!.def.name}' did not fail`);
        return;
      }
      const blocked = s.deps.find((d) => d !== src && this.blocks(d));
      if (blocked !== undefined) {
        this.blockedSkip[i] = true;
        this.skip(i, `dependency '${this.plan.steps[blocked]!.def.name}' did not complete`);
        return;
      }
    } else {
      const blocked = s.deps.find((d) => this.blocks(d));
      if (blocked !== undefined) {
        this.blockedSkip[i] = true;
        this.skip(i, `dependency '${this.plan.steps[blocked]!.def.name}' did not complete`);
        return;
      }
      if (s.def.route !== undefined) {
        const view = this.views.viewOf(i);
        const route = s.def.route;
        if (!s.deps.some((d) => view[`_route_${this.plan.steps[d]!.def.name}`] === route)) {
          this.skip(i, `route '${route}' not chosen`);
          return;
        }
      }
    }
    this.ready.push(i);
  }

  /** Start ready steps in declaration order while slots are free. */
  private pump(): void {
    while (this.ready.size > 0 && this.running < this.opts.concurrency) {
      const i = this.ready.pop()!;
      this.running++;
      void this.execute(i).finally(() => {
        this.running--;
        this.pumpSoon();
        for (const w of this.slotWaiters.splice(0)) w();
      });
    }
  }

  private pumpScheduled = false;
  private pumpSoon(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Give the slot back during a backoff sleep, and take one again after it. */
  private async backoff(ms: number, signal: AbortSignal): Promise<void> {
    this.running--;
    this.pumpSoon();
    try {
      await abortableSleep(ms, signal);
    } finally {
      while (this.running >= this.opts.concurrency && !signal.aborted) {
        await new Promise<void>((r) => this.slotWaiters.push(r));
      }
      this.running++;
    }
  }

  private async execute(i: number): Promise<void> {
    const outcome = await this.attempts(this.plan.steps[i]!);
    if (outcome === 'success') {
      const src = this.plan.steps[i]!.handlerOf;
      if (src !== undefined) this.resolved[src] = true;
    }
    this.terminal(i, outcome);
  }

  private async attempts(s: PlannedStep): Promise<'success' | 'failed' | 'cancelled'> {
    const name = s.def.name;
    const nodeType = s.def.node_type;
    const def = this.opts.registry.get(nodeType)!;
    let ctx = this.views.viewOf(s.index);
    if (s.handlerOf !== undefined) {
      // The handler sees its source's failure as an overlay; it never enters the shared context.
      const src = this.plan.steps[s.handlerOf]!;
      const f = this.failure[s.handlerOf]!;
      ctx = {
        ...ctx,
        _error_message: f.message,
        _error_step: src.def.name,
        _error_node_type: src.def.node_type,
        ...(f.output ? { _error_output: f.output } : {}),
      };
    }
    // A step with a timeout gets its own signal; others share the run's (most steps, no cost per step).
    const t = s.def.timeout_s;
    let ac: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    const onRunAbort = () => ac?.abort(this.runAbort.signal.reason);
    if (t !== undefined) {
      ac = new AbortController();
      if (this.runAbort.signal.aborted) onRunAbort();
      this.runAbort.signal.addEventListener('abort', onRunAbort, { once: true });
      timer = setTimeout(
        () => ac!.abort(new TimeoutError(`Task '${name}' timed out after ${formatSeconds(t)} total`)),
        t * 1000,
      );
    }
    const signal = ac ? ac.signal : this.runAbort.signal;
    const attempts = s.def.retry.max_retries + 1;
    const log = childLogger(this.logger, name);
    let lastError = '';
    let lastOutput: Record<string, unknown> | undefined;
    let attempt = 0;
    let attemptsMade = 0;
    try {
      for (attempt = 1; attempt <= attempts; attempt++) {
        const started = now();
        const t0 = performance.now();
        this.write({ name, status: 'running', attempt, node_type: nodeType, started });
        this.emit({
          type: 'task_started',
          run_id: this.id,
          step: name,
          node_type: nodeType,
          attempt,
          ts: started,
        });
        try {
          const out = await this.race(
            invokeNode(def, s.def.config, {
              step: name,
              nodeType,
              ctx,
              signal,
              log,
              runId: this.id,
              lineage: this.opts.lineage ?? [this.flow.source],
              services: this.opts.services,
              interpolate: (str) => interpolate(str, ctx),
            }),
            signal,
          );
          const output = cleanOutput(out);
          this.views.setOutput(s.index, output);
          const finished = now();
          this.write({
            name,
            status: 'success',
            attempt,
            node_type: nodeType,
            output: recordValue(output, this.opts.maxOutputBytes) as Record<string, unknown>,
            started,
            finished,
          });
          this.emit({
            type: 'task_finished',
            run_id: this.id,
            step: name,
            node_type: nodeType,
            status: 'success',
            attempt,
            duration_ms: performance.now() - t0,
            ts: finished,
          });
          return 'success';
        } catch (e) {
          if (signal.aborted) return this.aborted(s, attempt, started, t0, signal.reason);
          lastError = errorChain(e);
          lastOutput = e instanceof NodeError && e.output ? cleanOutput(e.output) : undefined;
          const finished = now();
          this.write({
            name,
            status: 'failed',
            attempt,
            node_type: nodeType,
            ...(lastOutput
              ? { output: recordValue(lastOutput, this.opts.maxOutputBytes) as Record<string, unknown> }
              : {}),
            error: lastError,
            started,
            finished,
          });
          const retryable = !(e instanceof NodeError) || e.retryable;
          if (attempt < attempts && retryable) {
            const delay = s.def.retry.backoff_s * 1000 * 2 ** (attempt - 1);
            this.emit({
              type: 'task_retrying',
              run_id: this.id,
              step: name,
              attempt,
              error: lastError,
              delay_ms: delay,
              ts: finished,
            });
            log.warn(
              `attempt ${attempt} of ${attempts} failed, retrying in ${formatSeconds(delay / 1000)}: ${lastError}`,
            );
            try {
              await this.backoff(delay, signal);
            } catch {
              return this.aborted(s, attempt, started, t0, signal.reason);
            }
          } else {
            this.emit({
              type: 'task_finished',
              run_id: this.id,
              step: name,
              node_type: nodeType,
              status: 'failed',
              attempt,
              error: lastError,
              duration_ms: performance.now() - t0,
              ts: finished,
            });
            attemptsMade = attempt;
            break;
          }
          attemptsMade = attempt;
        }
      }
      this.failure[s.index] = {
        message: `Task '${name}' failed after ${attemptsMade} attempts: ${lastError}`,
        output: lastOutput,
      };
      if (lastOutput) this.views.setOutput(s.index, lastOutput);
      log.error(`failed: ${lastError}`);
      return 'failed';
    } finally {
      if (timer) clearTimeout(timer);
      if (ac) this.runAbort.signal.removeEventListener('abort', onRunAbort);
    }
  }

  /** The step was cut short: its deadline passed (a failure) or the run stopped (cancelled). */
  private aborted(
    s: PlannedStep,
    attempt: number,
    started: string,
    t0: number,
    reason: unknown,
  ): 'failed' | 'cancelled' {
    const name = s.def.name;
    const nodeType = s.def.node_type;
    const finished = now();
    if (reason instanceof TimeoutError) {
      this.write({
        name,
        status: 'failed',
        attempt,
        node_type: nodeType,
        error: reason.message,
        started,
        finished,
      });
      this.emit({
        type: 'task_finished',
        run_id: this.id,
        step: name,
        node_type: nodeType,
        status: 'failed',
        attempt,
        error: reason.message,
        duration_ms: performance.now() - t0,
        ts: finished,
      });
      this.failure[s.index] = { message: reason.message };
      this.logger.error(reason.message, { step: name });
      return 'failed';
    }
    const msg = reason instanceof Error ? reason.message : 'cancelled';
    this.write({ name, status: 'cancelled', attempt, node_type: nodeType, error: msg, started, finished });
    this.emit({
      type: 'task_finished',
      run_id: this.id,
      step: name,
      node_type: nodeType,
      status: 'cancelled',
      attempt,
      error: msg,
      ts: finished,
    });
    return 'cancelled';
  }
}

/** The run's AbortController. Every step without a timeout, and the nodes it runs, listen to its signal. */
function newRunAbort(): AbortController {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  return ac;
}

function cleanOutput(out: unknown): Record<string, unknown> {
  if (out === null || typeof out !== 'object' || Array.isArray(out)) return {};
  const o = out as Record<string, unknown>;
  for (const k in o) {
    if (o[k] === undefined) {
      const copy: Record<string, unknown> = {};
      for (const [kk, v] of Object.entries(o)) if (v !== undefined) copy[kk] = v;
      return copy;
    }
  }
  return o;
}

/** Resolve with `p`, or reject with the signal's reason as soon as it aborts (late results are dropped). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason ?? new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function childLogger(base: Logger, step: string): Logger {
  return {
    debug: (m, f) => base.debug(m, { step, ...f }),
    info: (m, f) => base.info(m, { step, ...f }),
    warn: (m, f) => base.warn(m, { step, ...f }),
    error: (m, f) => base.error(m, { step, ...f }),
  };
}
