// Flow loads off the event loop (IF-038): a few worker threads (IRONFLOW_MAX_CONCURRENT_FLOW_LOADS), each
// evaluating one flow at a time. A load that outlives the Lua time budget is stopped by terminating its
// worker (which also stops a runaway inside C code); a fresh worker replaces it. When every worker is busy
// and IRONFLOW_FLOW_LOAD_QUEUE loads already wait, the request gets 503.
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { S } from '../config/settings.js';
import type { LoadedFlow } from '../engine/engine.js';
import { payloadKey } from '../lua/payload.js';
import type { Logger } from '../nodes/types.js';
import { FlowLoadError } from '../util/errors.js';
import { unavailable } from './errors.js';
import type { LoadJob, LoadReply, LoadWorkerInit, LuaOutput } from './load-protocol.js';

// Under the test runner this module is TypeScript source; the worker always runs the built JavaScript.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/api/load-worker.js', import.meta.url)
  : new URL('./load-worker.js', import.meta.url);

/** Extra time the in-VM deadline gets before the worker is terminated from outside. */
const KILL_SLACK_MS = 1000;

/** A load failure that depends on timing or a crash, not on the source: never cached. */
export class TransientLoadError extends FlowLoadError {}

export interface LoadPoolOptions {
  size: number;
  queueLimit: number;
  nodeNames: string[];
  log: Logger;
}

interface Pending {
  job: Omit<LoadJob, 'id'>;
  resolve: (v: LoadedFlow) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  job?: Pending;
  jobId?: number;
  dead: boolean;
}

export class LoadPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: LoadPoolOptions) {}

  /** Start one worker now so the first load does not pay its start-up. */
  warm(): void {
    if (this.slots.length === 0 && !this.closed) this.spawn();
  }

  /** Evaluate flow source in a worker. `file` labels messages (a path or `<inline>`). */
  load(source: string, file: string): Promise<LoadedFlow> {
    if (this.closed) return Promise.reject(unavailable('The server is shutting down'));
    const busy = this.slots.filter((s) => !s.dead && s.job).length;
    if (busy >= this.opts.size && this.queue.length >= this.opts.queueLimit) {
      return Promise.reject(
        unavailable('Too many flows are being loaded (IRONFLOW_MAX_CONCURRENT_FLOW_LOADS); retry later'),
      );
    }
    const maxMs = S.luaMaxSeconds.get() * 1000;
    return new Promise((resolve, reject) => {
      this.queue.push({
        job: {
          source,
          file,
          maxMs,
          hookInterval: S.luaHookInterval.get(),
          maxInstructions: S.luaMaxInstructions.get(),
          memoryLimit: S.luaMaxMemory.get(),
          conversion: { maxDepth: S.maxConversionDepth.get(), maxNodes: S.maxConversionNodes.get() },
        },
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  private spawn(): Slot {
    const init: LoadWorkerInit = { key: payloadKey(), nodeNames: this.opts.nodeNames };
    const worker = new Worker(WORKER_URL, { workerData: init, env: SHARE_ENV });
    const slot: Slot = { worker, dead: false };
    worker.unref();
    worker.on('message', (reply: LoadReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.onExit(slot, err));
    worker.on('exit', () => this.onExit(slot, undefined));
    this.slots.push(slot);
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job && !s.dead);
      if (!slot) {
        if (this.slots.filter((s) => !s.dead).length >= this.opts.size) return;
        slot = this.spawn();
      }
      this.start(slot, this.queue.shift()!);
    }
  }

  private start(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    slot.job = p;
    slot.jobId = id;
    slot.worker.ref();
    if (p.job.maxMs > 0) {
      p.timer = setTimeout(() => this.kill(slot, p), p.job.maxMs + KILL_SLACK_MS);
    }
    slot.worker.postMessage({ ...p.job, id } satisfies LoadJob);
  }

  private onReply(slot: Slot, reply: LoadReply): void {
    const p = slot.job;
    if (!p || reply.id !== slot.jobId) return;
    this.finish(slot, p);
    this.forward(reply.out);
    if (reply.ok) p.resolve({ flow: reply.flow, issues: reply.issues });
    else if (!reply.failure) p.reject(new Error(reply.message));
    else if (reply.message.includes('(IRONFLOW_LUA_MAX_SECONDS)'))
      p.reject(new TransientLoadError(reply.message));
    else p.reject(new FlowLoadError(reply.message));
    this.dispatch();
  }

  private forward(out: LuaOutput[]): void {
    const log = this.opts.log;
    for (const o of out) {
      if (o.level === 'print') log.info(`<lua print> ${o.message}`);
      else log[o.level === 'trace' ? 'debug' : o.level](`<lua> ${o.message}`);
    }
  }

  private finish(slot: Slot, p: Pending): void {
    slot.job = undefined;
    slot.jobId = undefined;
    if (!slot.dead) slot.worker.unref();
    if (p.timer) clearTimeout(p.timer);
  }

  private what(p: Pending): string {
    return p.job.file === '<inline>'
      ? 'Failed to evaluate flow source'
      : `Failed to evaluate flow file '${p.job.file}'`;
  }

  /** The load outlived its budget: terminate the worker, fail the load, start a replacement. */
  private kill(slot: Slot, p: Pending): void {
    if (slot.job !== p) return;
    this.finish(slot, p);
    this.retire(slot);
    p.reject(
      new TransientLoadError(
        `${this.what(p)}: the flow file ran longer than the Lua time budget of ${p.job.maxMs / 1000}s (IRONFLOW_LUA_MAX_SECONDS)`,
      ),
    );
    if (!this.closed) this.spawn();
    this.dispatch();
  }

  private retire(slot: Slot): void {
    slot.dead = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
  }

  private onExit(slot: Slot, err: Error | undefined): void {
    if (slot.dead) return;
    const p = slot.job;
    this.retire(slot);
    if (p) {
      this.finish(slot, p);
      const why = err ? `the load worker failed: ${err.message}` : 'the load worker exited unexpectedly';
      p.reject(new TransientLoadError(`${this.what(p)}: ${why}`));
    }
    if (!this.closed && (p || this.queue.length > 0)) this.spawn();
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(unavailable('The server is shutting down'));
    await Promise.all(
      [...this.slots].map((s) => {
        s.dead = true;
        if (s.job) {
          const p = s.job;
          this.finish(s, p);
          p.reject(unavailable('The server is shutting down'));
        }
        return s.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }
}
