// s3_presign_url (NODES 6.7): a SigV4 query-string URL for one object, computed locally (no request is
// sent). For PUT the content type (and the length, when given) are signed, and {ok}_headers lists what the
// caller must send with the URL.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import {
  bucketParam,
  requireObjectKey,
  resolveBucket,
  s3Call,
  s3Client,
  s3ClientParams,
  s3Settings,
} from './client.js';

const METHODS = ['GET', 'PUT', 'HEAD', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
const MAX_EXPIRES = 604_800;

const methodError = (m: string) =>
  `s3_presign_url method '${m}' is not supported. Use GET, PUT, HEAD, or DELETE`;
const expiresError = "s3_presign_url requires 'expires_in' to be between 1 and 604800 seconds";

export const s3PresignUrl = defineNode({
  name: 's3_presign_url',
  category: 'S3',
  description: 'Presign GET/PUT/HEAD/DELETE object URLs',
  params: {
    bucket: bucketParam,
    key: p.string({ description: 'Object key', required: true, interpolate: 'string' }),
    method: p.string({ description: 'GET, PUT, HEAD or DELETE (case-insensitive)', default: 'GET' }),
    expires_in: p.integer({ description: 'Validity in seconds, 1..604800', default: 3600 }),
    content_type: p.string({
      description: 'Content-Type signed into a PUT URL (the uploader must send it)',
      default: 'application/octet-stream',
      interpolate: 'string',
    }),
    content_length: p.integer({
      description: 'Content-Length signed into a PUT URL (values <= 0 are ignored)',
    }),
    contentLength: p.integer({ description: "Alias of 'content_length'" }),
    ...s3ClientParams,
  },
  outputs: {
    '{ok}_url': 'the presigned URL',
    '{ok}_headers':
      'headers the caller must send with the URL (PUT: content-type, content-length when given)',
    '{ok}_method': 'the method (upper case)',
    '{ok}_expires_in': 'validity in seconds',
    '{ok}_bucket': 'bucket',
    '{ok}_key': 'key',
    '{ok}_success': 'true',
  },
  check(cfg) {
    const out: Array<{ path: string; message: string }> = [];
    if (typeof cfg.expires_in === 'number' && (cfg.expires_in < 1 || cfg.expires_in > MAX_EXPIRES)) {
      out.push({ path: '$.expires_in', message: expiresError });
    }
    if (typeof cfg.method === 'string' && !METHODS.includes(cfg.method.toUpperCase() as Method)) {
      out.push({ path: '$.method', message: methodError(cfg.method.toUpperCase()) });
    }
    return out;
  },
  async run(cfg, nc) {
    const node = 's3_presign_url';
    const ok = cfg.output_key;
    const bucket = resolveBucket(node, cfg.bucket);
    const key = requireObjectKey(node, cfg.key, 'key', `${node} requires 'key'`);
    const expiresIn = cfg.expires_in;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES)
      throw new NodeError(expiresError);
    const s = s3Settings(node, cfg, { presign: true });
    const client = await s3Client(nc, s);
    const method = cfg.method.toUpperCase();
    if (!METHODS.includes(method as Method)) throw new NodeError(methodError(method));
    const rawLength = cfg.content_length ?? cfg.contentLength;
    const length = rawLength !== undefined && rawLength > 0 ? rawLength : undefined;
    const sdk = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const target = { Bucket: bucket, Key: key };
    const signable = new Set<string>();
    const opts = { expiresIn, signableHeaders: signable };
    let sign: () => Promise<string>;
    switch (method as Method) {
      case 'GET':
        sign = () => getSignedUrl(client, new sdk.GetObjectCommand(target), opts);
        break;
      case 'HEAD':
        sign = () => getSignedUrl(client, new sdk.HeadObjectCommand(target), opts);
        break;
      case 'DELETE':
        sign = () => getSignedUrl(client, new sdk.DeleteObjectCommand(target), opts);
        break;
      case 'PUT': {
        signable.add('content-type');
        if (length !== undefined) signable.add('content-length');
        const put = new sdk.PutObjectCommand({
          ...target,
          ContentType: cfg.content_type,
          ...(length !== undefined ? { ContentLength: length } : {}),
        });
        sign = () => getSignedUrl(client, put, opts);
        break;
      }
    }
    const url = await s3Call(node, 'presign', nc, s, { bucket, key }, sign);
    const headers: Record<string, string> = {};
    const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
    if (signed.includes('content-type')) headers['content-type'] = cfg.content_type;
    if (signed.includes('content-length') && length !== undefined) headers['content-length'] = String(length);
    return {
      [`${ok}_bucket`]: bucket,
      [`${ok}_key`]: key,
      [`${ok}_method`]: method,
      [`${ok}_expires_in`]: expiresIn,
      [`${ok}_url`]: url,
      [`${ok}_headers`]: headers,
      [`${ok}_success`]: true,
    };
  },
});
