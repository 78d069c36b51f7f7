// The JSON file store (default, CORE 6.2):
//
//   <dir>/<id>.json            the run (RunInfo, pretty-printed), written whole at creation and compaction
//   <dir>/<id>.journal.jsonl   mutations since then, one JSON line each, while the run is not terminal
//   <dir>/<id>.children        ids of child runs (one per line), for cascading deletes
//   <dir>/.index/              the listing index (json-index.ts)
//
// Writes of a running run are appended to its journal through one open descriptor, grouped: every mutation
// made in the same tick of the event loop goes out in one write. A mutation resolves once accepted (applied to
// the in-memory run and queued); `flush()` waits until the queue is written, and a terminal status waits for
// its compaction (the whole run renamed over `<id>.json`, then the journal removed). A failed background
// write is reported by the next call on that run and by `flush()`. Readers apply a pending journal, ignoring
// a torn last line, so the run of a crashed process is readable and can be taken over. Two processes may
// write different runs of one directory at once; one run is written by one process at a time.
import { closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Context, RunInfo, RunStatus, TaskState } from '../engine/types.js';
import { errorChain, StoreError } from '../util/errors.js';
import {
  applyStatus,
  assertCtx,
  assertRunStatus,
  closedError,
  conflict,
  isTerminal,
  newRun,
  normalizeQuery,
  normalizeRun,
  normalizeTask,
  notFound,
  nowIso,
  summarize,
} from './common.js';
import { assertRunId, isValidRunId } from './ids.js';
import {
  appendText,
  atomicCreate,
  atomicReplace,
  checkRoot,
  ensureDir,
  type FileStamp,
  fdatasync,
  lstatOrNull,
  openAppend,
  readNoFollow,
  unlinkIf,
  unlinkQuiet,
  writeAll,
} from './json-files.js';
import {
  deletionLine,
  entryFor,
  entryLine,
  type IndexEntry,
  JsonIndex,
  runFileIds,
  summaryOf,
} from './json-index.js';
import type { InitRunOptions, ListPage, ListQuery, RunSummary, StateStore } from './types.js';

export interface JsonStoreOptions {
  /** fsync journal writes, run files and index appends (survives power loss; slower). Default false. */
  fsync?: boolean;
  /** Index log size that triggers folding it into the sorted snapshot. Default 1 MiB. */
  indexCompactBytes?: number;
  /**
   * How long the first write of a run created here may wait, so that a run ending sooner is written once,
   * whole, instead of created and then replaced (ms; default 20; 0 = next tick). Listing, flush and close
   * write waiting runs at once.
   */
  firstWriteDelayMs?: number;
}

type JournalOp =
  | { op: 'status'; status: RunStatus; finished: string | null }
  | { op: 'task'; task: TaskState }
  | { op: 'ctx'; ctx: Context };

interface LiveRun {
  id: string;
  run: RunInfo;
  taskCount: number;
  /** Journal lines accepted but not yet written. */
  lines: string[];
  /** Open journal descriptor. */
  fd: number | null;
  /** The run is terminal: write it whole and drop the journal in the next batch. */
  compact: boolean;
  /** Size and mtime of `<id>.json` as last written or read. */
  stamp: FileStamp | null;
  /** The last index line written for this run. */
  indexed: string | null;
  /** A failed write not yet reported to a caller. */
  error: StoreError | null;
  /** A partial write may have left a torn line: start the next write on a new line. */
  torn: boolean;
  /** Waiters for the next batch that writes this run. */
  waiters: (() => void)[];
  /** Created by this store: a journal left under its name (a run deleted by hand) is truncated on open. */
  fresh: boolean;
  /** `<id>.json` exists: false for a run created in this process until its first batch writes it. */
  created: boolean;
  /** When this process created the run (ms since epoch; 0 for a run read from disk). */
  born: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function liveSummary(lr: LiveRun): RunSummary {
  const r = lr.run;
  const s: RunSummary = {
    id: r.id,
    flow_name: r.flow_name,
    status: r.status,
    started: r.started,
    finished: r.finished,
    task_count: lr.taskCount,
  };
  if (r.parent_run_id !== undefined) s.parent_run_id = r.parent_run_id;
  if (r.parent_step !== undefined) s.parent_step = r.parent_step;
  return s;
}

export class JsonStore implements StateStore {
  readonly kind = 'json';
  readonly location: string;
  private readonly dir: string;
  private readonly fsync: boolean;
  private readonly index: JsonIndex;
  private live = new Map<string, LiveRun>();
  private dirty = new Set<LiveRun>();
  private indexQueue: string[] = [];
  private scheduled = false;
  private readonly firstWriteDelay: number;
  private delayTimer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private errors: StoreError[] = [];
  private closed = false;
  private dirChecked = 0;

  constructor(dir: string, opts: JsonStoreOptions = {}) {
    this.location = dir;
    this.dir = resolve(dir);
    this.fsync = opts.fsync ?? false;
    this.firstWriteDelay = opts.firstWriteDelayMs ?? 20;
    this.index = new JsonIndex(this.dir, () => this.scanAll(), {
      compactBytes: opts.indexCompactBytes,
      fsync: this.fsync,
    });
  }

  /** Check the directory at start-up: a symlinked or non-directory root is refused. */
  async open(): Promise<this> {
    this.guard(() => checkRoot(this.dir), 'opening');
    return this;
  }

  /** Create the directory on first write; re-checked (symlink, existence) at most once a second. */
  private ensureDir(): void {
    const now = Date.now();
    if (now - this.dirChecked < 1000) return;
    ensureDir(this.dir);
    this.dirChecked = now;
  }

  private file(id: string, suffix: string): string {
    return join(this.dir, `${id}${suffix}`);
  }

  private fail(e: unknown, action: string): StoreError {
    if (e instanceof StoreError) return e;
    return new StoreError('backend', `JSON store at ${this.location}: ${action}: ${errorChain(e)}`);
  }

  private guard<T>(fn: () => T, action: string): T {
    try {
      return fn();
    } catch (e) {
      throw this.fail(e, action);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw closedError('JSON');
  }

  // ----- reading ----------------------------------------------------------------------------------------

  /** The run as on disk (file plus journal), or null when there is no run file. */
  private readDisk(id: string): { run: RunInfo; stamp: FileStamp; torn: boolean } | null {
    const path = this.file(id, '.json');
    const base = readNoFollow(path);
    if (!base) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(base.text);
    } catch (e) {
      throw new StoreError('corruption', `Run file is corrupted: ${path}: ${errorChain(e)}`);
    }
    const run = this.checkShape(parsed, id, path);
    const journal = readNoFollow(this.file(id, '.journal.jsonl'));
    if (journal) this.replay(run, journal.text);
    const torn = journal !== null && journal.text !== '' && !journal.text.endsWith('\n');
    return { run, stamp: base.stamp, torn };
  }

  private checkShape(v: unknown, id: string, path: string): RunInfo {
    const bad = (why: string) => new StoreError('corruption', `Run file is corrupted: ${path}: ${why}`);
    if (!isRecord(v)) throw bad('not a JSON object');
    if (v.id !== id) throw bad(`it holds run ${JSON.stringify(v.id)}`);
    if (typeof v.status !== 'string' || typeof v.flow_name !== 'string')
      throw bad('missing status or flow_name');
    if (!isRecord(v.ctx) || !isRecord(v.tasks)) throw bad('missing ctx or tasks');
    const run = v as unknown as RunInfo;
    if (run.started === undefined) run.started = null;
    if (run.finished === undefined) run.finished = null;
    return run;
  }

  /** Apply journal lines; a line that does not parse (a torn last line) is ignored. */
  private replay(run: RunInfo, text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let op: JournalOp;
      try {
        op = JSON.parse(line) as JournalOp;
      } catch {
        continue;
      }
      if (op.op === 'status') {
        run.status = op.status;
        if (run.finished === null && op.finished) run.finished = op.finished;
      } else if (op.op === 'task' && isRecord(op.task) && typeof op.task.name === 'string') {
        run.tasks[op.task.name] = op.task;
      } else if (op.op === 'ctx' && isRecord(op.ctx)) {
        Object.assign(run.ctx, op.ctx);
      }
    }
  }

  private current(id: string): RunInfo {
    this.checkOpen();
    assertRunId(id);
    const lr = this.live.get(id);
    if (lr) return lr.run;
    const disk = this.guard(() => this.readDisk(id), `reading run ${id}`);
    if (!disk) throw notFound(id);
    return disk.run;
  }

  async getRun(id: string): Promise<RunInfo> {
    return structuredClone(this.current(id));
  }

  async getCtx(id: string): Promise<Context> {
    return structuredClone(this.current(id).ctx);
  }

  // ----- writing ----------------------------------------------------------------------------------------

  private newLive(run: RunInfo, stamp: FileStamp | null): LiveRun {
    return {
      id: run.id,
      run,
      taskCount: Object.keys(run.tasks).length,
      lines: [],
      fd: null,
      compact: false,
      stamp,
      indexed: null,
      error: null,
      torn: false,
      waiters: [],
      fresh: false,
      created: true,
      born: 0,
    };
  }

  /** The live record of a run for a mutation, loading it from disk when this process has none. */
  private acquire(id: string): LiveRun {
    this.checkOpen();
    assertRunId(id);
    const lr = this.live.get(id);
    if (lr) return lr;
    const disk = this.guard(() => this.readDisk(id), `reading run ${id}`);
    if (!disk) throw notFound(id);
    const fresh = this.newLive(disk.run, disk.stamp);
    fresh.torn = disk.torn;
    fresh.indexed = entryLine(entryFor(liveSummary(fresh), disk.stamp));
    this.live.set(id, fresh);
    return fresh;
  }

  private takeError(lr: LiveRun): void {
    const e = lr.error;
    if (e) {
      lr.error = null;
      this.errors = this.errors.filter((x) => x !== e);
      throw e;
    }
  }

  private record(lr: LiveRun, op: JournalOp): void {
    if (isTerminal(lr.run.status)) lr.compact = true;
    else {
      let line: string | undefined;
      try {
        line = JSON.stringify(op);
      } catch (e) {
        throw new StoreError(
          'invalid_input',
          `JSON store: a value cannot be stored as JSON: ${errorChain(e)}`,
        );
      }
      lr.lines.push(`${line}\n`);
    }
    this.markDirty(lr);
  }

  private markDirty(lr: LiveRun): void {
    this.dirty.add(lr);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.enqueue(() => this.writeBatch()).catch(() => {});
    });
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn);
    this.chain = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  private waitFor(lr: LiveRun): Promise<void> {
    return new Promise((res) => lr.waiters.push(res));
  }

  async initRun(id: string, flowName: string, ctx: Context, opts?: InitRunOptions): Promise<void> {
    this.checkOpen();
    const run = newRun(id, flowName, ctx, opts);
    if (this.live.has(id)) throw conflict(id);
    this.guard(() => {
      this.ensureDir();
      // The file is written by the next batch, whole: a run that ends before then is written once, with
      // no journal (most API runs). The existence check here keeps creation refusing to overwrite.
      if (lstatOrNull(this.file(id, '.json'))) throw conflict(id);
      if (run.parent_run_id) appendText(this.file(run.parent_run_id, '.children'), `${id}\n`, this.fsync);
      const lr = this.newLive(run, null);
      lr.fresh = true;
      lr.created = false;
      lr.born = Date.now();
      this.live.set(id, lr);
      this.markDirty(lr);
    }, `creating run ${id}`);
  }

  async persist(id: string): Promise<void> {
    const lr = this.live.get(id);
    if (!lr || lr.created) return;
    lr.born = 0; // no longer waits for the first-write delay
    this.markDirty(lr);
    // A failed write stays with the run: its next mutation reports it and the run ends stalled.
    await this.waitFor(lr);
  }

  async importRun(input: RunInfo): Promise<void> {
    this.checkOpen();
    const run = normalizeRun(input);
    if (this.live.has(run.id)) throw conflict(run.id);
    this.guard(() => {
      this.ensureDir();
      const stamp = atomicCreate(this.file(run.id, '.json'), `${JSON.stringify(run, null, 2)}\n`, this.fsync);
      if (!stamp) throw conflict(run.id);
      unlinkIf(this.file(run.id, '.journal.jsonl'));
      if (run.parent_run_id) appendText(this.file(run.parent_run_id, '.children'), `${run.id}\n`, this.fsync);
      this.indexQueue.push(entryLine(entryFor(summarize(run), stamp)));
      this.schedule();
    }, `importing run ${run.id}`);
  }

  async setRunStatus(id: string, status: RunStatus): Promise<void> {
    const s = assertRunStatus(status);
    const lr = this.acquire(id);
    this.takeError(lr);
    applyStatus(lr.run, s, nowIso());
    this.record(lr, { op: 'status', status: lr.run.status, finished: lr.run.finished });
    if (isTerminal(s)) {
      await this.waitFor(lr);
      this.takeError(lr);
    }
  }

  async upsertTask(id: string, task: TaskState): Promise<void> {
    const t = normalizeTask(task);
    const lr = this.acquire(id);
    this.takeError(lr);
    if (!(t.name in lr.run.tasks)) lr.taskCount++;
    lr.run.tasks[t.name] = t;
    this.record(lr, { op: 'task', task: t });
  }

  async updateCtx(id: string, ctx: Context): Promise<void> {
    const patch = assertCtx(ctx);
    const lr = this.acquire(id);
    this.takeError(lr);
    Object.assign(lr.run.ctx, patch);
    this.record(lr, { op: 'ctx', ctx: patch });
  }

  /**
   * A run created here, not yet written, still running and younger than the first-write delay: its batch
   * may wait (most API runs end within it, and are then written once). Its mutations are in memory.
   */
  private mayWait(lr: LiveRun, now: number): boolean {
    return !lr.created && now - lr.born < this.firstWriteDelay && !isTerminal(lr.run.status);
  }

  /** Write the waiting runs when the oldest (born first) is due. */
  private scheduleDelayed(oldestBorn: number): void {
    if (this.delayTimer) return;
    const due = oldestBorn + this.firstWriteDelay;
    this.delayTimer = setTimeout(
      () => {
        this.delayTimer = null;
        this.schedule();
      },
      Math.max(1, due - Date.now()),
    );
  }

  /**
   * Write everything queued: journal appends, compactions, then index lines (runs still within the
   * first-write delay wait, unless `all`). Never rejects.
   */
  private async writeBatch(all = false): Promise<void> {
    let runs = [...this.dirty];
    this.dirty.clear();
    if (!all && this.firstWriteDelay > 0) {
      const now = Date.now();
      const due: LiveRun[] = [];
      let oldestBorn = Number.POSITIVE_INFINITY;
      for (const lr of runs) {
        if (!this.mayWait(lr, now)) due.push(lr);
        else {
          this.dirty.add(lr);
          oldestBorn = Math.min(oldestBorn, lr.born);
        }
      }
      if (due.length < runs.length) this.scheduleDelayed(oldestBorn);
      runs = due;
    }
    const lines = this.indexQueue;
    this.indexQueue = [];
    const leftovers: string[] = [];
    for (const lr of runs) this.writeRun(lr, leftovers);
    for (const tmp of leftovers) unlinkQuiet(tmp);
    const touched: [LiveRun, string][] = [];
    for (const lr of runs) {
      if (this.live.get(lr.id) !== lr) continue; // deleted meanwhile
      const line = entryLine(entryFor(liveSummary(lr), lr.stamp));
      if (line !== lr.indexed) {
        lines.push(line);
        touched.push([lr, line]);
      }
    }
    try {
      await this.index.append(lines);
      for (const [lr, line] of touched) lr.indexed = line;
    } catch (e) {
      this.errors.push(this.fail(e, 'updating the listing index'));
    }
    for (const lr of runs) {
      // a compacted run that was not touched again leaves memory
      if (
        isTerminal(lr.run.status) &&
        !lr.compact &&
        lr.lines.length === 0 &&
        !this.dirty.has(lr) &&
        !lr.error
      ) {
        if (this.live.get(lr.id) === lr) this.live.delete(lr.id);
      }
      const waiters = lr.waiters;
      lr.waiters = [];
      for (const w of waiters) w();
    }
  }

  private closeJournal(lr: LiveRun): void {
    if (lr.fd === null) return;
    const fd = lr.fd;
    lr.fd = null;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }

  private writeRun(lr: LiveRun, leftovers: string[]): void {
    if (!lr.created) {
      // First write of a run created here: the file gets the whole current state, journal lines included.
      try {
        const stamp = atomicCreate(
          this.file(lr.id, '.json'),
          `${JSON.stringify(lr.run, null, 2)}\n`,
          this.fsync,
          leftovers,
        );
        if (!stamp) throw conflict(lr.id);
        lr.stamp = stamp;
        lr.created = true;
        lr.lines = [];
        lr.compact = false;
      } catch (e) {
        this.setError(lr, this.fail(e, `creating run ${lr.id}`));
      }
      return;
    }
    const lines = lr.lines;
    lr.lines = [];
    if (lr.compact) {
      lr.compact = false;
      try {
        lr.stamp = atomicReplace(
          this.file(lr.id, '.json'),
          `${JSON.stringify(lr.run, null, 2)}\n`,
          this.fsync,
        );
        this.closeJournal(lr);
        unlinkIf(this.file(lr.id, '.journal.jsonl'));
        lr.torn = false;
      } catch (e) {
        lr.compact = true; // retried by the next write or flush
        this.setError(lr, this.fail(e, `writing run ${lr.id}`));
      }
      return;
    }
    if (lines.length === 0) return;
    try {
      if (lr.fd === null) {
        lr.fd = openAppend(this.file(lr.id, '.journal.jsonl'), lr.fresh);
        lr.fresh = false;
      }
      const data = (lr.torn ? '\n' : '') + lines.join('');
      lr.torn = true;
      writeAll(lr.fd, data);
      lr.torn = false;
      if (this.fsync) fdatasync(lr.fd);
    } catch (e) {
      this.closeJournal(lr);
      this.setError(lr, this.fail(e, `appending to the journal of run ${lr.id}`));
    }
  }

  private setError(lr: LiveRun, e: StoreError): void {
    if (!lr.error) {
      lr.error = e;
      this.errors.push(e);
    }
  }

  async deleteRun(id: string): Promise<boolean> {
    this.checkOpen();
    assertRunId(id);
    return this.enqueue(async () => {
      const lines: string[] = [];
      const existed = this.guard(() => {
        const doomed = [id];
        const seen = new Set(doomed);
        for (let i = 0; i < doomed.length; i++) {
          const kids = readNoFollow(this.file(doomed[i]!, '.children'));
          for (const kid of kids?.text.split('\n') ?? []) {
            if (isValidRunId(kid) && !seen.has(kid)) {
              seen.add(kid);
              doomed.push(kid);
            }
          }
        }
        let found = false;
        for (const d of doomed) {
          const lr = this.live.get(d);
          if (lr) {
            found = true; // it may not be on disk yet (created in this process, first batch pending)
            this.live.delete(d);
            this.dirty.delete(lr);
            lr.lines = [];
            lr.compact = false;
            this.closeJournal(lr);
            for (const w of lr.waiters) w();
            lr.waiters = [];
          }
          found = unlinkIf(this.file(d, '.json')) || found;
          found = unlinkIf(this.file(d, '.journal.jsonl')) || found;
          unlinkIf(this.file(d, '.children'));
          lines.push(deletionLine(d));
        }
        return found;
      }, `deleting run ${id}`);
      if (existed || lstatOrNull(this.index.dir)) {
        try {
          await this.index.append(lines);
        } catch (e) {
          throw this.fail(e, `deleting run ${id}`);
        }
      }
      return existed;
    });
  }

  // ----- listing ----------------------------------------------------------------------------------------

  async listRuns(query?: ListQuery): Promise<ListPage> {
    this.checkOpen();
    const q = normalizeQuery(query);
    await this.settle();
    try {
      return await this.index.list(
        q,
        (e) => this.verify(e),
        () => checkRoot(this.dir),
      );
    } catch (e) {
      throw this.fail(e, 'listing runs');
    }
  }

  /** The summary to list for an index entry: as indexed when the run file is unchanged, else re-read. */
  private verify(e: IndexEntry): RunSummary | null {
    const st = lstatOrNull(this.file(e.id, '.json'));
    if (!st?.isFile()) return null;
    if (st.size === e.sz && st.mtimeMs === e.mt) return summaryOf(e);
    try {
      const disk = this.readDisk(e.id);
      return disk ? summarize(disk.run) : null;
    } catch {
      return null; // a file that does not parse is skipped
    }
  }

  /** Every run in the directory, read from its files (index rebuild). */
  private scanAll(): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const id of runFileIds(this.dir)) {
      try {
        const disk = this.readDisk(id);
        if (disk) out.push(entryFor(summarize(disk.run), disk.stamp));
      } catch {
        // files that do not parse are skipped
      }
    }
    return out;
  }

  /** Rebuild the listing index from the run files (for files copied in by hand). */
  async reindex(): Promise<void> {
    this.checkOpen();
    await this.settle();
    try {
      if (checkRoot(this.dir)) await this.index.rebuild();
    } catch (e) {
      throw this.fail(e, 'rebuilding the index');
    }
  }

  // ----- flushing ---------------------------------------------------------------------------------------

  /** Write everything queued so far (without waiting for the next tick). */
  private async settle(): Promise<void> {
    if (this.dirty.size > 0 || this.indexQueue.length > 0) await this.enqueue(() => this.writeBatch(true));
    else await this.chain;
  }

  async flush(): Promise<void> {
    this.checkOpen();
    await this.settle();
    // retry compactions that failed
    for (const lr of this.live.values()) if (lr.compact) this.dirty.add(lr);
    if (this.dirty.size > 0) await this.settle();
    const e = this.errors.shift();
    if (e) {
      for (const lr of this.live.values()) if (lr.error === e) lr.error = null;
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.settle();
    } finally {
      this.closed = true;
      if (this.delayTimer) clearTimeout(this.delayTimer);
      this.delayTimer = null;
      for (const lr of this.live.values()) this.closeJournal(lr);
      this.live.clear();
    }
  }
}
