// The engine side of the composition nodes (NODES 18.2 and 20.1, DECISIONS 21 and 25): load a child flow
// file (once per parent run: a small LRU keyed by parent run and path, holding the file version), validate it, and run
// it through the same engine as a child run recorded with parent_run_id / parent_step. The step's signal
// becomes the child run's signal, so a parent step timeout or a cancelled parent reaches every descendant.
// Every child run in flight is tracked, fire-and-forget ones included, so Engine.close() waits for them and
// no outcome is lost.
import { stat } from 'node:fs/promises';
import { checkDepth } from '../nodes/composition/shared.js';
import type { SubflowRunner } from '../nodes/types.js';
import { errorChain, IronflowError, NodeError } from '../util/errors.js';
import type { Engine, LoadedFlow, RunOptions } from './engine.js';
import type { Context, RunInfo } from './types.js';

type SubflowRequest = Parameters<SubflowRunner['run']>[0];
type SubflowResult = Awaited<ReturnType<SubflowRunner['run']>>;

/** Keys a child inherits from its parent that its record never stores (like the parent's own record). */
const HIDDEN_KEYS = ['_headers'] as const;

/** How often a cached child flow's file version is checked again (ms). */
const VERSION_CHECK_MS = 1000;

interface CacheEntry {
  /** mtime and size of the file when it was parsed. */
  version: string;
  /** When the version was last checked (performance.now()). */
  checked: number;
  loaded: Promise<LoadedFlow>;
}

export interface EngineSubflowsOptions {
  /** Loaded child flows kept (LRU). Default 64. */
  cacheSize?: number;
}

/** Why a child run did not succeed: its failed steps and their errors, or how it ended. */
export function childFailure(info: RunInfo): string | undefined {
  if (info.status === 'success') return undefined;
  const tasks = Object.values(info.tasks);
  const failed = tasks.filter((t) => t.status === 'failed');
  if (failed.length > 0) {
    return failed.map((t) => `step '${t.name}' failed: ${t.error ?? 'no error recorded'}`).join('; ');
  }
  const cancelled = tasks.find((t) => t.status === 'cancelled' && t.error);
  return cancelled ? `run ${info.status}: ${cancelled.error}` : `run ${info.status}`;
}

export class EngineSubflows implements SubflowRunner {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheSize: number;
  private readonly inFlight = new Set<Promise<void>>();
  private background = 0;
  /** Flow files parsed so far (a figure for tests and benchmarks: the cache keeps it low). */
  loads = 0;

  constructor(
    private readonly engine: Engine,
    opts: EngineSubflowsOptions = {},
  ) {
    this.cacheSize = Math.max(1, opts.cacheSize ?? 64);
  }

  /** Stops fire-and-forget children, which outlive the step (and run) that started them. */
  private readonly detachedStop = new AbortController();

  /** Child runs still running (waited and fire-and-forget). */
  get running(): number {
    return this.inFlight.size;
  }

  async run(req: SubflowRequest): Promise<SubflowResult> {
    checkDepth('subworkflow', req.parent.lineage, req.path);
    const loaded = await this.load(req.path, req.parent.runId);
    const opts: RunOptions = {
      parent: { runId: req.parent.runId, step: req.parent.step },
      lineage: [...req.parent.lineage, req.path],
      signal: req.signal,
      hiddenKeys: HIDDEN_KEYS,
    };
    if (req.wait) {
      // The parent gets the child's full context; the child's record keeps oversized values as markers.
      let full: Context | undefined;
      const p = this.engine.execute(loaded.flow, req.ctx, {
        ...opts,
        onFinalContext: (ctx) => {
          full = ctx;
        },
      });
      this.track(p);
      const info = await p;
      const error = childFailure(info);
      return {
        run_id: info.id,
        flow_name: info.flow_name,
        status: info.status,
        ctx: full ?? info.ctx,
        ...(error !== undefined ? { error } : {}),
      };
    }
    return this.startDetached(loaded, req, opts);
  }

  /** Fire-and-forget: resolves once the child run is recorded; its outcome is logged, never dropped. */
  private startDetached(loaded: LoadedFlow, req: SubflowRequest, opts: RunOptions): Promise<SubflowResult> {
    const log = this.engine.logger;
    const name = loaded.flow.name;
    return new Promise<SubflowResult>((resolveStart, rejectStart) => {
      let runId: string | undefined;
      // Listeners rather than AbortSignal.any: detachedStop lives as long as the engine, and each child
      // removes its listener when it ends.
      const ac = new AbortController();
      const unfollow = [this.detachedStop.signal, opts.signal].map((s) => (s ? follow(s, ac) : () => {}));
      const p = this.engine.execute(loaded.flow, req.ctx, {
        ...opts,
        signal: ac.signal,
        onCreated: (id) => {
          runId = id;
          resolveStart({ run_id: id, flow_name: name, status: 'running', ctx: {} });
        },
      });
      this.background++;
      const fields = { step: req.parent.step };
      const outcome = p.then(
        (info) => {
          const why = childFailure(info);
          if (why === undefined)
            log.debug(`fire-and-forget subworkflow '${name}' (run ${info.id}) succeeded`, fields);
          else {
            log.error(
              `fire-and-forget subworkflow '${name}' (run ${info.id}) finished with status ${info.status}: ${why}`,
              fields,
            );
          }
        },
        (e: unknown) => {
          if (runId === undefined) rejectStart(e);
          else
            log.error(
              `fire-and-forget subworkflow '${name}' (run ${runId}) failed: ${errorChain(e)}`,
              fields,
            );
        },
      );
      this.track(
        outcome.finally(() => {
          this.background--;
          for (const u of unfollow) u();
        }),
      );
    });
  }

  private track(p: Promise<unknown>): void {
    const t: Promise<void> = p.then(
      () => {
        this.inFlight.delete(t);
      },
      () => {
        this.inFlight.delete(t);
      },
    );
    this.inFlight.add(t);
  }

  /**
   * The loaded, validated child flow, parsed once per parent run and file version (mtime and size). The
   * version is checked again at most every VERSION_CHECK_MS, so a fan-out of 10,000 children does not stat
   * the file 10,000 times, and an edit is still picked up within that delay.
   */
  private async load(path: string, parentRunId: string): Promise<LoadedFlow> {
    const key = `${parentRunId}\n${path}`;
    const hit = this.cache.get(key);
    const now = performance.now();
    if (hit && now - hit.checked < VERSION_CHECK_MS) return this.touch(key, hit);
    let version: string;
    try {
      const st = await stat(path);
      version = `${st.mtimeMs}:${st.size}`;
    } catch {
      this.cache.delete(key);
      return this.loadChecked(path); // reports the missing file in the loader's words
    }
    const again = this.cache.get(key); // another child may have refreshed it meanwhile
    if (again && again.version === version) {
      again.checked = Math.max(again.checked, now);
      return this.touch(key, again);
    }
    const loaded = this.loadChecked(path);
    loaded.catch(() => {}); // every caller awaits it; this only keeps an unobserved rejection quiet
    this.cache.delete(key);
    this.cache.set(key, { version, checked: now, loaded });
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return loaded;
  }

  /** Mark an entry as most recently used. */
  private touch(key: string, entry: CacheEntry): Promise<LoadedFlow> {
    this.cache.delete(key);
    this.cache.set(key, entry);
    return entry.loaded;
  }

  private async loadChecked(path: string): Promise<LoadedFlow> {
    this.loads++;
    let loaded: LoadedFlow;
    try {
      loaded = await this.engine.loadFile(path);
    } catch (e) {
      if (e instanceof IronflowError) throw new NodeError(e.message, { retryable: false, cause: e });
      throw e;
    }
    const report = this.engine.check(loaded);
    if (report.errors.length > 0) {
      throw new NodeError(
        `child flow '${path}' has ${report.errors.length} validation error(s): ${report.errors
          .map((i) => i.message)
          .join('; ')}`,
        { retryable: false },
      );
    }
    for (const w of report.warnings) this.engine.logger.warn(`child flow '${path}': ${w.message}`);
    return loaded;
  }

  /** Wait until no child run is in flight (children started meanwhile are waited for too). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Engine shutdown: say how many children are still running and wait for them, then forget cached flows.
   * With `graceMs`, fire-and-forget children still running after it are stopped with `reason` (the
   * server records them as stalled) rather than waited for without a bound.
   */
  async close(graceMs?: number, reason?: unknown): Promise<void> {
    if (this.inFlight.size > 0) {
      this.engine.logger.info(
        `waiting ${graceMs === undefined ? '' : `up to ${graceMs / 1000}s `}for ${this.inFlight.size} child run(s) still running (${this.background} fire-and-forget)`,
      );
    }
    if (graceMs !== undefined && this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      });
      await Promise.race([this.drain(), graceOver]);
      clearTimeout(timer);
      this.stopDetached(reason);
    }
    await this.drain();
    this.cache.clear();
  }

  /** Stop every fire-and-forget child run now (and any started later) with `reason`. */
  stopDetached(reason: unknown): void {
    if (this.detachedStop.signal.aborted) return;
    if (this.background > 0) {
      this.engine.logger.warn(`stopping ${this.background} fire-and-forget child run(s) still running`);
    }
    this.detachedStop.abort(reason);
  }
}

/** Abort `ac` when `signal` aborts (with its reason); returns the function that stops following. */
function follow(signal: AbortSignal, ac: AbortController): () => void {
  const onAbort = () => ac.abort(signal.reason);
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
