// s3_copy_object (NODES 6.4): a server-side copy. The copy source is URL-encoded (the original sent it raw,
// so keys with spaces, `+`, `%` or non-ASCII characters broke).
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { rfc3339 } from './aws.js';
import { requireObjectKey, resolveBucket, s3Call, s3Client, s3ClientParams, s3Settings } from './client.js';

/** `x-amz-copy-source`: `<bucket>/<key>` with each path segment percent-encoded (slashes kept). */
export function encodeCopySource(bucket: string, key: string): string {
  return `${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export const s3CopyObject = defineNode({
  name: 's3_copy_object',
  category: 'S3',
  description: 'Server-side object copy',
  params: {
    source_bucket: p.string({
      description: 'Source bucket (default: env S3_BUCKET)',
      interpolate: 'string',
      env: 'S3_BUCKET',
    }),
    source_key: p.string({ description: 'Source object key', required: true, interpolate: 'string' }),
    bucket: p.string({
      description: 'Destination bucket (default: env S3_BUCKET)',
      interpolate: 'string',
      env: 'S3_BUCKET',
    }),
    key: p.string({ description: 'Destination object key (required)', interpolate: 'string' }),
    ...s3ClientParams,
  },
  outputs: {
    '{ok}_source_bucket': 'source bucket',
    '{ok}_source_key': 'source key',
    '{ok}_destination_bucket': 'destination bucket',
    '{ok}_destination_key': 'destination key',
    '{ok}_etag': 'ETag of the copy, when returned',
    '{ok}_last_modified': 'RFC 3339, when returned',
    '{ok}_version_id': 'version id of the copy, when returned',
    '{ok}_source_version_id': 'version id of the source, when returned',
    '{ok}_expiration': 'expiration rule text, when returned',
    '{ok}_success': 'true',
  },
  check(cfg) {
    return cfg.key === undefined || cfg.key === null
      ? [{ path: '$.key', message: "s3_copy_object requires destination 'key'" }]
      : [];
  },
  async run(cfg, nc) {
    const node = 's3_copy_object';
    const ok = cfg.output_key;
    const sourceBucket = resolveBucket(
      node,
      cfg.source_bucket,
      'source_bucket',
      `${node} requires 'source_bucket' or S3_BUCKET env var`,
    );
    const sourceKey = requireObjectKey(node, cfg.source_key, 'source_key', `${node} requires 'source_key'`);
    const bucket = resolveBucket(
      node,
      cfg.bucket,
      'bucket',
      `${node} requires 'bucket' (destination bucket) or S3_BUCKET env var`,
    );
    const key = requireObjectKey(node, cfg.key, 'key', `${node} requires destination 'key'`);
    const s = s3Settings(node, cfg);
    const client = await s3Client(nc, s);
    const { CopyObjectCommand } = await import('@aws-sdk/client-s3');
    const res = await s3Call(node, 'CopyObject', nc, s, { bucket: sourceBucket, key: sourceKey }, () =>
      client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: encodeCopySource(sourceBucket, sourceKey),
        }),
        { abortSignal: nc.signal },
      ),
    );
    const r = res.CopyObjectResult;
    return {
      [`${ok}_source_bucket`]: sourceBucket,
      [`${ok}_source_key`]: sourceKey,
      [`${ok}_destination_bucket`]: bucket,
      [`${ok}_destination_key`]: key,
      ...(r?.ETag !== undefined ? { [`${ok}_etag`]: r.ETag } : {}),
      ...(r?.LastModified !== undefined ? { [`${ok}_last_modified`]: rfc3339(r.LastModified) } : {}),
      ...(res.VersionId !== undefined ? { [`${ok}_version_id`]: res.VersionId } : {}),
      ...(res.CopySourceVersionId !== undefined
        ? { [`${ok}_source_version_id`]: res.CopySourceVersionId }
        : {}),
      ...(res.Expiration !== undefined ? { [`${ok}_expiration`]: res.Expiration } : {}),
      [`${ok}_success`]: true,
    };
  },
});
