// parallel_subworkflows (NODES 20.1, DECISIONS 19, 20, 21, 25): run child flows concurrently, at most
// max_concurrent at a time, from a static `flows` list or one per element of a context array, and return
// one result entry per child in input order. NODES 24 defect 14 is fixed: fan-out elements are injected
// literally, never looked up as parent keys.
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Context } from '../../engine/types.js';
import { errorChain, NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import {
  checkDepth,
  childContext,
  inputObject,
  mapInputLenient,
  publicContext,
  resolveFlowPath,
} from './shared.js';
import { subflowRunner } from './subworkflow.js';

const NODE = 'parallel_subworkflows';
const MAX_CONCURRENT_CAP = 1024;
/** Error lines a fail_fast message lists before `… and N more`. */
const MAX_ERROR_LINES = 50;

type Problem = { path: string; message: string };

/** An empty Lua table arrives as `{}`; as a list it means an empty array. */
function asArray(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v) && Object.keys(v).length === 0) return [];
  return undefined;
}

/** max_concurrent as a number, or a problem message (literal numbers and numeric strings). */
function parseMaxConcurrent(v: unknown): number | string {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.trim() !== '') n = Number(v.trim());
  else return `${NODE}: 'max_concurrent' must be a whole number (got ${JSON.stringify(v)})`;
  if (!Number.isFinite(n) || !Number.isInteger(n)) {
    return `${NODE}: 'max_concurrent' must be a whole number (got ${JSON.stringify(v)})`;
  }
  if (n <= 0) return `${NODE}: 'max_concurrent' must be greater than 0`;
  return Math.min(n, MAX_CONCURRENT_CAP);
}

/** The rules of NODES 20.1 that the parameter schema cannot say, with its exact messages. */
function problems(cfg: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  if (cfg.flows !== undefined && cfg.flows !== null) {
    const flows = asArray(cfg.flows);
    if (!flows) out.push({ path: '$.flows', message: `${NODE} requires 'flows' array parameter` });
    else if (flows.length === 0) {
      out.push({ path: '$.flows', message: `${NODE}: 'flows' array must not be empty` });
    } else {
      flows.forEach((e, i) => {
        const path = `$.flows[${i}]`;
        if (!isPlainObject(e) || typeof e.flow !== 'string') {
          out.push({ path, message: `${NODE}: each flow entry requires a 'flow' field (index ${i})` });
          return;
        }
        if (e.input !== undefined && e.input !== null && !inputObject(e.input)) {
          out.push({ path: `${path}.input`, message: `${NODE}: flows[${i}].input must be an object` });
        }
        if (e.output_key !== undefined && e.output_key !== null && typeof e.output_key !== 'string') {
          out.push({
            path: `${path}.output_key`,
            message: `${NODE}: flows[${i}].output_key must be a string`,
          });
        }
      });
    }
  } else if ((cfg.flow === undefined || cfg.flow === null) && (cfg.source_key ?? null) === null) {
    out.push({
      path: '$.flows',
      message: `${NODE} requires either 'flows' array or dynamic 'flow' + 'source_key'`,
    });
  } else {
    if (typeof cfg.flow !== 'string') {
      out.push({
        path: '$.flow',
        message: `${NODE} dynamic mode requires 'flow' when 'flows' is not provided`,
      });
    }
    if (typeof cfg.source_key !== 'string') {
      out.push({
        path: '$.source_key',
        message: `${NODE} dynamic mode requires 'source_key' when 'flows' is not provided`,
      });
    }
  }
  const onError = cfg.on_error ?? 'fail_fast';
  if (onError !== 'fail_fast' && onError !== 'ignore') {
    out.push({
      path: '$.on_error',
      message: `${NODE}: invalid on_error '${String(onError)}'; expected 'fail_fast' or 'ignore'`,
    });
  }
  const mc = cfg.max_concurrent;
  // A placeholder is checked when the step runs, after interpolation.
  if (mc !== undefined && mc !== null && !(typeof mc === 'string' && mc.includes('${'))) {
    const r = parseMaxConcurrent(mc);
    if (typeof r === 'string') out.push({ path: '$.max_concurrent', message: r });
  }
  return out;
}

interface Entry {
  /** The `flow` string as configured (shown in load-error entries). */
  flow: string;
  input?: Record<string, unknown>;
  output_key?: string;
}

export const parallelSubworkflows = defineNode({
  name: 'parallel_subworkflows',
  category: 'Composition',
  description: 'Run child flows concurrently (a static list, or one per array element) and collect results',
  params: {
    flows: p.any({
      description:
        'Static mode: array of {flow, input?, output_key?}; each flow path is absolute or relative to _flow_dir',
    }),
    flow: p.string({ description: "Dynamic mode: the child flow file run once per element of 'source_key'" }),
    source_key: p.string({ description: 'Dynamic mode: context key of the array to fan out over' }),
    input: p.object({
      description:
        'Child context mapping (dynamic mode: applied to every child): a string naming a parent key copies ' +
        'its value, any other string or value is a literal. Without it a static entry gets a copy of the whole ' +
        'parent context',
    }),
    item_key: p.string({
      description: 'Dynamic mode: child key receiving the element (literally)',
      default: 'item',
    }),
    index_key: p.string({
      description: 'Dynamic mode: child key receiving the 1-based position',
      default: 'index',
    }),
    child_output_key: p.string({
      description: "Dynamic mode: nest each child's public context under this key in its entry",
    }),
    on_error: p.string({
      description: 'fail_fast (the step fails when any child failed, after all finished) or ignore',
      default: 'fail_fast',
    }),
    max_concurrent: p.oneOf<number | string>(['number', 'string'], {
      description: `Children running at once (default: CPU count; above ${MAX_CONCURRENT_CAP} is capped). A whole number or a numeric string`,
      interpolate: 'string',
    }),
    output_key: p.string({ description: 'Output key of the result entries', default: 'parallel_results' }),
  },
  outputs: {
    '{output_key}':
      'one entry per child, in input order: {success, flow, ...public context} (error when it failed)',
    '{output_key}_count': 'number of entries',
    '{output_key}_errors': 'number of entries with an error',
    '{output_key}_all_succeeded': 'whether every child succeeded',
  },
  check: problems,
  async run(cfg, nc) {
    const bad = problems(cfg);
    if (bad.length > 0) throw new NodeError(bad[0]!.message, { retryable: false });
    const outputKey = cfg.output_key;

    // 1. The entries, every path resolved and the depth checked before any child runs.
    let count: number;
    let entryAt: (i: number) => Entry;
    let items: unknown[] = [];
    const dynamic = cfg.flows === undefined || cfg.flows === null;
    if (!dynamic) {
      const flows = asArray(cfg.flows) as Array<Record<string, unknown>>;
      count = flows.length;
      entryAt = (i) => {
        const e = flows[i]!;
        return {
          flow: e.flow as string,
          input: inputObject(e.input),
          output_key: typeof e.output_key === 'string' ? e.output_key : undefined,
        };
      };
    } else {
      const src = asArray(nc.ctx[cfg.source_key as string]);
      if (!src) {
        throw new NodeError(`${NODE}: source_key '${cfg.source_key}' not found or not an array`, {
          retryable: false,
        });
      }
      items = src;
      count = items.length;
      const entry: Entry = { flow: cfg.flow as string, output_key: cfg.child_output_key };
      entryAt = () => entry;
    }
    const paths = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const f = entryAt(i).flow;
      if (!paths.has(f)) paths.set(f, await resolveFlowPath(NODE, f, nc.ctx));
      if (dynamic) break;
    }
    for (const path of paths.values()) checkDepth(NODE, nc.lineage, path);
    let limit = availableParallelism();
    if (cfg.max_concurrent !== undefined && cfg.max_concurrent !== null) {
      const r = parseMaxConcurrent(cfg.max_concurrent);
      if (typeof r === 'string') throw new NodeError(r, { retryable: false });
      limit = r;
    }

    // 2. The children, at most `limit` at a time; 3. all of them are waited for.
    const runner = subflowRunner(NODE, nc);
    const parent = { runId: nc.runId, step: nc.step, lineage: nc.lineage };
    // One listener on the step's signal; each running child listens on this one (up to `limit` at once).
    const ac = new AbortController();
    setMaxListeners(limit + 8, ac.signal);
    const onAbort = () => ac.abort(nc.signal.reason);
    if (nc.signal.aborted) onAbort();
    else nc.signal.addEventListener('abort', onAbort, { once: true });
    const base = dynamic ? mapInputLenient(inputObject(cfg.input) ?? {}, nc.ctx) : undefined;
    const results: Array<Record<string, unknown>> = new Array(count);
    const childCtx = (i: number, e: Entry, path: string): Context => {
      if (dynamic) {
        const c: Context = { ...base };
        c[cfg.item_key] = items[i];
        c[cfg.index_key] = i + 1;
        return childContext(c, path);
      }
      return childContext(e.input ? mapInputLenient(e.input, nc.ctx) : { ...nc.ctx }, path);
    };
    const runOne = async (i: number): Promise<Record<string, unknown>> => {
      const e = entryAt(i);
      const path = paths.get(e.flow)!;
      try {
        const res = await runner.run({
          path,
          ctx: childCtx(i, e, path),
          parent,
          signal: ac.signal,
          wait: true,
        });
        const ok = res.status === 'success';
        const pub = publicContext(res.ctx);
        const entry: Record<string, unknown> =
          e.output_key !== undefined
            ? { success: ok, flow: res.flow_name, [e.output_key]: pub }
            : { success: ok, flow: res.flow_name, ...pub };
        if (!ok) {
          entry.error =
            `Subworkflow '${res.flow_name}' (index ${i}) finished with status: ${res.status}` +
            (res.error ? `: ${res.error}` : '');
        }
        return entry;
      } catch (err) {
        return {
          success: false,
          flow: e.flow,
          error: `Subworkflow at index ${i} failed: ${errorChain(err)}`,
        };
      }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count && !ac.signal.aborted) {
        const i = next++;
        results[i] = await runOne(i);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
    } finally {
      nc.signal.removeEventListener('abort', onAbort);
    }
    if (ac.signal.aborted) throw ac.signal.reason;

    // 4.–6. Outcome and outputs.
    const errors: string[] = [];
    for (const r of results) if (typeof r.error === 'string') errors.push(r.error);
    if (errors.length > 0 && cfg.on_error !== 'ignore') {
      const shown = errors.slice(0, MAX_ERROR_LINES);
      if (errors.length > shown.length) shown.push(`… and ${errors.length - shown.length} more`);
      throw new NodeError(`${NODE}: ${errors.length} flow(s) failed:\n${shown.join('\n')}`);
    }
    return {
      [outputKey]: results,
      [`${outputKey}_count`]: results.length,
      [`${outputKey}_errors`]: errors.length,
      [`${outputKey}_all_succeeded`]: errors.length === 0,
    };
  },
});
