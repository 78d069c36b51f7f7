// What goes on the wire and comes back: URL and header checks, response headers as outputs, readable
// transport-error texts, body decoding. Shared by every node that speaks HTTP.
import { NodeError } from '../../util/errors.js';
import { maskUrl } from './mask.js';

/** `http`/`https` URL from a parameter, or a NodeError naming the parameter. Userinfo is kept. */
export function parseHttpUrl(raw: string, node: string, param: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new NodeError(`${node}: parameter '${param}' is not a valid URL: '${maskUrl(raw)}'`, {
      retryable: false,
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new NodeError(
      `${node}: parameter '${param}' must be an http:// or https:// URL (got '${maskUrl(raw)}')`,
      { retryable: false },
    );
  }
  return u;
}

/**
 * fetch refuses URLs with credentials; like the original client, move them into an HTTP Basic
 * Authorization header. Returns the URL without them and the header value (if any).
 */
export function splitUserinfo(u: URL): { url: URL; basic?: string; password?: string } {
  if (!u.username && !u.password) return { url: u };
  const clean = new URL(u.href);
  const user = safeDecode(u.username);
  const password = safeDecode(u.password);
  clean.username = '';
  clean.password = '';
  return {
    url: clean,
    basic: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
    password: password || user,
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Check one request header; the value is never shown. Returns the value as fetch wants it (bytes). */
export function checkHeader(node: string, name: string, value: string): string {
  if (!TOKEN.test(name)) throw new NodeError(`${node}: invalid header name '${name}'`, { retryable: false });
  if (/[\r\n\0]/.test(value)) {
    throw new NodeError(`${node}: invalid value for header '${name}' (line breaks and NUL are not allowed)`, {
      retryable: false,
    });
  }
  // fetch sends each UTF-16 unit as one byte; send UTF-8 bytes as the original client did.
  return /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}

export function responseHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((value, name) => {
    out[name] = /^[\t\x20-\x7e]*$/.test(value) ? value : '';
  });
  const cookies = h.getSetCookie();
  if (cookies.length) {
    const last = cookies.at(-1)!;
    out['set-cookie'] = /^[\t\x20-\x7e]*$/.test(last) ? last : '';
  }
  return out;
}

function causeCode(e: unknown): { code?: string; message: string } {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const c = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string') return { code: c.code, message: String(c.message ?? '') };
    if (Array.isArray(c.errors) && c.errors.length) cur = c.errors[0];
    else cur = c.cause;
  }
  const last = (e as { cause?: { message?: unknown } })?.cause;
  return { message: String(last?.message ?? (e as { message?: unknown })?.message ?? e) };
}

/** A readable reason for a transport failure (connection refused, DNS, TLS, reset). */
export function describeTransportError(e: unknown, host: string): string {
  const { code, message } = causeCode(e);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `host '${host}' not found (DNS lookup failed)`;
    case 'ECONNRESET':
      return 'connection reset by the server';
    case 'UND_ERR_SOCKET':
      return 'connection closed by the server before a complete response';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'could not connect in time';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not accepted (${code})`;
    default:
      return code ? `${message || 'error'} (${code})` : message || 'network error';
  }
}

/** The body as JSON when it parses, else the text itself (empty body → ""). */
export function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
