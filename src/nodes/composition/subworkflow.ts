// subworkflow (NODES 18.2, DECISIONS 19, 21, 25): run another flow file as a recorded child run.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import type { NodeContext, SubflowRunner } from '../types.js';
import { defineNode } from '../types.js';
import {
  checkDepth,
  childContext,
  inputObject,
  mapInputStrict,
  publicContext,
  resolveFlowPath,
} from './shared.js';

/** The engine's runner, or a clear error when the node runs without one. */
export function subflowRunner(node: string, nc: NodeContext): SubflowRunner {
  const r = nc.services.subflows;
  if (!r) throw new NodeError(`${node}: no subworkflow runner in this engine`, { retryable: false });
  return r;
}

export const subworkflow = defineNode({
  name: 'subworkflow',
  category: 'Composition',
  description: 'Run another flow file as a child run',
  params: {
    flow: p.string({
      description:
        "Child flow file (required): absolute, or relative to the parent's _flow_dir (and inside it: '..' may not leave it)",
    }),
    input: p.object({
      description:
        'Child context mapping: child_key = "parent_key" copies that parent value (left out when the parent has ' +
        'no such key); other values are literals. Without it the child gets a copy of the whole parent context',
    }),
    wait: p.boolean({
      description:
        'false = fire-and-forget: the child runs in the background (recorded; failures are logged)',
      default: true,
    }),
    output_key: p.string({
      description:
        'Put the child context (keys not starting with _) under this key, with {output_key}_success; ' +
        'a failed child then does not fail the step',
    }),
  },
  outputs: {
    subworkflow_name: "the child's Flow.new name",
    subworkflow_run_id: 'id of the child run',
    '{output_key}': 'the child context without _ keys (with output_key)',
    '{output_key}_success': 'whether the child run succeeded (with output_key)',
    '{output_key}_error': 'why the child failed (with output_key, only on failure)',
    '*': "without output_key: every child context key not starting with '_'",
    subworkflow_async: 'true (wait = false)',
  },
  check(cfg) {
    const out: Array<{ path: string; message: string }> = [];
    if (typeof cfg.flow !== 'string') {
      out.push({ path: '$.flow', message: "subworkflow requires 'flow' parameter" });
    }
    return out;
  },
  async run(cfg, nc) {
    if (typeof cfg.flow !== 'string') {
      throw new NodeError("subworkflow requires 'flow' parameter", { retryable: false });
    }
    const path = await resolveFlowPath('subworkflow', cfg.flow, nc.ctx);
    checkDepth('subworkflow', nc.lineage, path);
    const mapping = inputObject(cfg.input);
    const ctx = childContext(mapping ? mapInputStrict(mapping, nc.ctx) : { ...nc.ctx }, path);
    const wait = cfg.wait !== false;
    // A waited child shares the step's signal (a step timeout or a cancelled run reaches it). A
    // fire-and-forget child follows it only until it is recorded; after that it runs on its own.
    let signal = nc.signal;
    let detach: (() => void) | undefined;
    if (!wait) {
      const ac = new AbortController();
      const onAbort = () => ac.abort(nc.signal.reason);
      if (nc.signal.aborted) onAbort();
      else nc.signal.addEventListener('abort', onAbort, { once: true });
      signal = ac.signal;
      detach = () => nc.signal.removeEventListener('abort', onAbort);
    }
    let res: Awaited<ReturnType<SubflowRunner['run']>>;
    try {
      res = await subflowRunner('subworkflow', nc).run({
        path,
        ctx,
        parent: { runId: nc.runId, step: nc.step, lineage: nc.lineage },
        signal,
        wait,
      });
    } finally {
      detach?.();
    }
    const base = { subworkflow_name: res.flow_name, subworkflow_run_id: res.run_id };
    if (!wait) return { ...base, subworkflow_async: true };
    const ok = res.status === 'success';
    if (cfg.output_key !== undefined) {
      return {
        ...base,
        [cfg.output_key]: publicContext(res.ctx),
        [`${cfg.output_key}_success`]: ok,
        ...(ok ? {} : { [`${cfg.output_key}_error`]: res.error ?? `run ${res.status}` }),
      };
    }
    if (!ok) {
      throw new NodeError(
        `Subworkflow '${res.flow_name}' finished with status: ${res.status} (run ${res.run_id})` +
          (res.error ? `: ${res.error}` : ''),
      );
    }
    return { ...publicContext(res.ctx), ...base };
  },
});
