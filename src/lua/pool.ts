// The main-thread side of Lua execution: a pool of worker threads, each running one job at a time over a
// shared lane (channel.ts). A job past its deadline (or whose AbortSignal fires) gets its worker
// terminated (2-35 ms, measured), which stops any runaway, pcall-wrapped or inside C code; a fresh worker
// replaces it in the background.
import { MessageChannel, SHARE_ENV, Worker } from 'node:worker_threads';
import { ANSWER, EVT, EVT_CTX, JOB, KIND, Lane, spinUntilChanged } from './channel.js';
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
  done?: boolean;
}

interface Slot {
  worker: Worker;
  lane: Lane;
  jobs: number;
  events: number;
  answers: number;
  job?: Pending;
  dead: boolean;
}

// Under the test runner this module is TypeScript source; the worker always runs the built JavaScript.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/lua/worker.js', import.meta.url)
  : new URL('./worker.js', import.meta.url);

/** Data area of a lane; larger messages go through the worker's port. */
const LANE_BYTES = 1 << 20;
/**
 * How long the main thread spins for a reply before yielding to the event loop. Short handlers answer
 * within it, which saves a thread wake-up and an event-loop round trip; it bounds the stall to 0.1 ms.
 */
const SPIN_MS = 0.1;

export class LuaPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private holds = 0;

  constructor(private readonly opts: PoolOptions) {}

  /**
   * Keep the process alive while runs may send jobs (workers are unref'd otherwise, so an idle pool
   * never holds the process open). Toggling ref per job measured ~30 µs a job; per run it is free.
   */
  hold(): void {
    if (this.holds++ === 0) for (const s of this.slots) s.worker.ref();
  }

  release(): void {
    if (this.holds > 0 && --this.holds === 0) for (const s of this.slots) s.worker.unref();
  }

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
      if (req.signal) {
        p.onAbort = () => this.abort(p, req.signal!.reason);
        req.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.queue.push(p);
      this.dispatch();
    });
  }

  private spawn(): Slot {
    const { port1, port2 } = new MessageChannel();
    const sab = Lane.create(LANE_BYTES);
    const init: WorkerInit = {
      key: payloadKey(),
      memoryLimit: this.opts.memoryLimit,
      maxInstructions: this.opts.maxInstructions ?? 0,
      hookInterval: this.opts.hookInterval ?? 10_000,
      conversion: this.opts.conversion,
      lane: sab,
      port: port2,
    };
    const worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2], env: SHARE_ENV });
    const slot: Slot = { worker, lane: new Lane(sab, port1), jobs: 0, events: 0, answers: 0, dead: false };
    if (this.holds === 0) worker.unref();
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
      const p = this.queue.shift()!;
      this.start(slot, p);
    }
  }

  private start(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    slot.job = p;
    p.slot = slot;
    if (p.req.deadline > 0) {
      const ms = Math.max(0, p.req.deadline - Date.now());
      p.timer = setTimeout(() => this.kill(p, new LuaError(p.req.deadlineMessage, 'deadline')), ms);
    }
    slot.lane.write({ ...p.req.job, id } as Job);
    Atomics.store(slot.lane.ctrl, JOB, ++slot.jobs);
    Atomics.notify(slot.lane.ctrl, JOB);
    void this.await(slot, p);
  }

  /** Serve the job's context requests and take its reply; a short synchronous wait first. */
  private async await(slot: Slot, p: Pending): Promise<void> {
    const ctrl = slot.lane.ctrl;
    for (;;) {
      if (!spinUntilChanged(ctrl, EVT, slot.events, SPIN_MS)) {
        // biome-ignore lint/suspicious/noExplicitAny: Atomics.waitAsync is in Node 20 but not in our ES2023 lib
        const w = (Atomics as any).waitAsync(ctrl, EVT, slot.events) as { async: boolean; value: unknown };
        if (w.async) await w.value;
      }
      if (p.done || slot.dead) return;
      // A wake-up is not an event: a notify can arrive late, after a change already handled.
      if (Atomics.load(ctrl, EVT) === slot.events) continue;
      slot.events = Atomics.load(ctrl, EVT);
      if (Atomics.load(ctrl, KIND) === EVT_CTX) {
        this.answer(slot, p, slot.lane.read() as CtxRequest);
        continue;
      }
      const reply = slot.lane.read() as JobReply;
      if (!reply || reply.id === undefined || !Array.isArray(reply.out)) {
        // Never expected; if the lane is out of step, drop this worker rather than misread a message.
        this.kill(
          p,
          new LuaError(`Lua worker sent an unexpected message (${JSON.stringify(reply)?.slice(0, 80)})`),
        );
        return;
      }
      this.finish(slot, p);
      for (const o of reply.out) p.req.onOutput?.(o);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new LuaError(reply.error, reply.kind as LuaError['kind']));
      this.dispatch();
      return;
    }
  }

  /** Answer a worker's context request from the running job's view. */
  private answer(slot: Slot, p: Pending, req: CtxRequest): void {
    const ctx = p.req.ctx;
    let reply: CtxReply;
    if (req.op === 'keys') reply = { keys: Object.keys(ctx) };
    else if (Object.hasOwn(ctx, req.key)) reply = { found: true, value: ctx[req.key] };
    else reply = { found: false };
    try {
      slot.lane.write(reply);
    } catch (e) {
      // A value that cannot be sent: report it as missing rather than leave the worker waiting.
      slot.lane.write({ found: false });
      p.req.onOutput?.({
        level: 'warn',
        message: `ctx value could not be sent to Lua: ${(e as Error).message}`,
      });
    }
    Atomics.store(slot.lane.ctrl, ANSWER, ++slot.answers);
    Atomics.notify(slot.lane.ctrl, ANSWER);
  }

  private finish(slot: Slot, p: Pending): void {
    p.done = true;
    slot.job = undefined;
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.req.signal?.removeEventListener('abort', p.onAbort);
  }

  private abort(p: Pending, reason: unknown): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      p.done = true;
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
    // Wake our own waiter on this lane so it notices the slot is gone.
    Atomics.notify(slot.lane.ctrl, EVT);
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
        Atomics.notify(s.lane.ctrl, EVT);
        return s.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }
}
