// A real S3 endpoint for tests and examples: s3rver on a free loopback port, a temp directory, a pre-created
// bucket, and two runtime fixes that make the stand-in answer like S3 (applied to this s3rver instance only,
// never to node_modules on disk nor to the engine):
// - s3rver encrypts list-continuation tokens with single DES, which OpenSSL 3 (Node 20) no longer has; its
//   bucket controller is loaded with a `crypto` whose 'des' is 3DES with the key repeated (same block size,
//   same token layout), so listings longer than one page work;
// - s3rver accepts any SigV4 signature and decodes `x-amz-copy-source` with decodeURI (so `%2B`, `%26`, …
//   stay encoded); a middleware in front of it verifies SigV4 (headers and presigned query) with the known
//   key pairs and fully URL-decodes the copy source, as S3 does.
import * as nodeCrypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.js';

const require = createRequire(import.meta.url);

export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';
export const S3_REGION = 'us-east-1';
/** The dummy pair of the S3 Vectors stand-in, accepted too so flows using both services work. */
const EXTRA_KEYS: Array<[string, string]> = [['test', 'test']];

// ---------------------------------------------------------------------------------------------------------
// SigV4 verification (shared with test/services/s3vectors.ts)

export interface SigV4Request {
  method: string;
  /** The request target as received: path and query, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body, for services whose requests carry no x-amz-content-sha256 header. */
  body?: Buffer;
}

export interface SigV4Failure {
  status: number;
  code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'IncompleteSignature';
  message: string;
}

/** RFC 3986 escaping as SigV4 does it (encodeURIComponent plus !'()*). */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return nodeCrypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return nodeCrypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

function header(headers: SigV4Request['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq === -1 ? p : p.slice(0, eq);
      const v = eq === -1 ? '' : p.slice(eq + 1);
      return [decodeURIComponent(k), decodeURIComponent(v)];
    });
}

/**
 * Check a SigV4-signed request (Authorization header or presigned query) against known key pairs.
 * `doubleEncodePath` is false for S3 (the path is signed as sent) and true for other services.
 * Returns undefined when the signature is valid.
 */
export function verifySigV4(
  req: SigV4Request,
  keys: ReadonlyMap<string, string>,
  opts: { service: string; doubleEncodePath: boolean },
): SigV4Failure | undefined {
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  let query: Array<[string, string]>;
  try {
    query = parseQuery(q === -1 ? '' : req.url.slice(q + 1));
  } catch {
    return { status: 400, code: 'AccessDenied', message: 'Malformed query string' } as SigV4Failure;
  }
  const qget = (k: string) => query.find(([n]) => n === k)?.[1];
  const auth = header(req.headers, 'authorization');
  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let amzDate: string | undefined;
  let payloadHash: string;
  const presigned = qget('X-Amz-Algorithm') !== undefined;
  if (auth?.startsWith('AWS4-HMAC-SHA256 ')) {
    const parts = Object.fromEntries(
      auth
        .slice('AWS4-HMAC-SHA256 '.length)
        .split(',')
        .map((s) => s.trim().split('=') as [string, string]),
    );
    if (!parts.Credential || !parts.SignedHeaders || !parts.Signature) {
      return { status: 400, code: 'IncompleteSignature', message: 'The Authorization header is incomplete' };
    }
    credential = parts.Credential;
    signedHeaders = parts.SignedHeaders;
    signature = parts.Signature;
    amzDate = header(req.headers, 'x-amz-date');
    payloadHash = header(req.headers, 'x-amz-content-sha256') ?? sha256Hex(req.body ?? Buffer.alloc(0));
  } else if (presigned) {
    if (qget('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
      return { status: 400, code: 'AccessDenied', message: 'Unsupported X-Amz-Algorithm' };
    }
    credential = qget('X-Amz-Credential') ?? '';
    signedHeaders = qget('X-Amz-SignedHeaders') ?? '';
    signature = qget('X-Amz-Signature') ?? '';
    amzDate = qget('X-Amz-Date');
    payloadHash = qget('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
    const expires = Number(qget('X-Amz-Expires'));
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
    if (!m || !Number.isInteger(expires)) {
      return { status: 403, code: 'AccessDenied', message: 'X-Amz-Date and X-Amz-Expires are required' };
    }
    const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (Date.now() > signedAt + expires * 1000) {
      return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
    }
  } else {
    return { status: 403, code: 'AccessDenied', message: 'Anonymous access is not allowed' };
  }
  const [accessKeyId, date, region, service, term] = credential.split('/');
  const secret = accessKeyId === undefined ? undefined : keys.get(accessKeyId);
  if (secret === undefined) {
    return {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    };
  }
  if (!date || !region || service !== opts.service || term !== 'aws4_request' || !amzDate) {
    return { status: 403, code: 'SignatureDoesNotMatch', message: 'Malformed credential scope' };
  }
  const canonicalUri = opts.doubleEncodePath
    ? rawPath
        .split('/')
        .map((seg) => escapeUri(seg))
        .join('/')
    : rawPath;
  const canonicalQuery = query
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [escapeUri(k), escapeUri(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  if (!names.includes('host')) {
    return { status: 403, code: 'SignatureDoesNotMatch', message: 'The host header must be signed' };
  }
  const canonicalHeaders = names
    .map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = nodeCrypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !nodeCrypto.timingSafeEqual(given, expected)) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// s3rver, loaded with the token cipher swapped

interface KoaContext {
  req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> };
  throw?: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  middleware: KoaMiddleware[];
  httpServer?: { closeAllConnections(): void };
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
type S3ErrorCtor = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

interface CjsModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  require(id: string): unknown;
  _compile(source: string, filename: string): void;
}
interface CjsModuleCtor {
  new (id: string, parent?: unknown): CjsModule;
  _nodeModulePaths(dir: string): string[];
  prototype: { require(this: CjsModule, id: string): unknown };
}

/** `crypto` as s3rver's bucket controller sees it: 'des' (gone from OpenSSL 3) becomes an equivalent 3DES. */
function tokenCrypto(): typeof nodeCrypto {
  const des = (key: nodeCrypto.CipherKey) => {
    const k = Buffer.from(key as Buffer);
    return Buffer.concat([k, k, k]);
  };
  return Object.assign(Object.create(nodeCrypto) as typeof nodeCrypto, {
    createCipheriv: (alg: string, key: nodeCrypto.CipherKey, iv: Buffer) =>
      alg === 'des'
        ? nodeCrypto.createCipheriv('des-ede3-cbc', des(key), iv)
        : nodeCrypto.createCipheriv(alg, key, iv),
    createDecipheriv: (alg: string, key: nodeCrypto.CipherKey, iv: Buffer) =>
      alg === 'des'
        ? nodeCrypto.createDecipheriv('des-ede3-cbc', des(key), iv)
        : nodeCrypto.createDecipheriv(alg, key, iv),
  });
}

interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
}

let loaded: { S3rver: S3rverCtor; S3Error: S3ErrorCtor } | undefined;

function loadS3rver(): { S3rver: S3rverCtor; S3Error: S3ErrorCtor } {
  if (loaded) return loaded;
  const Module = require('node:module') as CjsModuleCtor;
  const bucketCtrl = require.resolve('s3rver/lib/controllers/bucket.js');
  const cache = require.cache as Record<string, unknown>;
  if (!cache[bucketCtrl]) {
    const m = new Module(bucketCtrl);
    m.filename = bucketCtrl;
    m.paths = Module._nodeModulePaths(dirname(bucketCtrl));
    const patched = tokenCrypto();
    m.require = (id: string) => (id === 'crypto' ? patched : Module.prototype.require.call(m, id));
    cache[bucketCtrl] = m;
    m._compile(readFileSync(bucketCtrl, 'utf8'), bucketCtrl);
    m.loaded = true;
  }
  const account = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: S3rverAccount };
  for (const [id, secret] of EXTRA_KEYS) account.DUMMY_ACCOUNT.createKeyPair(id, secret);
  loaded = {
    S3rver: require('s3rver') as S3rverCtor,
    S3Error: require('s3rver/lib/models/error.js') as S3ErrorCtor,
  };
  return loaded;
}

export interface S3Service {
  env: {
    AWS_ENDPOINT_URL: string;
    /** Same endpoint; wins over AWS_ENDPOINT_URL for S3 nodes when another service sets that one. */
    AWS_ENDPOINT_URL_S3: string;
    AWS_ACCESS_KEY_ID: string;
    AWS_SECRET_ACCESS_KEY: string;
    AWS_REGION: string;
    S3_BUCKET: string;
  };
  endpoint: string;
  bucket: string;
  /** Requests the server received (method and target), oldest first. */
  requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined> }>;
  stop(): Promise<void>;
}

/** Start s3rver on 127.0.0.1 with bucket `bucket` (default `ironflow-test`). */
export async function startS3(opts: { bucket?: string; extraBuckets?: string[] } = {}): Promise<S3Service> {
  const { S3rver, S3Error } = loadS3rver();
  const bucket = opts.bucket ?? 'ironflow-test';
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-s3-'));
  const port = await freePort();
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dir,
    silent: true,
    configureBuckets: [bucket, ...(opts.extraBuckets ?? [])].map((name) => ({ name })),
  });
  const keys = new Map([[S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY], ...EXTRA_KEYS]);
  const requests: S3Service['requests'] = [];
  const front: KoaMiddleware = async (ctx, next) => {
    const method = ctx.req.method ?? 'GET';
    const url = ctx.req.url ?? '/';
    requests.push({ method, url, headers: { ...ctx.req.headers } });
    const fail = verifySigV4({ method, url, headers: ctx.req.headers }, keys, {
      service: 's3',
      doubleEncodePath: false,
    });
    if (fail) throw new S3Error(fail.code, fail.message);
    const copy = ctx.req.headers['x-amz-copy-source'];
    if (typeof copy === 'string') {
      let decoded: string;
      try {
        decoded = decodeURIComponent(copy);
      } catch {
        throw new S3Error('InvalidArgument', 'Invalid copy source encoding', {
          ArgumentName: 'x-amz-copy-source',
        });
      }
      // s3rver applies decodeURI; hand it a value whose decodeURI is the fully decoded source.
      ctx.req.headers['x-amz-copy-source'] = encodeURI(decoded);
    }
    await next();
  };
  // Koa composes `middleware` when the server starts listening, so the front check runs first.
  server.middleware.unshift(front);
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
      AWS_REGION: S3_REGION,
      S3_BUCKET: bucket,
    },
    endpoint,
    bucket,
    requests,
    stop: async () => {
      // Clients keep connections alive; close them so stopping never waits for their idle timeout.
      server.httpServer?.closeAllConnections();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The service contract of docs/contributing.md (`"services": ["s3"]` in an example sidecar). */
export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startS3();
  return { env: { ...s.env }, stop: s.stop };
}
