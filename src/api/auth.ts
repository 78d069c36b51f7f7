// API key authentication (CORE 8.7, IF-044): every route except /health needs `Authorization: Bearer <key>`
// or `X-API-Key: <key>`, compared in constant time over equal-length digests. Both headers are removed
// before any handler runs, so no flow, log line or record can see them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './errors.js';

/** Paths that never need the key. */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/health']);

export function isOpenPath(path: string): boolean {
  return OPEN_PATHS.has(path);
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

export class ApiKeyCheck {
  private readonly want: Buffer;

  constructor(key: string) {
    this.want = digest(key);
  }

  /** Throws 401 unless one of the two headers carries the key. */
  check(headers: IncomingHttpHeaders): void {
    const presented = presentedKeys(headers);
    let ok = false;
    // Check every presented value (no short cut), each comparison in constant time.
    for (const p of presented) ok = timingSafeEqual(digest(p), this.want) || ok;
    if (!ok) throw unauthorized();
  }
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'missing or invalid API authentication', undefined, {
    'www-authenticate': 'Bearer realm="ironflow"',
  });
}

function presentedKeys(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer[ \t]+(.+)$/i.exec(auth.trim());
    if (m) out.push(m[1]!.trim());
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string') out.push(x.trim());
  else if (Array.isArray(x)) out.push(...x.map((v) => v.trim()));
  return out;
}

/** Remove the credential headers (before handlers and logging). */
export function stripCredentials(headers: IncomingHttpHeaders, rawHeaders: string[]): void {
  if (headers.authorization === undefined && headers['x-api-key'] === undefined) return;
  delete headers.authorization;
  delete headers['x-api-key'];
  for (let i = rawHeaders.length - 2; i >= 0; i -= 2) {
    const n = rawHeaders[i]!.toLowerCase();
    if (n === 'authorization' || n === 'x-api-key') rawHeaders.splice(i, 2);
  }
}
