// A Lua worker thread: one sandboxed state, one job at a time. A job that outlives its deadline is ended
// by the main thread terminating this worker, which also stops runaways inside C code (DECISIONS 17).
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { executeCode, executeForeach } from './execute.js';
import { setPayloadKey } from './payload.js';
import type { CtxReply, Job, JobOutput, JobReply, WorkerInit } from './protocol.js';
import { type CtxSource, LuaError, LuaState } from './state.js';

const init = workerData as WorkerInit;
setPayloadKey(init.key);
const flag = new Int32Array(init.flag);
const port = init.ctxPort;
let out: JobOutput[] = [];

const statePromise = LuaState.create({
  memoryLimit: init.memoryLimit,
  maxInstructions: init.maxInstructions,
  hookInterval: init.hookInterval,
  conversion: init.conversion,
  env: (name) => {
    const allow = process.env.IRONFLOW_ENV_ALLOWLIST;
    if (allow !== undefined && !allow.split(',').some((n) => n.trim() === name)) return undefined;
    return process.env[name];
  },
  print: (line) => out.push({ level: 'print', message: line }),
  log: (level, message) => out.push({ level, message }),
});

/** Ask the main thread, and block until it answers (the main thread's event loop is free: Lua is here). */
function ask(req: { op: 'get'; key: string } | { op: 'keys' }): CtxReply {
  Atomics.store(flag, 0, 0);
  port.postMessage(req);
  Atomics.wait(flag, 0, 0);
  const msg = receiveMessageOnPort(port);
  if (!msg) throw new Error('context channel closed');
  return msg.message as CtxReply;
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

parentPort!.on('message', async (job: Job) => {
  const st = await statePromise;
  out = [];
  let reply: JobReply;
  try {
    const src = ctxSource(job.eager);
    const value =
      job.kind === 'code'
        ? executeCode(st, { step: job.step, source: job.source, payload: job.payload }, src)
        : executeForeach(st, { payload: job.payload, items: job.items, filterNulls: job.filterNulls }, src);
    reply = { id: job.id, ok: true, value, out };
  } catch (e) {
    const kind = e instanceof LuaError ? e.kind : 'runtime';
    reply = { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e), kind, out };
  }
  if (st.memoryUsed > 32 * 1024 * 1024) st.collect();
  parentPort!.postMessage(reply);
  if (st.w.X.memory.buffer.byteLength > RETIRE_BYTES) process.exit(0);
});
