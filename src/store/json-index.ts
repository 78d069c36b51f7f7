// The listing index of the JSON store, in `<dir>/.index/`:
//
//   snapshot.jsonl   a header line {"v":1,"gen":N,"log":"log-N.jsonl"}, then one summary line per run in list
//                    order (newest `started` first): {"id","k","status","flow_name","started","finished",
//                    "task_count","parent_run_id"?,"parent_step"?,"sz","mt"}; `k` is the sort key and
//                    `sz`/`mt` the size and mtime of the run file the line was taken from.
//   log-N.jsonl      summary lines appended since the snapshot (the last line of an id wins;
//                    {"id","del":true} marks a deletion).
//   lock             held (cross-process) while appending or rewriting.
//
// A listing reads the log (small: it is folded into a new snapshot once it passes `compactBytes`) and then
// only as much of the snapshot as the page needs, so the first page costs the same with 100 or 100,000 runs.
// Entries are checked against the run files (lstat: same size and mtime) so a file removed or changed behind
// the store's back is dropped or re-read.
import { closeSync, constants, type Dirent, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunStatus } from '../engine/types.js';
import { StoreError } from '../util/errors.js';
import {
  compareListOrder,
  encodeCursor,
  isAfterCursor,
  matchesFilters,
  type NormalQuery,
  orderSummary,
  type SortPos,
  startedKey,
} from './common.js';
import { isValidRunId } from './ids.js';
import {
  appendText,
  atomicReplace,
  DIR_MODE,
  errCode,
  FILE_MODE,
  type FileStamp,
  readAt,
  readNoFollow,
  unlinkQuiet,
  withLockFile,
} from './json-files.js';
import type { ListPage, RunSummary } from './types.js';

export interface IndexEntry {
  id: string;
  k: number;
  status: RunStatus;
  flow_name: string;
  started: string | null;
  finished: string | null;
  task_count: number;
  parent_run_id?: string;
  parent_step?: string;
  sz?: number;
  mt?: number;
}

type Overlay = Map<string, IndexEntry | null>;

interface Header {
  v: number;
  gen: number;
  log: string;
}

const SNAPSHOT = 'snapshot.jsonl';
const CHUNK = 64 * 1024;

export function entryFor(s: RunSummary, stamp: FileStamp | null): IndexEntry {
  const e: IndexEntry = {
    id: s.id,
    k: startedKey(s.started),
    status: s.status,
    flow_name: s.flow_name,
    started: s.started,
    finished: s.finished,
    task_count: s.task_count,
  };
  if (s.parent_run_id !== undefined) e.parent_run_id = s.parent_run_id;
  if (s.parent_step !== undefined) e.parent_step = s.parent_step;
  if (stamp) {
    e.sz = stamp.size;
    e.mt = stamp.mtimeMs;
  }
  return e;
}

export function entryLine(e: IndexEntry): string {
  return `${JSON.stringify(e)}\n`;
}

export function deletionLine(id: string): string {
  return `${JSON.stringify({ id, del: true })}\n`;
}

export function summaryOf(e: IndexEntry): RunSummary {
  return orderSummary(e);
}

/** Cheap look at a snapshot line (id, sort key, status) without parsing the whole JSON. */
function peek(line: string): { id: string; k: number; status: string } | null {
  if (!line.startsWith('{"id":"')) return null;
  const idEnd = line.indexOf('"', 7);
  if (idEnd < 0 || !line.startsWith(',"k":', idEnd + 1)) return null;
  const kStart = idEnd + 6;
  const kEnd = line.indexOf(',', kStart);
  if (kEnd < 0 || !line.startsWith('"status":"', kEnd + 1)) return null;
  const sStart = kEnd + 11;
  const sEnd = line.indexOf('"', sStart);
  if (sEnd < 0) return null;
  const k = Number(line.slice(kStart, kEnd));
  if (!Number.isFinite(k)) return null;
  return { id: line.slice(7, idEnd), k, status: line.slice(sStart, sEnd) };
}

function parseEntry(line: string): IndexEntry | { id: string; del: true } | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Partial<IndexEntry> & { del?: boolean };
  if (!isValidRunId(e.id)) return null;
  if (e.del === true) return { id: e.id, del: true };
  if (typeof e.k !== 'number' || typeof e.status !== 'string' || typeof e.flow_name !== 'string') return null;
  return e as IndexEntry;
}

/** Lines of a buffer with their byte offsets; a last line without a newline is treated as torn. */
function* splitLines(buf: Buffer, base: number, complete: boolean): Generator<[string, number, number]> {
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) {
      if (complete && pos < buf.length) yield [buf.toString('utf8', pos), base + pos, base + buf.length];
      return;
    }
    if (nl > pos) yield [buf.toString('utf8', pos, nl), base + pos, base + nl + 1];
    pos = nl + 1;
  }
}

function parseLog(text: string): Overlay {
  const overlay: Overlay = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const e = parseEntry(line);
    if (!e) continue; // torn or foreign line
    overlay.set(e.id, 'del' in e ? null : e);
  }
  return overlay;
}

/** Sequential line reader over a file from a byte offset. */
class LineReader {
  private buf = Buffer.alloc(0);
  private bufStart: number;
  private eof = false;
  private queue: [string, number, number][] = [];
  constructor(
    private fd: number,
    private pos: number,
  ) {
    this.bufStart = pos;
  }

  next(): { text: string; start: number; end: number } | null {
    while (this.queue.length === 0) {
      if (this.eof) return null;
      const chunk = readAt(this.fd, CHUNK, this.pos);
      this.pos += chunk.length;
      if (chunk.length === 0) this.eof = true;
      const data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      const lastNl = data.lastIndexOf(10);
      const whole = this.eof ? data : data.subarray(0, lastNl + 1);
      for (const l of splitLines(whole, this.bufStart, false)) this.queue.push(l);
      this.buf = this.eof ? Buffer.alloc(0) : Buffer.from(data.subarray(lastNl + 1));
      this.bufStart += whole.length;
    }
    const [text, start, end] = this.queue.shift()!;
    return { text, start, end };
  }
}

export interface IndexOptions {
  /** Log size that triggers folding the log into a new snapshot. */
  compactBytes?: number;
  fsync?: boolean;
}

/** Reads every run in the store directory (used to build the index when it is missing). */
export type ScanRuns = () => IndexEntry[];

/** Checks an entry against its run file: the summary to list, or null to drop it. */
export type VerifyEntry = (e: IndexEntry) => RunSummary | null;

function damaged(path: string): StoreError {
  return new StoreError('corruption', `JSON store index header is damaged: ${path}`);
}

export class JsonIndex {
  readonly dir: string;
  private readonly compactBytes: number;
  private readonly fsync: boolean;
  private dirReady = false;

  constructor(
    storeDir: string,
    private scan: ScanRuns,
    opts: IndexOptions = {},
  ) {
    this.dir = join(storeDir, '.index');
    this.compactBytes = opts.compactBytes ?? 1024 * 1024;
    this.fsync = opts.fsync ?? false;
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  private readHeader(fd: number): { header: Header; bodyStart: number } {
    const buf = readAt(fd, 512, 0);
    const nl = buf.indexOf(10);
    if (nl < 0) throw damaged(this.path(SNAPSHOT));
    let h: Partial<Header>;
    try {
      h = JSON.parse(buf.toString('utf8', 0, nl));
    } catch {
      throw damaged(this.path(SNAPSHOT));
    }
    if (typeof h.gen !== 'number' || typeof h.log !== 'string' || !/^log-\d+\.jsonl$/.test(h.log)) {
      throw damaged(this.path(SNAPSHOT));
    }
    return { header: h as Header, bodyStart: nl + 1 };
  }

  private openSnapshot(): number | null {
    try {
      return openSync(this.path(SNAPSHOT), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch (e) {
      if (errCode(e) === 'ENOENT') return null;
      throw e;
    }
  }

  private lock<T>(fn: () => T | Promise<T>): Promise<T> {
    return withLockFile(this.path('lock'), fn);
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    this.dirReady = true;
  }

  /** Write a snapshot from entries in any order, starting generation `gen` with an empty log. */
  private writeSnapshot(entries: IndexEntry[], gen: number): Header {
    entries.sort(compareListOrder);
    const header: Header = { v: 1, gen, log: `log-${gen}.jsonl` };
    const parts = [JSON.stringify(header), '\n'];
    for (const e of entries) parts.push(entryLine(e));
    closeSync(openSync(this.path(header.log), 'w', FILE_MODE));
    atomicReplace(this.path(SNAPSHOT), parts.join(''), this.fsync);
    return header;
  }

  /** The current header, building the snapshot from the run files when missing. Call under the lock. */
  private ensureLocked(): Header {
    const fd = this.openSnapshot();
    if (fd !== null) {
      try {
        return this.readHeader(fd).header;
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        // damaged header: rebuild below
      } finally {
        closeSync(fd);
      }
    }
    return this.writeSnapshot(this.scan(), Date.now());
  }

  /** Append summary/deletion lines; folds the log into the snapshot once it is large. */
  async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    try {
      await this.appendOnce(lines);
    } catch (e) {
      if (errCode(e) !== 'ENOENT' || !this.dirReady) throw e;
      this.dirReady = false; // the index directory was removed behind our back
      await this.appendOnce(lines);
    }
  }

  private async appendOnce(lines: string[]): Promise<void> {
    this.ensureDir();
    await this.lock(() => {
      const header = this.ensureLocked();
      const size = appendText(this.path(header.log), lines.join(''), this.fsync);
      if (size >= this.compactBytes) this.compactLocked(header);
    });
  }

  /** Rebuild the index from the run files (e.g. after files were copied in by hand). */
  async rebuild(): Promise<void> {
    this.ensureDir();
    await this.lock(() => {
      const old = this.openSnapshot();
      let oldLog: string | undefined;
      if (old !== null) {
        try {
          oldLog = this.readHeader(old).header.log;
        } catch {
          // damaged: nothing to remove
        } finally {
          closeSync(old);
        }
      }
      const header = this.writeSnapshot(this.scan(), Date.now());
      if (oldLog && oldLog !== header.log) unlinkQuiet(this.path(oldLog));
    });
  }

  private compactLocked(header: Header): void {
    const overlay = parseLog(readNoFollow(this.path(header.log))?.text ?? '');
    const fresh = [...overlay.values()].filter((e): e is IndexEntry => e !== null).sort(compareListOrder);
    const gen = header.gen + 1;
    const log = `log-${gen}.jsonl`;
    const out: string[] = [`${JSON.stringify({ v: 1, gen, log })}\n`];
    const fd = this.openSnapshot();
    if (fd !== null) {
      try {
        const reader = new LineReader(fd, this.readHeader(fd).bodyStart);
        let oi = 0;
        for (let line = reader.next(); line; line = reader.next()) {
          let p = peek(line.text);
          if (!p) {
            const e = parseEntry(line.text);
            if (!e || 'del' in e) continue;
            p = { id: e.id, k: e.k, status: e.status };
          }
          if (overlay.has(p.id)) continue;
          while (oi < fresh.length && compareListOrder(fresh[oi]!, p) < 0) out.push(entryLine(fresh[oi++]!));
          out.push(`${line.text}\n`);
        }
        while (oi < fresh.length) out.push(entryLine(fresh[oi++]!));
      } finally {
        closeSync(fd);
      }
    } else {
      for (const e of fresh) out.push(entryLine(e));
    }
    closeSync(openSync(this.path(log), 'w', FILE_MODE));
    atomicReplace(this.path(SNAPSHOT), out.join(''), this.fsync);
    unlinkQuiet(this.path(header.log));
  }

  /** One page of summaries, newest first, filtered; entries are checked with `verify`. */
  async list(q: NormalQuery, verify: VerifyEntry, storeExists: () => boolean): Promise<ListPage> {
    for (let attempt = 0; ; attempt++) {
      let fd = this.openSnapshot();
      if (fd === null) {
        if (!storeExists()) return { runs: [] };
        try {
          this.ensureDir();
          await this.lock(() => this.ensureLocked());
        } catch (e) {
          const code = errCode(e);
          if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw e;
          // a read-only store: list from a scan, keeping no index
          return this.listEntries(this.scan(), q, verify);
        }
        fd = this.openSnapshot();
        if (fd === null) continue;
      }
      try {
        const page = this.listFrom(fd, q, verify);
        if (page) return page;
      } finally {
        closeSync(fd);
      }
      if (attempt >= 8) throw new StoreError('backend', 'The JSON store index kept changing while listing');
    }
  }

  private fingerprint(q: NormalQuery): string {
    return JSON.stringify([q.status, q.flowName, q.parentRunId, q.sinceKey, q.untilKey]);
  }

  /** A page from an open snapshot, or null when its log was folded away meanwhile (retry). */
  private listFrom(fd: number, q: NormalQuery, verify: VerifyEntry): ListPage | null {
    const { header, bodyStart } = this.readHeader(fd);
    const log = readNoFollow(this.path(header.log));
    if (!log) return null;
    const overlay = parseLog(log.text);
    const fresh = [...overlay.values()]
      .filter(
        (e): e is IndexEntry => e !== null && matchesFilters(summaryOf(e), e.k, q) && isAfterCursor(e, q),
      )
      .sort(compareListOrder);
    const fp = this.fingerprint(q);
    const hint = q.hint as { g?: unknown; o?: unknown; f?: unknown } | undefined;
    const start =
      hint && hint.g === header.gen && hint.f === fp && typeof hint.o === 'number' && hint.o >= bodyStart
        ? hint.o
        : bodyStart;
    const reader = new LineReader(fd, start);
    let consumed = start;
    const nextSnap = (): { e: IndexEntry; start: number; end: number } | null => {
      for (let line = reader.next(); line; line = reader.next()) {
        const p = peek(line.text);
        if (
          p &&
          (overlay.has(p.id) || (q.status !== undefined && p.status !== q.status) || !isAfterCursor(p, q))
        ) {
          consumed = line.end;
          continue;
        }
        const e = parseEntry(line.text);
        if (
          !e ||
          'del' in e ||
          overlay.has(e.id) ||
          !matchesFilters(summaryOf(e), e.k, q) ||
          !isAfterCursor(e, q)
        ) {
          consumed = line.end;
          continue;
        }
        return { e, start: line.start, end: line.end };
      }
      return null;
    };
    const rows: { s: RunSummary; pos: SortPos; resume: number }[] = [];
    let oi = 0;
    let pending: { e: IndexEntry; start: number; end: number } | null = null;
    let snapDone = false;
    while (rows.length <= q.limit) {
      if (!pending && !snapDone) {
        pending = nextSnap();
        if (!pending) snapDone = true;
      }
      const o = fresh[oi];
      let pick: IndexEntry;
      if (pending && (!o || compareListOrder(pending.e, o) < 0)) {
        pick = pending.e;
        consumed = pending.end;
        pending = null;
      } else if (o) {
        pick = o;
        oi++;
      } else break;
      const s = verify(pick);
      if (!s || !matchesFilters(s, pick.k, q)) continue;
      rows.push({ s, pos: { k: pick.k, id: pick.id }, resume: pending ? pending.start : consumed });
    }
    if (rows.length <= q.limit) return { runs: rows.map((r) => r.s) };
    const last = rows[q.limit - 1]!;
    return {
      runs: rows.slice(0, q.limit).map((r) => r.s),
      nextCursor: encodeCursor(last.pos, { g: header.gen, o: last.resume, f: fp }),
    };
  }

  private listEntries(entries: IndexEntry[], q: NormalQuery, verify: VerifyEntry): ListPage {
    const sorted = entries
      .filter((e) => matchesFilters(summaryOf(e), e.k, q) && isAfterCursor(e, q))
      .sort(compareListOrder);
    const rows: { s: RunSummary; pos: SortPos }[] = [];
    for (const e of sorted) {
      if (rows.length > q.limit) break;
      const s = verify(e);
      if (s && matchesFilters(s, e.k, q)) rows.push({ s, pos: { k: e.k, id: e.id } });
    }
    if (rows.length <= q.limit) return { runs: rows.map((r) => r.s) };
    const last = rows[q.limit - 1]!;
    return { runs: rows.slice(0, q.limit).map((r) => r.s), nextCursor: encodeCursor(last.pos) };
  }
}

/** Run file names in a store directory (`<id>.json` with a valid id). */
export function runFileIds(dir: string): string[] {
  let names: Dirent[];
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (errCode(e) === 'ENOENT') return [];
    throw e;
  }
  const ids: string[] = [];
  for (const d of names) {
    if (!d.isFile() || !d.name.endsWith('.json')) continue;
    const id = d.name.slice(0, -5);
    if (isValidRunId(id)) ids.push(id);
  }
  return ids;
}
