// Payload encodings, bodies and user metadata for the S3 object nodes. S3 carries metadata in x-amz-meta-* headers,
// which are ASCII: non-ASCII values go out as RFC 2047 encoded words (as S3 itself returns them) and
// encoded words coming back are decoded.
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { tooLarge } from './client.js';

export type PayloadEncoding = 'text' | 'base64';

/** `text` or `base64` (case-insensitive), else undefined. */
export function payloadEncoding(name: string): PayloadEncoding | undefined {
  const v = name.trim().toLowerCase();
  return v === 'text' || v === 'base64' ? v : undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Validate and encode the `metadata` parameter into SDK Metadata (header-safe values). */
export function encodeMetadata(node: string, meta: unknown): Record<string, string> {
  if (!isPlainObject(meta)) throw new NodeError(`${node}: 'metadata' must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (!TOKEN.test(k)) {
      throw new NodeError(`${node}: metadata name '${k}' is not a valid HTTP header name`);
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new NodeError(`${node}: metadata '${k}' must be a string, number or boolean`);
    }
    const text = String(v);
    out[k] = PRINTABLE_ASCII.test(text)
      ? text
      : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
  }
  return out;
}

const ENCODED_WORD = /=\?utf-8\?([bq])\?([^?]*)\?=/gi;

/** Decode RFC 2047 encoded words (UTF-8, B or Q) in returned metadata values. */
export function decodeMetadata(meta: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta ?? {})) {
    out[k] = v.replace(ENCODED_WORD, (_m, kind: string, data: string) => {
      if (kind.toLowerCase() === 'b') return Buffer.from(data, 'base64').toString('utf8');
      const bytes = data
        .replace(/_/g, ' ')
        .replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    });
  }
  return out;
}

/** Strict standard base64 (padding required; line breaks ignored), size-checked before decoding. */
export function decodeBase64(node: string, what: string, text: string, limit: number): Buffer {
  const clean = text.replace(/[ \t\r\n]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new NodeError(`${node}: ${what} is not valid base64`);
  }
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const size = (clean.length / 4) * 3 - padding;
  if (size > limit) throw tooLarge(node, `the payload (${what})`, size, limit);
  return Buffer.from(clean, 'base64');
}

/** Read a response body, failing as soon as it grows past `limit` bytes. */
export async function readBody(body: unknown, limit: number, tooBig: (n: number) => Error): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  const stream = body as AsyncIterable<Uint8Array> & { destroy?: () => void };
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    n += chunk.length;
    if (n > limit) {
      stream.destroy?.();
      throw tooBig(n);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, n);
}
