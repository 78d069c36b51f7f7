// A Lua worker thread: one sandboxed state, one job at a time, taken from the shared lane (channel.ts) in
// a plain loop: the thread sleeps in Atomics.wait between jobs and never needs its event loop. A job that
// outlives its deadline is ended by the main thread terminating this worker, which also stops runaways
// inside C code (DECISIONS 17).
import { workerData } from 'node:worker_threads';
import { ANSWER, EVT, EVT_CTX, EVT_REPLY, JOB, KIND, Lane, spinUntilChanged } from './channel.js';
import { luaEnv } from './env.js';
import { executeCode, executeForeach } from './execute.js';
import { setPayloadKey } from './payload.js';
import type { CtxReply, CtxRequest, Job, JobOutput, JobReply, WorkerInit } from './protocol.js';
import { type CtxSource, LuaError, LuaState } from './state.js';

const init = workerData as WorkerInit;
setPayloadKey(init.key);
const lane = new Lane(init.lane, init.port);
const ctrl = lane.ctrl;
let out: JobOutput[] = [];
let events = 0;
let answers = 0;

/**
 * How long the worker spins for a context answer before sleeping (channel.ts): the main thread gives it as
 * soon as it sees the request. It does not spin for the next job: measured, that takes a core from the
 * main thread when jobs come fast, and a 10,000-step fan-out of Lua steps got slower.
 */
const ANSWER_SPIN_MS = 0.2;

function post(kind: number, msg: unknown): void {
  lane.write(msg);
  Atomics.store(ctrl, KIND, kind);
  Atomics.store(ctrl, EVT, ++events);
  Atomics.notify(ctrl, EVT);
}

/** Ask the main thread for part of the context, and wait for the answer. */
function ask(req: CtxRequest): CtxReply {
  post(EVT_CTX, req);
  spinUntilChanged(ctrl, ANSWER, answers, ANSWER_SPIN_MS);
  // A wake-up is not an answer: a notify can arrive late, after a store already seen.
  while (Atomics.load(ctrl, ANSWER) === answers) Atomics.wait(ctrl, ANSWER, answers);
  answers = Atomics.load(ctrl, ANSWER);
  return lane.read() as CtxReply;
}

function ctxSource(eager: Record<string, unknown>): CtxSource {
  return {
    get(key) {
      if (Object.hasOwn(eager, key)) return { found: true, value: eager[key] };
      const r = ask({ op: 'get', key });
      return 'found' in r && r.found ? { found: true, value: r.value } : { found: false };
    },
    keys() {
      const r = ask({ op: 'keys' });
      return 'keys' in r ? r.keys : [];
    },
  };
}

/** Past this WASM heap size a worker retires after its job (WASM memory never shrinks). */
const RETIRE_BYTES = 512 * 1024 * 1024;

const st = await LuaState.create({
  memoryLimit: init.memoryLimit,
  maxInstructions: init.maxInstructions,
  hookInterval: init.hookInterval,
  conversion: init.conversion,
  env: luaEnv,
  print: (line) => out.push({ level: 'print', message: line }),
  log: (level, message) => out.push({ level, message }),
});

let jobs = 0;
for (;;) {
  // A wake-up is not a job: a notify can arrive late, after a store already seen.
  while (Atomics.load(ctrl, JOB) === jobs) Atomics.wait(ctrl, JOB, jobs);
  jobs = Atomics.load(ctrl, JOB);
  const job = lane.read() as Job;
  out = [];
  let reply: JobReply;
  try {
    const src = ctxSource(job.eager);
    const value =
      job.kind === 'code'
        ? executeCode(st, { step: job.step, source: job.source, payload: job.payload }, src)
        : executeForeach(st, { payload: job.payload, items: job.items, filterNulls: job.filterNulls }, src);
    reply = { id: job.id, ok: true, value: value === undefined ? null : value, out };
  } catch (e) {
    const kind = e instanceof LuaError ? e.kind : 'runtime';
    reply = { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e), kind, out };
  }
  post(EVT_REPLY, reply);
  // After the reply, so a large job's caller does not wait for the collection.
  if (st.memoryUsed > 32 * 1024 * 1024) st.collect();
  if (st.w.X.memory.buffer.byteLength > RETIRE_BYTES) process.exit(0);
}
