// The main-thread side of Lua execution: a pool of worker threads, each running one job at a time. A job
// past its deadline (or whose AbortSignal fires) gets its worker terminated (2-35 ms, measured), which stops
// any runaway, pcall-wrapped or inside C code; a fresh worker replaces it in the background.
import { MessageChannel, type MessagePort, SHARE_ENV, Worker } from 'node:worker_threads';
import { payloadKey } from './payload.js';
import type { CtxReply, CtxRequest, Job, JobOutput, JobReply, WorkerInit } from './protocol.js';
import { LuaError } from './state.js';

export interface PoolOptions {
  size: number;
  memoryLimit: number;
  /** IRONFLOW_LUA_MAX_INSTRUCTIONS (0 = none). */
  maxInstructions?: number;
  hookInterval?: number;
  conversion: { maxDepth: number; maxNodes: number };
}

type JobInput = Job extends infer J ? (J extends { id: number } ? Omit<J, 'id'> : never) : never;

export interface JobRequest {
  job: JobInput;
  /** The step's context view; keys not sent eagerly are read from here on demand. */
  ctx: Readonly<Record<string, unknown>>;
  /** Absolute deadline (ms since epoch); 0 = none. */
  deadline: number;
  /** Text for a deadline error, e.g. "time budget of 10s exhausted (IRONFLOW_LUA_MAX_SECONDS)". */
  deadlineMessage: string;
  signal?: AbortSignal;
  onOutput?: (o: JobOutput) => void;
}

interface Pending {
  req: JobRequest;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  slot?: Slot;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  job?: Pending;
  jobId?: number;
  dead: boolean;
}

// Under the test runner this module is TypeScript source; the worker always runs the built JavaScript.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/lua/worker.js', import.meta.url)
  : new URL('./worker.js', import.meta.url);

export class LuaPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /** Start a worker now, so the first Lua step does not wait for it (about 60 ms). */
  warm(): void {
    if (this.slots.length === 0 && !this.closed) this.spawn();
  }

  run(req: JobRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('Lua pool is closed'));
    return new Promise((resolve, reject) => {
      const p: Pending = { req, resolve, reject };
      if (req.signal?.aborted) {
        reject(req.signal.reason);
        return;
      }
      p.onAbort = () => this.abort(p, req.signal!.reason);
      req.signal?.addEventListener('abort', p.onAbort, { once: true });
      this.queue.push(p);
      this.dispatch();
    });
  }

  private spawn(): Slot {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    const init: WorkerInit = {
      key: payloadKey(),
      memoryLimit: this.opts.memoryLimit,
      maxInstructions: this.opts.maxInstructions ?? 0,
      hookInterval: this.opts.hookInterval ?? 10_000,
      conversion: this.opts.conversion,
      flag: shared,
      ctxPort: port2,
    };
    const worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2], env: SHARE_ENV });
    const slot: Slot = { worker, port: port1, flag: new Int32Array(shared), dead: false };
    worker.unref();
    port1.unref();
    worker.on('message', (reply: JobReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.onExit(slot, err));
    worker.on('exit', () => this.onExit(slot, undefined));
    port1.on('message', (req: CtxRequest) => this.onCtxRequest(slot, req));
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
      const p = this.queue.shift()!;
      this.start(slot, p);
    }
  }

  private start(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    slot.job = p;
    slot.jobId = id;
    p.slot = slot;
    slot.worker.ref();
    if (p.req.deadline > 0) {
      const ms = Math.max(0, p.req.deadline - Date.now());
      p.timer = setTimeout(() => this.kill(p, new LuaError(p.req.deadlineMessage, 'deadline')), ms);
    }
    slot.worker.postMessage({ ...p.req.job, id } as Job);
  }

  private onReply(slot: Slot, reply: JobReply): void {
    const p = slot.job;
    if (!p || reply.id !== slot.jobId) return;
    this.finish(slot, p);
    for (const o of reply.out) p.req.onOutput?.(o);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new LuaError(reply.error, reply.kind as LuaError['kind']));
    this.dispatch();
  }

  /** Answer a worker's synchronous context request from the running job's view. */
  private onCtxRequest(slot: Slot, req: CtxRequest): void {
    const ctx = slot.job?.req.ctx;
    let reply: CtxReply;
    if (!ctx) reply = { found: false };
    else if (req.op === 'keys') reply = { keys: Object.keys(ctx) };
    else if (Object.hasOwn(ctx, req.key)) reply = { found: true, value: ctx[req.key] };
    else reply = { found: false };
    try {
      slot.port.postMessage(reply);
    } catch (e) {
      // A value that cannot be cloned: report it as missing rather than leave the worker blocked.
      slot.port.postMessage({ found: false });
      slot.job?.req.onOutput?.({
        level: 'warn',
        message: `ctx value could not be sent to Lua: ${(e as Error).message}`,
      });
    }
    Atomics.store(slot.flag, 0, 1);
    Atomics.notify(slot.flag, 0);
  }

  private finish(slot: Slot, p: Pending): void {
    slot.job = undefined;
    slot.jobId = undefined;
    if (!slot.dead) slot.worker.unref();
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.req.signal?.removeEventListener('abort', p.onAbort);
  }

  private abort(p: Pending, reason: unknown): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      if (p.timer) clearTimeout(p.timer);
      p.reject(reason);
      return;
    }
    this.kill(p, reason);
  }

  /** End a running job by terminating its worker; a replacement starts in the background. */
  private kill(p: Pending, reason: unknown): void {
    const slot = p.slot;
    if (!slot || slot.job !== p) return;
    this.finish(slot, p);
    this.retire(slot);
    p.reject(reason);
    if (!this.closed) this.spawn();
    this.dispatch();
  }

  private retire(slot: Slot): void {
    slot.dead = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.port.close();
    void slot.worker.terminate();
  }

  private onExit(slot: Slot, err: Error | undefined): void {
    if (slot.dead) return;
    const p = slot.job;
    this.retire(slot);
    if (p) {
      this.finish(slot, p);
      p.reject(new LuaError(err ? `Lua worker failed: ${err.message}` : 'Lua worker exited unexpectedly'));
    }
    if (!this.closed && (p || this.queue.length > 0)) this.spawn();
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('Lua pool closed'));
    await Promise.all(
      [...this.slots].map((s) => {
        s.dead = true;
        s.port.close();
        return s.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }
}
