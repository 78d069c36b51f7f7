// In-memory store: for tests and for child runs that need no persistence. Same semantics as every other
// backend (errors, terminal stamp, cascade delete, listing); values are copied in and out.
import type { Context, RunInfo, RunStatus, TaskState } from '../engine/types.js';
import {
  applyStatus,
  assertCtx,
  assertRunStatus,
  closedError,
  compareListOrder,
  conflict,
  makePage,
  matchesFilters,
  newRun,
  normalizeQuery,
  normalizeRun,
  normalizeTask,
  notFound,
  nowIso,
  type SortPos,
  startedKey,
  summarize,
  toJson,
} from './common.js';
import { assertRunId } from './ids.js';
import type { InitRunOptions, ListPage, ListQuery, RunSummary, StateStore } from './types.js';

export class MemoryStore implements StateStore {
  readonly kind = 'memory';
  readonly location = 'memory:';
  private runs = new Map<string, RunInfo>();
  /** Every run in list order (newest `started` first), for paging without sorting. */
  private order: SortPos[] = [];
  /** Child run ids by parent id (cascading deletes). */
  private kids = new Map<string, Set<string>>();
  private closed = false;

  private live(id: string): RunInfo {
    if (this.closed) throw closedError('Memory');
    const run = this.runs.get(assertRunId(id));
    if (!run) throw notFound(id);
    return run;
  }

  /** Index of the first entry at or after `pos` in list order. */
  private seek(pos: SortPos): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareListOrder(this.order[mid]!, pos) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private add(run: RunInfo): void {
    this.runs.set(run.id, run);
    if (run.parent_run_id !== undefined) {
      const set = this.kids.get(run.parent_run_id) ?? new Set<string>();
      set.add(run.id);
      this.kids.set(run.parent_run_id, set);
    }
    const pos = { k: startedKey(run.started), id: run.id };
    this.order.splice(this.seek(pos), 0, pos);
  }

  private remove(id: string): boolean {
    const run = this.runs.get(id);
    if (!run) return false;
    this.runs.delete(id);
    if (run.parent_run_id !== undefined) this.kids.get(run.parent_run_id)?.delete(id);
    const i = this.seek({ k: startedKey(run.started), id });
    if (this.order[i]?.id === id) this.order.splice(i, 1);
    return true;
  }

  async initRun(id: string, flowName: string, ctx: Context, opts?: InitRunOptions): Promise<void> {
    if (this.closed) throw closedError('Memory');
    const run = newRun(id, flowName, ctx, opts);
    if (this.runs.has(id)) throw conflict(id);
    this.add(run);
  }

  async importRun(run: RunInfo): Promise<void> {
    if (this.closed) throw closedError('Memory');
    const r = normalizeRun(run);
    if (this.runs.has(r.id)) throw conflict(r.id);
    this.add(r);
  }

  async setRunStatus(id: string, status: RunStatus): Promise<void> {
    const s = assertRunStatus(status);
    applyStatus(this.live(id), s, nowIso());
  }

  async upsertTask(id: string, task: TaskState): Promise<void> {
    const run = this.live(id);
    // A copy: a memory store must not share objects with its caller.
    const t = toJson(normalizeTask(task), `Task '${task.name}'`);
    run.tasks[t.name] = t;
  }

  async getCtx(id: string): Promise<Context> {
    return structuredClone(this.live(id).ctx);
  }

  async updateCtx(id: string, ctx: Context): Promise<void> {
    const run = this.live(id);
    const patch = assertCtx(ctx);
    Object.assign(run.ctx, patch);
  }

  async getRun(id: string): Promise<RunInfo> {
    return structuredClone(this.live(id));
  }

  async listRuns(query?: ListQuery): Promise<ListPage> {
    if (this.closed) throw closedError('Memory');
    const q = normalizeQuery(query);
    const rows: RunSummary[] = [];
    let i = q.after ? this.seek(q.after) : 0;
    if (q.after && this.order[i] && compareListOrder(this.order[i]!, q.after) === 0) i++;
    for (; i < this.order.length && rows.length <= q.limit; i++) {
      const pos = this.order[i]!;
      const run = this.runs.get(pos.id)!;
      if (q.status !== undefined && run.status !== q.status) continue;
      if (q.untilKey !== undefined && pos.k >= q.untilKey) continue;
      if (q.sinceKey !== undefined && pos.k < q.sinceKey) break;
      const s = summarize(run);
      if (matchesFilters(s, pos.k, q)) rows.push(s);
    }
    return makePage(rows, q);
  }

  async deleteRun(id: string): Promise<boolean> {
    if (this.closed) throw closedError('Memory');
    assertRunId(id);
    const doomed = [id];
    const seen = new Set(doomed);
    for (let i = 0; i < doomed.length; i++) {
      for (const kid of this.kids.get(doomed[i]!) ?? []) {
        if (!seen.has(kid)) {
          seen.add(kid);
          doomed.push(kid);
        }
      }
    }
    let existed = false;
    for (const d of doomed) {
      existed = this.remove(d) || existed;
      this.kids.delete(d);
    }
    return existed;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.runs.clear();
    this.order = [];
    this.kids.clear();
  }
}
