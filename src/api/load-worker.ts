// A flow-load worker thread of the API server: a flow file is Lua that runs when it is loaded, so the
// server evaluates it here, never on its event loop (IF-038). One load at a time; the main thread
// terminates this worker when a load outlives the Lua time budget (load-pool.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { luaEnv } from '../lua/env.js';
import { LoadFailure, loadFlow } from '../lua/loader.js';
import { setPayloadKey } from '../lua/payload.js';
import type { LoadJob, LoadReply, LoadWorkerInit, LuaOutput } from './load-protocol.js';

const init = workerData as LoadWorkerInit;
// Function handlers are signed with the server's key, so its own Lua workers accept them later.
setPayloadKey(init.key);

parentPort!.on('message', async (job: LoadJob) => {
  const out: LuaOutput[] = [];
  let reply: LoadReply;
  try {
    const r = await loadFlow(job.source, job.file, {
      nodeNames: init.nodeNames,
      maxMs: job.maxMs,
      hookInterval: job.hookInterval,
      maxInstructions: job.maxInstructions,
      memoryLimit: job.memoryLimit,
      conversion: job.conversion,
      env: luaEnv,
      print: (line) => out.push({ level: 'print', message: line }),
      log: (level, message) => out.push({ level, message }),
    });
    reply = { id: job.id, ok: true, flow: r.flow, issues: r.issues, out };
  } catch (e) {
    const failure = e instanceof LoadFailure;
    reply = { id: job.id, ok: false, failure, message: e instanceof Error ? e.message : String(e), out };
  }
  parentPort!.postMessage(reply);
});
