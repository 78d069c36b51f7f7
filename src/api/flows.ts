// Which flow a request names and how it is loaded: the source fields of /flows/run and /flows/validate
// (CORE 8.2), `file` resolution confined to flows_dir (8.5, IF-061), and a content-addressed cache of
// parsed flows so a source seen before is not evaluated again. A FlowDefinition is plain data (function
// handlers are signed payloads valid for the whole process), so one parse serves every later run.
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { S } from '../config/settings.js';
import { type Engine, type LoadedFlow, readFlowFile } from '../engine/engine.js';
import type { ValidationReport } from '../engine/validate.js';
import type { Logger } from '../nodes/types.js';
import { errorChain, FlowLoadError } from '../util/errors.js';
import { ApiError, badRequest, forbidden, notFound } from './errors.js';
import { type LoadPool, TransientLoadError } from './load-pool.js';

/** Sources up to this length are cache keys as they are; longer ones by their SHA-256. */
const SMALL_SOURCE = 8192;

export interface FlowSourceFields {
  source?: string | null;
  source_base64?: string | null;
  file?: string | null;
}

export type SelectedSource = { kind: 'inline'; text: string } | { kind: 'file'; requested: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Exactly one of source, source_base64, file (presence counts, even empty strings; null is absent). */
export function selectSource(body: FlowSourceFields, allowAdhoc: boolean): SelectedSource {
  const present = (['source', 'source_base64', 'file'] as const).filter(
    (k) => body[k] !== undefined && body[k] !== null,
  );
  if (present.length === 0)
    throw badRequest("Exactly one of 'source', 'source_base64', or 'file' is required");
  if (present.length > 1)
    throw badRequest("Only one of 'source', 'source_base64', or 'file' may be provided");
  if (body.file !== undefined && body.file !== null) return { kind: 'file', requested: body.file };
  if (!allowAdhoc) {
    throw forbidden(
      "Inline flow source is disabled on this server (allow_adhoc_flows: false); name a flow under flows_dir with 'file'",
    );
  }
  let text: string;
  if (body.source !== undefined && body.source !== null) text = body.source;
  else text = decodeBase64(body.source_base64!);
  const limit = S.maxFlowSourceBytes.get();
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limit) {
    throw new ApiError(
      413,
      `Flow source is ${size} bytes, more than IRONFLOW_MAX_FLOW_SOURCE_BYTES (${limit})`,
    );
  }
  return { kind: 'inline', text };
}

function decodeBase64(b64: string): string {
  if (b64.length % 4 !== 0) {
    throw badRequest(`Invalid base64 in 'source_base64': length ${b64.length} is not a multiple of 4`);
  }
  if (!BASE64.test(b64)) {
    const i = b64.search(/[^A-Za-z0-9+/=]/);
    const why = i >= 0 ? `invalid character at offset ${i}` : 'misplaced padding';
    throw badRequest(`Invalid base64 in 'source_base64': ${why}`);
  }
  const bytes = Buffer.from(b64, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw badRequest(`Base64 payload is not valid UTF-8: ${(e as Error).message}`);
  }
}

/**
 * The canonical path of a requested flow file. With flows_dir: no `..` component, absolute paths must lie
 * under it, the canonical result must stay inside it, no working-directory fallback, regular files only.
 * Every miss or escape is the same 404.
 */
export async function resolveFlowFile(requested: string, flowsDir: string | undefined): Promise<string> {
  const miss = () => notFound(`Flow file not found: ${requested}`);
  if (requested === '' || requested.includes('\0')) throw miss();
  let candidate: string;
  if (flowsDir !== undefined) {
    if (requested.split(/[\\/]/).includes('..')) throw miss();
    candidate = isAbsolute(requested) ? requested : resolve(flowsDir, requested);
    if (!inside(resolve(candidate), flowsDir)) throw miss();
  } else {
    candidate = resolve(requested);
  }
  let real: string;
  try {
    real = await realpath(candidate);
    if (!(await stat(real)).isFile()) throw miss();
  } catch {
    throw miss();
  }
  if (flowsDir !== undefined && !inside(real, flowsDir)) throw miss();
  return real;
}

function inside(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** A parsed flow as the cache keeps it; `report` (validation) is computed once, on first use. */
export interface CachedFlow {
  loaded: LoadedFlow;
  report?: ValidationReport;
}

type Entry = { ok: true; flow: CachedFlow; bytes: number } | { ok: false; message: string; bytes: number };

/** Bounded LRU of parse results keyed by SHA-256 of (label, source); concurrent misses share one load. */
export class FlowCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<CachedFlow>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly pool: LoadPool,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  async load(source: string, label: string): Promise<CachedFlow> {
    // A small source is its own key (a Map hashes a string once, cheaper than a digest per request).
    const key =
      source.length <= SMALL_SOURCE
        ? `${label}\0${source}`
        : createHash('sha256').update(label).update('\0').update(source).digest('base64url');
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used last
      if (hit.ok) return hit.flow;
      throw new FlowLoadError(hit.message);
    }
    const running = this.inflight.get(key);
    if (running) return running;
    this.misses++;
    const p = this.pool.load(source, label).then(
      (loaded) => {
        const flow: CachedFlow = { loaded };
        this.remember(key, { ok: true, flow, bytes: source.length + 256 });
        return flow;
      },
      (e: unknown) => {
        if (e instanceof FlowLoadError && !(e instanceof TransientLoadError)) {
          this.remember(key, { ok: false, message: e.message, bytes: source.length + 256 });
        }
        throw e;
      },
    );
    this.inflight.set(key, p);
    p.finally(() => this.inflight.delete(key)).catch(() => {});
    return p;
  }

  private remember(key: string, e: Entry): void {
    if (this.maxEntries === 0 || e.bytes > this.maxBytes) return;
    this.entries.set(key, e);
    this.bytes += e.bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldest, old] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A flow ready to validate and run, with the `_flow_dir` its runs get. */
export interface RequestedFlow {
  flow: CachedFlow;
  flowDir?: string;
}

/** Loads what a request names, mapping every failure to the response CORE 8.2 prescribes. */
export class FlowSources {
  constructor(
    private readonly cache: FlowCache,
    private readonly engine: Engine,
    private readonly flowsDir: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Load a selected source. Load failures: inline → 400 with the detail; file → generic 400 (IF-045). */
  async load(sel: SelectedSource): Promise<RequestedFlow> {
    if (sel.kind === 'inline') {
      try {
        return { flow: await this.cache.load(sel.text, '<inline>'), flowDir: this.flowsDir };
      } catch (e) {
        if (e instanceof FlowLoadError) throw badRequest(`Failed to parse flow: ${e.message}`);
        throw e;
      }
    }
    return this.loadFile(sel.requested);
  }

  /** Resolve (404 on any miss or escape) and load a flow file. */
  async loadFile(requested: string): Promise<RequestedFlow> {
    const path = await resolveFlowFile(requested, this.flowsDir);
    try {
      const text = await readFlowFile(path);
      return { flow: await this.cache.load(text, path), flowDir: dirname(path) };
    } catch (e) {
      if (e instanceof FlowLoadError) {
        // The detail may quote the file (IF-045): it goes to the log only.
        this.log.warn(`Failed to load flow file ${path}: ${errorChain(e)}`);
        throw badRequest('Failed to load flow file');
      }
      throw e;
    }
  }

  /** For /flows/validate: the load error text a client may see, or the loaded flow. */
  async loadForValidation(sel: SelectedSource): Promise<RequestedFlow | { loadError: string }> {
    if (sel.kind === 'file') {
      try {
        return await this.loadFile(sel.requested);
      } catch (e) {
        if (e instanceof ApiError && e.status === 400) return { loadError: e.message };
        throw e;
      }
    }
    try {
      return { flow: await this.cache.load(sel.text, '<inline>'), flowDir: this.flowsDir };
    } catch (e) {
      if (e instanceof FlowLoadError) return { loadError: e.message };
      throw e;
    }
  }

  /** The validation report of a cached flow (computed once per parse). */
  report(flow: CachedFlow): ValidationReport {
    flow.report ??= this.engine.check(flow.loaded);
    return flow.report;
  }
}
