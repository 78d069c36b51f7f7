// Moving runs between stores (`ironflow runs migrate --from URL --to URL`) and removing old ones
// (`ironflow runs prune --before DATE [--status S]`).
import { RUN_STATUSES, type RunStatus, TERMINAL_RUN_STATUSES } from '../engine/types.js';
import { StoreError } from '../util/errors.js';
import { assertRunStatus, compareListOrder, parseTime, startedKey } from './common.js';
import type { StateStore } from './types.js';

export interface MigrateProgress {
  /** Runs read from the source so far. */
  seen: number;
  /** Runs written to the destination. */
  copied: number;
  /** Runs already present in the destination (left as they are). */
  skipped: number;
}

export interface MigrateOptions {
  /** Runs per listing page of the source (default 500). */
  pageSize?: number;
}

/**
 * Copy every run of `from` into `to` as it is (status, timestamps, context, tasks in order, parent links).
 * Runs whose id already exists in the destination are skipped, so an interrupted migration can be re-run.
 */
export async function migrateRuns(
  from: StateStore,
  to: StateStore,
  onProgress?: (p: MigrateProgress) => void,
  opts: MigrateOptions = {},
): Promise<MigrateProgress> {
  if (typeof to.importRun !== 'function') {
    throw new StoreError('invalid_input', `The ${to.kind} store cannot import runs`);
  }
  const progress: MigrateProgress = { seen: 0, copied: 0, skipped: 0 };
  let cursor: string | undefined;
  do {
    const page = await from.listRuns({ limit: opts.pageSize ?? 500, cursor });
    for (const summary of page.runs) {
      progress.seen++;
      let run: Awaited<ReturnType<StateStore['getRun']>>;
      try {
        run = await from.getRun(summary.id);
      } catch (e) {
        if (e instanceof StoreError && e.kind === 'not_found') continue; // deleted meanwhile
        throw e;
      }
      try {
        await to.importRun(run);
        progress.copied++;
      } catch (e) {
        if (!(e instanceof StoreError) || e.kind !== 'conflict') throw e;
        progress.skipped++;
      }
    }
    onProgress?.({ ...progress });
    cursor = page.nextCursor;
  } while (cursor);
  await to.flush();
  return progress;
}

export interface PruneOptions {
  /** Delete runs started before this time (RFC 3339 date or time, or a Date). */
  before: string | Date;
  /**
   * Only runs with this status (or these). Without it only finished runs (success, failed, stalled,
   * cancelled) are pruned, never a run that may still be executing.
   */
  status?: RunStatus | RunStatus[];
}

/**
 * Delete old runs (and their child runs); returns how many matching runs were deleted (child runs removed
 * only because their parent matched are not counted).
 */
export async function pruneRuns(store: StateStore, opts: PruneOptions): Promise<number> {
  const before = opts.before instanceof Date ? opts.before.toISOString() : opts.before;
  parseTime(before, "'before' time");
  const statuses =
    opts.status === undefined
      ? RUN_STATUSES.filter((s) => TERMINAL_RUN_STATUSES.has(s))
      : (Array.isArray(opts.status) ? opts.status : [opts.status]).map(assertRunStatus);
  const found: { id: string; k: number }[] = [];
  for (const status of new Set(statuses)) {
    let cursor: string | undefined;
    do {
      const page = await store.listRuns({ status, until: before, limit: 1000, cursor });
      for (const r of page.runs) found.push({ id: r.id, k: startedKey(r.started) });
      cursor = page.nextCursor;
    } while (cursor);
  }
  // newest first, so child runs (started after their parent) go before the parent that would cascade to them;
  // a matching run already removed with its parent still counts as pruned
  found.sort(compareListOrder);
  let deleted = 0;
  for (const { id } of found) {
    await store.deleteRun(id);
    deleted++;
  }
  await store.flush();
  return deleted;
}
