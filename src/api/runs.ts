// The runs the server executes: admission (IRONFLOW_MAX_CONCURRENT_RUNS → 503), start (waiting for the
// result or in the background), events for SSE, graceful shutdown (let runs finish for a grace period,
// then stop them as `stalled`), and, at start-up, stalling runs a previous process left unfinished
// (IF-043; a single server per store is assumed).
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import type { Context, FlowDefinition, RunInfo, RunStatus } from '../engine/types.js';
import type { Logger } from '../nodes/types.js';
import type { StateStore } from '../store/types.js';
import { errorChain } from '../util/errors.js';
import { unavailable } from './errors.js';
import type { EventHub } from './sse.js';

/** The abort reason of runs (and fire-and-forget children) still going when a shutdown ends them. */
export const SHUTDOWN_REASON = {
  status: 'stalled' satisfies RunStatus,
  message: 'the server shut down during the run',
};

export interface StartedRun {
  runId: string;
  /** Resolves once the run record exists (rejects if it could not be created). */
  created: Promise<void>;
  /** The finished run (rejects on an infrastructure failure; the run is then recorded stalled if possible). */
  done: Promise<RunInfo>;
}

/** A reserved run slot; released when the run ends or when the request fails before starting one. */
export interface Permit {
  release(): void;
}

interface Active {
  abort: AbortController;
  done: Promise<unknown>;
}

export class RunManager {
  private readonly active = new Map<string, Active>();
  /** Permits held: requests past admission (loading their flow) and running runs. */
  private reserved = 0;
  private closing = false;
  /** The grace period is over: nothing starts any more. */
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly engine: Engine,
    private readonly hub: EventHub,
    private readonly maxConcurrent: number,
    private readonly log: Logger,
  ) {}

  get running(): number {
    return this.active.size;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Reserve a slot for a run, or 503 (at capacity, or shutting down). */
  reserve(): Permit {
    if (this.closing) throw unavailable('The server is shutting down');
    if (this.maxConcurrent > 0 && this.reserved >= this.maxConcurrent) {
      throw unavailable(
        `The server is running its maximum of ${this.maxConcurrent} runs (IRONFLOW_MAX_CONCURRENT_RUNS); retry later`,
      );
    }
    this.reserved++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.reserved--;
        if (this.reserved === 0) for (const w of this.idleWaiters.splice(0)) w();
      },
    };
  }

  /** Start a validated flow under a permit (requests admitted before a shutdown may still start). */
  start(permit: Permit, flow: FlowDefinition, ctx: Context, hiddenKeys?: readonly string[]): StartedRun {
    if (this.stopped) {
      permit.release();
      throw unavailable('The server is shutting down');
    }
    const runId = randomUUID();
    const abort = new AbortController();
    let created!: () => void;
    let notCreated!: (e: unknown) => void;
    let isCreated = false;
    const createdP = new Promise<void>((res, rej) => {
      created = res;
      notCreated = rej;
    });
    createdP.catch(() => {});
    this.hub.open(runId);
    const done = this.engine.execute(flow, ctx, {
      runId,
      signal: abort.signal,
      hiddenKeys,
      onEvent: (e) => this.hub.publish(e),
      onCreated: () => {
        isCreated = true;
        created();
      },
    });
    const settled = done.then(
      () => {},
      (e: unknown) => {
        if (!isCreated) notCreated(e);
        this.log.error(`run ${runId} ended with an infrastructure failure: ${errorChain(e)}`, {
          run_id: runId,
        });
      },
    );
    this.active.set(runId, { abort, done: settled });
    void settled.finally(() => {
      this.active.delete(runId);
      this.hub.close(runId);
      permit.release();
    });
    return { runId, created: createdP, done };
  }

  /**
   * Stop admitting runs; wait up to `graceMs` for the running ones (and requests already admitted), then
   * stop the rest with the reason `{status: 'stalled'}` (recorded as stalled) and wait until they are.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.reserved > 0) {
      this.log.info(`waiting up to ${graceMs / 1000}s for ${this.reserved} run(s)`);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      });
      const idle = new Promise<void>((r) => this.idleWaiters.push(r));
      await Promise.race([idle, graceOver]);
      clearTimeout(timer);
    }
    this.stopAll();
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** Stop every running run now; each is recorded as stalled. Nothing starts afterwards. */
  stopAll(): void {
    this.stopped = true;
    this.closing = true;
    if (this.active.size === 0) return;
    this.log.warn(
      `stopping ${this.active.size} run(s) still running at shutdown; they are recorded as stalled`,
    );
    for (const a of this.active.values()) {
      a.abort.abort(SHUTDOWN_REASON);
    }
  }
}

/**
 * IF-043: runs left `pending`/`running` by a previous server process can never finish; record them as
 * stalled (with `finished`), and their unfinished tasks as cancelled. Returns how many were marked.
 */
export async function stallAbandonedRuns(store: StateStore, log: Logger): Promise<number> {
  let marked = 0;
  for (const status of ['pending', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await store.listRuns({ status, limit: 500, cursor });
      for (const s of page.runs) {
        try {
          const run = await store.getRun(s.id);
          if (run.status !== 'pending' && run.status !== 'running') continue;
          const now = new Date().toISOString();
          for (const t of Object.values(run.tasks)) {
            if (t.status === 'pending' || t.status === 'running') {
              await store.upsertTask(s.id, {
                ...t,
                status: 'cancelled',
                error: 'the server stopped before this task finished',
                finished: now,
              });
            }
          }
          await store.setRunStatus(s.id, 'stalled');
          marked++;
        } catch (e) {
          log.warn(`could not mark abandoned run ${s.id} as stalled: ${errorChain(e)}`, { run_id: s.id });
        }
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  if (marked > 0) log.warn(`marked ${marked} run(s) left unfinished by a previous server as stalled`);
  return marked;
}
