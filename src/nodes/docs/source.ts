// What the document nodes share: the `path`/`source_key` file source (NODES 14), the text/markdown `format`,
// a bounded file read, and cancellation points for page loops.
import { open } from 'node:fs/promises';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { requireKey } from '../util.js';
import { DOC_LIMITS } from './limits.js';

type Problem = { path: string; message: string };

/** The file source of every document node: exactly one of `path` (interpolated) or `source_key`. */
export function fileSourceParams(what: string) {
  return {
    path: p.string({ description: `Path of the ${what}`, interpolate: 'string' }),
    source_key: p.string({
      description: `Context key whose value is the path of the ${what} (used as is, not interpolated)`,
    }),
  };
}

/** Static one-of rule of `path`/`source_key`. */
export function checkFileSource(node: string, cfg: Record<string, unknown>): Problem[] {
  const hasPath = cfg.path !== undefined && cfg.path !== null;
  const hasKey = cfg.source_key !== undefined && cfg.source_key !== null;
  if (hasPath && hasKey) {
    return [{ path: '$.source_key', message: `${node} accepts either 'path' or 'source_key', not both` }];
  }
  if (!hasPath && !hasKey)
    return [{ path: '$.path', message: `${node} requires either 'path' or 'source_key'` }];
  return [];
}

/** The file path a document node reads (the context value of `source_key` is not interpolated). */
export function resolveFilePath(
  node: string,
  cfg: { path?: string; source_key?: string },
  ctx: Readonly<Record<string, unknown>>,
): string {
  const problems = checkFileSource(node, cfg);
  if (problems.length) throw new NodeError(problems[0]!.message);
  if (typeof cfg.path === 'string') return cfg.path;
  const key = cfg.source_key!;
  const v = requireKey(ctx, key);
  if (typeof v !== 'string') throw new NodeError(`Context key '${key}' must be a string (file path)`);
  return v;
}

export type TextFormat = 'text' | 'markdown';

export const textFormatParam = p.string({
  description: '`text` (default) or `markdown` (case-insensitive)',
  default: 'text',
});

function textFormatProblem(node: string, f: unknown): string | undefined {
  if (typeof f !== 'string') return undefined; // type errors come from the schema
  const v = f.toLowerCase();
  return v === 'text' || v === 'markdown'
    ? undefined
    : `${node}: unsupported format '${f}'. Must be 'text' or 'markdown'.`;
}

export function checkTextFormat(node: string, cfg: Record<string, unknown>): Problem[] {
  const m = textFormatProblem(node, cfg.format);
  return m ? [{ path: '$.format', message: m }] : [];
}

export function parseTextFormat(node: string, f: string | undefined): TextFormat {
  const m = textFormatProblem(node, f ?? 'text');
  if (m) throw new NodeError(m);
  return (f ?? 'text').toLowerCase() as TextFormat;
}

/** Thrown by readBounded when the file is larger than the limit. */
export class TooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`file is larger than ${limit} bytes`);
    this.name = 'TooLargeError';
  }
}

/**
 * Read a whole file, never more than `limit` bytes: the size is checked before reading and again while
 * reading, so a growing file or a device such as /dev/zero cannot exhaust memory.
 */
export async function readBounded(path: string, limit: number, signal?: AbortSignal): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new Error('is a directory');
    if (st.size > limit) throw new TooLargeError(st.size, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.min(Math.max(st.size + 1, 65_536), 8_388_608);
    for (;;) {
      signal?.throwIfAborted();
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, limit + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw new TooLargeError(total, limit);
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/**
 * Read the input document of `node` with the IRONFLOW_MAX_DOCUMENT_BYTES limit. Read errors become
 * `<verb> '<path>': <reason>` (NODES 14: `Failed to read`, or `Failed to open` for DOCX).
 */
export async function readDocument(
  node: string,
  path: string,
  signal: AbortSignal,
  verb = 'Failed to read',
): Promise<Buffer> {
  try {
    return await readBounded(path, DOC_LIMITS.maxDocumentBytes.get(), signal);
  } catch (e) {
    if (e instanceof TooLargeError) {
      throw new NodeError(
        `${node}: '${path}' is larger than IRONFLOW_MAX_DOCUMENT_BYTES (${e.limit} bytes); set the variable to read bigger files`,
        { retryable: false },
      );
    }
    if (signal.aborted) throw e;
    throw new NodeError(`${verb} '${path}': ${(e as Error).message}`, { cause: e });
  }
}

/** Let pending events (a timeout, a cancel) run between pages, then stop if the step was aborted. */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}

/** Text of a file's bytes: UTF-8 (BOM dropped), or UTF-16 when it starts with a UTF-16 BOM. */
export function decodeText(buf: Uint8Array): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf);
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf);
  return new TextDecoder('utf-8').decode(buf);
}
