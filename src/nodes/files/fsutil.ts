// Shared pieces of the file nodes: error texts that name the parameter and the path, strict base64, and
// the encoding check. Paths are used as given: a relative path is relative to the working directory of
// the engine process (process.cwd()), never to the flow file; no parent directory is ever created.
import { sep } from 'node:path';
import { NodeError } from '../../util/errors.js';

export const ENCODINGS = ['text', 'base64'] as const;

export function encodingMessage(node: string, value: unknown): string {
  return `${node}: unsupported encoding '${String(value)}'. Must be 'text' or 'base64'.`;
}

/** `check()` rule for an `encoding` parameter (the exact NODES text instead of the generic enum one). */
export function checkEncoding(
  node: string,
  cfg: Record<string, unknown>,
): Array<{ path: string; message: string }> {
  const v = cfg.encoding;
  if (typeof v === 'string' && !(ENCODINGS as readonly string[]).includes(v)) {
    return [{ path: '$.encoding', message: encodingMessage(node, v) }];
  }
  return [];
}

/** A path parameter after interpolation: must be a string, and not empty. */
export function requirePath(node: string, param: string, v: unknown): string {
  if (typeof v !== 'string') throw new NodeError(`${node} requires '${param}' parameter`);
  if (v === '') throw new NodeError(`${node}: '${param}' is empty`);
  return v;
}

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Turn a filesystem error about `<param> '<path>'` into a NodeError with a message that says which
 * parameter and which path, e.g. `read_file: path 'data/in.txt' not found`.
 */
export function fsError(node: string, param: string, path: string, e: unknown, doing: string): NodeError {
  const what = `${param} '${path}'`;
  let msg: string;
  switch (errno(e)) {
    case 'ENOENT':
      msg = `${what} not found`;
      break;
    case 'ENOTDIR':
      msg = `${what} not found (a parent in the path is not a directory)`;
      break;
    case 'EISDIR':
      msg = `${what} is a directory, not a file`;
      break;
    case 'EACCES':
    case 'EPERM':
      msg = `permission denied for ${what}`;
      break;
    case 'ENAMETOOLONG':
      msg = `${what} is too long`;
      break;
    case 'ELOOP':
      msg = `${what} has too many levels of symbolic links`;
      break;
    default:
      msg = `cannot ${doing} ${what}: ${(e as Error)?.message ?? String(e)}`;
  }
  return new NodeError(`${node}: ${msg}`, { cause: e });
}

/** The error to throw when an fs call failed because the step was aborted (or `fallback`). */
export function abortOr(signal: AbortSignal, fallback: NodeError): Error {
  if (signal.aborted) {
    const r = signal.reason;
    return r instanceof Error ? r : new NodeError('aborted', { retryable: false });
  }
  return fallback;
}

const B64_CHARS = /[^A-Za-z0-9+/=]/;

/**
 * Strict standard base64 (RFC 4648 alphabet, `=` padding required, no whitespace, no stray bits), as the
 * original decoded it. Throws an Error whose message is the detail.
 */
export function decodeBase64Strict(s: string): Buffer {
  const bad = B64_CHARS.exec(s);
  if (bad) {
    const shown = bad[0] === '\n' ? '\\n' : bad[0] === '\r' ? '\\r' : bad[0];
    throw new Error(`invalid character '${shown}' at offset ${bad.index}`);
  }
  if (s.length % 4 !== 0) {
    throw new Error(`invalid length ${s.length} (padded base64 has a multiple of 4 characters)`);
  }
  const pad = s.indexOf('=');
  if (pad !== -1 && !(pad >= s.length - 2 && /^=+$/.test(s.slice(pad)))) {
    throw new Error(`invalid padding at offset ${pad}`);
  }
  const buf = Buffer.from(s, 'base64');
  if (buf.toString('base64') !== s) throw new Error('invalid trailing bits in the last character');
  return buf;
}

/** Join a directory and an entry name the way the original did: no normalisation of the directory. */
export function joinEntry(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') || dir.endsWith(sep) ? dir + name : `${dir}${sep}${name}`;
}
