// GET /runs/{id}/events: a run's step events as Server-Sent Events. Runs of this process stream live from
// the EventHub (events so far are replayed first, so a client that connects late misses nothing); a
// finished run sends its final state; a run another process is executing is followed by polling the store.
// Event names: run_started, started, retried, succeeded, failed, skipped, finished; `data` is the engine's
// RunEvent as JSON. The stream ends after `finished`.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../engine/events.js';
import { type RunInfo, type TaskState, TERMINAL_RUN_STATUSES } from '../engine/types.js';
import type { Logger } from '../nodes/types.js';
import type { StateStore } from '../store/types.js';
import { errorChain, StoreError } from '../util/errors.js';

/** Events kept per run for late subscribers; a run with more streams live only. */
const MAX_EVENTS_PER_RUN = 10_000;
/** Finished runs whose events stay available, and for how long. */
const RETAIN_FINISHED_RUNS = 1000;
const RETAIN_FINISHED_MS = 5 * 60_000;
const HEARTBEAT_MS = 15_000;

export function sseEventName(e: RunEvent): string {
  switch (e.type) {
    case 'run_started':
      return 'run_started';
    case 'task_started':
      return 'started';
    case 'task_retrying':
      return 'retried';
    case 'task_finished':
      return e.status === 'success'
        ? 'succeeded'
        : e.status === 'skipped' || e.status === 'cancelled'
          ? 'skipped'
          : 'failed';
    case 'run_finished':
      return 'finished';
  }
}

type Listener = (e: RunEvent, seq: number) => void;

interface Channel {
  events: RunEvent[];
  listeners: Set<Listener>;
  done: boolean;
  overflow: boolean;
  finishedAt?: number;
}

/** Events of the runs this process executes, kept a while after they finish. */
export class EventHub {
  private readonly channels = new Map<string, Channel>();
  private readonly finished: string[] = [];

  open(runId: string): void {
    this.channels.set(runId, { events: [], listeners: new Set(), done: false, overflow: false });
  }

  publish(e: RunEvent): void {
    const ch = this.channels.get(e.run_id);
    if (!ch || ch.done) return;
    if (ch.events.length < MAX_EVENTS_PER_RUN) ch.events.push(e);
    else ch.overflow = true;
    const seq = ch.overflow ? -1 : ch.events.length;
    for (const l of ch.listeners) l(e, seq);
    if (e.type === 'run_finished') this.close(e.run_id);
  }

  /** The run is over (also when it ended without a run_finished event, e.g. a store failure). */
  close(runId: string): void {
    const ch = this.channels.get(runId);
    if (!ch || ch.done) return;
    ch.done = true;
    ch.finishedAt = Date.now();
    for (const l of ch.listeners) l({ type: 'run_finished', run_id: runId, status: 'stalled', ts: '' }, -2);
    ch.listeners.clear();
    this.finished.push(runId);
    this.evict();
  }

  private evict(): void {
    const now = Date.now();
    while (this.finished.length > 0) {
      const id = this.finished[0]!;
      const ch = this.channels.get(id);
      const old = !ch || (ch.finishedAt ?? now) + RETAIN_FINISHED_MS < now;
      if (!old && this.finished.length <= RETAIN_FINISHED_RUNS) break;
      this.finished.shift();
      if (ch?.done) this.channels.delete(id);
    }
  }

  /** Whether this process has (or recently had) the run, with every event kept. */
  has(runId: string): boolean {
    this.evict();
    const ch = this.channels.get(runId);
    return ch !== undefined && !ch.overflow;
  }

  /** Replay events after `after` and follow the rest; returns the unsubscribe function. */
  follow(
    runId: string,
    after: number,
    send: (e: RunEvent, seq: number) => void,
    end: () => void,
  ): () => void {
    const ch = this.channels.get(runId);
    if (!ch) {
      end();
      return () => {};
    }
    ch.events.forEach((e, i) => {
      if (i + 1 > after) send(e, i + 1);
    });
    if (ch.done) {
      end();
      return () => {};
    }
    const l: Listener = (e, seq) => {
      if (seq === -2) {
        end(); // closed without a run_finished event
        return;
      }
      send(e, seq);
      if (e.type === 'run_finished') end();
    };
    ch.listeners.add(l);
    return () => ch.listeners.delete(l);
  }
}

/** Open SSE streams, so shutdown can end them. */
export class SseStreams {
  private readonly open = new Set<() => void>();

  add(end: () => void): () => void {
    this.open.add(end);
    return () => this.open.delete(end);
  }

  endAll(): void {
    for (const end of [...this.open]) end();
  }

  get size(): number {
    return this.open.size;
  }
}

export interface StreamDeps {
  hub: EventHub;
  store: StateStore;
  streams: SseStreams;
  pollMs: number;
  log: Logger;
}

/**
 * Stream the events of `runId`. `stored` is the store's record when the run is not live in this process
 * (the caller has read it, so a missing run was already answered with 404).
 */
export function streamRunEvents(
  reply: FastifyReply,
  runId: string,
  stored: RunInfo | undefined,
  lastEventId: number,
  deps: StreamDeps,
): void {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let closed = false;
  const cleanups: Array<() => void> = [];
  const t0 = performance.now();
  const end = () => {
    if (closed) return;
    closed = true;
    for (const c of cleanups) c();
    res.end();
    // A hijacked reply skips Fastify's onResponse hook: log the request here.
    const req = reply.request;
    deps.log.info('request', {
      reqId: req.id,
      method: req.method,
      url: req.url,
      status: 200,
      ms: Math.round((performance.now() - t0) * 10) / 10,
      stream: 'sse',
    });
  };
  cleanups.push(deps.streams.add(end));
  const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  cleanups.push(() => clearInterval(beat));
  res.on('close', end);
  const send = (e: RunEvent, seq: number) => {
    if (!closed) writeEvent(res, sseEventName(e), seq, e);
  };

  if (!stored) {
    cleanups.push(deps.hub.follow(runId, lastEventId, send, end));
    return;
  }
  const snapshot = new Snapshot(runId, send);
  snapshot.apply(stored);
  if (TERMINAL_RUN_STATUSES.has(stored.status)) {
    end();
    return;
  }
  // Another process runs it: follow the store.
  const timer = setInterval(() => {
    deps.store.getRun(runId).then(
      (run) => {
        if (closed) return;
        snapshot.apply(run);
        if (TERMINAL_RUN_STATUSES.has(run.status)) end();
      },
      (e: unknown) => {
        if (closed) return;
        const gone = e instanceof StoreError && e.kind === 'not_found';
        if (!gone) deps.log.warn(`event stream of run ${runId}: ${errorChain(e)}`);
        res.write(
          `event: error\ndata: ${JSON.stringify({ error: gone ? 'Run deleted' : 'Run store unavailable' })}\n\n`,
        );
        end();
      },
    );
  }, deps.pollMs);
  cleanups.push(() => clearInterval(timer));
}

function writeEvent(res: ServerResponse, name: string, seq: number, data: unknown): void {
  res.write(`${seq > 0 ? `id: ${seq}\n` : ''}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Turns successive store records of a run into the events a live stream would have carried. */
class Snapshot {
  private seq = 0;
  private started = false;
  private readonly seen = new Map<string, string>();
  /** Failed attempts held back until we know whether a retry follows. */
  private readonly heldFailures = new Map<string, TaskState>();

  constructor(
    private readonly runId: string,
    private readonly send: (e: RunEvent, seq: number) => void,
  ) {}

  private emit(e: RunEvent): void {
    this.send(e, ++this.seq);
  }

  apply(run: RunInfo): void {
    if (!this.started) {
      this.started = true;
      this.emit({
        type: 'run_started',
        run_id: this.runId,
        flow_name: run.flow_name,
        steps: Object.keys(run.tasks).length,
        ts: run.started ?? '',
      });
    }
    const terminal = TERMINAL_RUN_STATUSES.has(run.status);
    for (const t of Object.values(run.tasks)) {
      const mark = `${t.status}:${t.attempt}`;
      if (this.seen.get(t.name) === mark) continue;
      this.seen.set(t.name, mark);
      const held = this.heldFailures.get(t.name);
      if (t.status === 'running') {
        if (held) {
          this.heldFailures.delete(t.name);
          this.emit({
            type: 'task_retrying',
            run_id: this.runId,
            step: t.name,
            attempt: held.attempt,
            error: held.error ?? '',
            delay_ms: 0,
            ts: held.finished ?? '',
          });
        }
        this.emit({
          type: 'task_started',
          run_id: this.runId,
          step: t.name,
          node_type: t.node_type,
          attempt: t.attempt,
          ts: t.started ?? '',
        });
      } else if (t.status === 'failed' && !terminal) {
        this.heldFailures.set(t.name, t);
      } else if (t.status !== 'pending') {
        this.heldFailures.delete(t.name);
        this.emitFinished(t);
      }
    }
    if (terminal) {
      for (const t of this.heldFailures.values()) this.emitFinished(t);
      this.heldFailures.clear();
      this.emit({ type: 'run_finished', run_id: this.runId, status: run.status, ts: run.finished ?? '' });
    }
  }

  private emitFinished(t: TaskState): void {
    this.emit({
      type: 'task_finished',
      run_id: this.runId,
      step: t.name,
      node_type: t.node_type,
      status: t.status,
      attempt: t.attempt,
      ...(t.error !== undefined ? { error: t.error } : {}),
      ts: t.finished ?? '',
    });
  }
}
