// s3_put_object, s3_get_object, s3_delete_object (NODES 6.1-6.3): one object up, down or away. Bodies are
// bytes (text is UTF-8; base64 carries binary through the JSON context), checked against
// IRONFLOW_MAX_S3_OBJECT_BYTES before any transfer.
import { readFile, stat } from 'node:fs/promises';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { rfc3339 } from './aws.js';
import {
  bucketParam,
  objectLimit,
  requireObjectKey,
  resolveBucket,
  s3Call,
  s3Client,
  s3ClientParams,
  s3Settings,
  tooLarge,
} from './client.js';
import { decodeBase64, decodeMetadata, encodeMetadata, payloadEncoding, readBody } from './payload.js';

export const s3PutObject = defineNode({
  name: 's3_put_object',
  category: 'S3',
  description: 'Upload from text, base64, context or local file',
  params: {
    bucket: bucketParam,
    key: p.string({ description: 'Object key', required: true, interpolate: 'string' }),
    content_type: p.string({
      description: 'Content-Type stored with the object',
      default: 'application/octet-stream',
      interpolate: 'string',
    }),
    source_path: p.string({
      description: 'Local file uploaded as bytes (wins over source_key and content)',
      interpolate: 'string',
    }),
    source_key: p.string({
      description: 'Context key holding the payload string (wins over content)',
      interpolate: 'string',
    }),
    content: p.string({ description: 'The payload as a string', interpolate: 'string' }),
    encoding: p.string({
      description: "How source_key/content are read: 'text' (UTF-8, default) or 'base64'",
    }),
    source_encoding: p.string({ description: "Alias of 'encoding'" }),
    metadata: p.object({
      description:
        'User metadata stored with the object (x-amz-meta-*): names are HTTP tokens, values strings, numbers or booleans; non-ASCII values are sent RFC 2047-encoded',
      interpolate: 'deep',
    }),
    ...s3ClientParams,
  },
  outputs: {
    '{ok}_bucket': 'bucket',
    '{ok}_key': 'key',
    '{ok}_content_type': 'content type sent',
    '{ok}_etag': 'ETag as returned (with quotes), when returned',
    '{ok}_version_id': 'version id, when the bucket is versioned',
    '{ok}_success': 'true',
  },
  check(cfg) {
    const out: Array<{ path: string; message: string }> = [];
    if (cfg.source_path === undefined && cfg.source_key === undefined && cfg.content === undefined) {
      out.push({
        path: '$.content',
        message: "S3 node requires one of 'content', 'source_key', or 'source_path'",
      });
    }
    const enc = cfg.encoding ?? cfg.source_encoding;
    if (typeof enc === 'string' && payloadEncoding(enc) === undefined) {
      out.push({
        path: cfg.encoding !== undefined ? '$.encoding' : '$.source_encoding',
        message: `s3 payload encoding '${enc}' is not supported. Use 'text' or 'base64'`,
      });
    }
    return out;
  },
  async run(cfg, nc) {
    const node = 's3_put_object';
    const ok = cfg.output_key;
    const bucket = resolveBucket(node, cfg.bucket);
    const key = requireObjectKey(node, cfg.key, 'key', `${node} requires 'key'`);
    const encName = cfg.encoding ?? cfg.source_encoding ?? 'text';
    const encoding = payloadEncoding(encName);
    if (encoding === undefined) {
      throw new NodeError(`s3 payload encoding '${encName}' is not supported. Use 'text' or 'base64'`);
    }
    const limit = objectLimit();
    let body: Buffer;
    if (typeof cfg.source_path === 'string') {
      const path = cfg.source_path;
      let size: number;
      try {
        const st = await stat(path);
        if (!st.isFile()) throw new NodeError(`${node}: source_path '${path}' is not a file`);
        size = st.size;
      } catch (e) {
        if (e instanceof NodeError) throw e;
        throw new NodeError(`${node}: cannot read source_path '${path}': ${(e as Error).message}`);
      }
      if (size > limit) throw tooLarge(node, `source_path '${path}'`, size, limit);
      try {
        body = await readFile(path, { signal: nc.signal });
      } catch (e) {
        if (nc.signal.aborted) throw new NodeError(`${node}: reading source_path '${path}' was cancelled`);
        throw new NodeError(`${node}: cannot read source_path '${path}': ${(e as Error).message}`);
      }
    } else {
      let text: string;
      let what: string;
      if (typeof cfg.source_key === 'string') {
        const v = nc.ctx[cfg.source_key];
        if (typeof v !== 'string')
          throw new NodeError(`source_key '${cfg.source_key}' must be a string in context`);
        text = v;
        what = `source_key '${cfg.source_key}'`;
      } else if (typeof cfg.content === 'string') {
        text = cfg.content;
        what = "'content'";
      } else {
        throw new NodeError("S3 node requires one of 'content', 'source_key', or 'source_path'");
      }
      if (encoding === 'text') {
        const size = Buffer.byteLength(text, 'utf8');
        if (size > limit) throw tooLarge(node, `the payload (${what})`, size, limit);
        body = Buffer.from(text, 'utf8');
      } else {
        body = decodeBase64(node, what, text, limit);
      }
    }
    const metadata = cfg.metadata === undefined ? undefined : encodeMetadata(node, cfg.metadata);
    const s = s3Settings(node, cfg);
    const client = await s3Client(nc, s);
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const res = await s3Call(node, 'PutObject', nc, s, { bucket }, () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: cfg.content_type,
          ...(metadata ? { Metadata: metadata } : {}),
        }),
        { abortSignal: nc.signal },
      ),
    );
    return {
      [`${ok}_bucket`]: bucket,
      [`${ok}_key`]: key,
      [`${ok}_content_type`]: cfg.content_type,
      ...(res.ETag !== undefined ? { [`${ok}_etag`]: res.ETag } : {}),
      ...(res.VersionId !== undefined ? { [`${ok}_version_id`]: res.VersionId } : {}),
      [`${ok}_success`]: true,
    };
  },
});

export const s3GetObject = defineNode({
  name: 's3_get_object',
  category: 'S3',
  description: 'Download one object as text/base64',
  params: {
    bucket: bucketParam,
    key: p.string({ description: 'Object key', required: true, interpolate: 'string' }),
    encoding: p.string({ description: "'text' (UTF-8, default) or 'base64' for binary objects" }),
    ...s3ClientParams,
  },
  outputs: {
    '{ok}_content': 'the body: UTF-8 text, or base64',
    '{ok}_encoding': "'text' or 'base64'",
    '{ok}_size': 'body size in bytes',
    '{ok}_content_type': 'when returned',
    '{ok}_content_length': 'Content-Length, when returned',
    '{ok}_etag': 'when returned',
    '{ok}_last_modified': 'RFC 3339, when returned',
    '{ok}_metadata': 'user metadata (x-amz-meta-*), an object',
    '{ok}_bucket': 'bucket',
    '{ok}_key': 'key',
    '{ok}_success': 'true',
  },
  check(cfg) {
    return typeof cfg.encoding === 'string' && payloadEncoding(cfg.encoding) === undefined
      ? [
          {
            path: '$.encoding',
            message: `s3 payload encoding '${cfg.encoding}' is not supported. Use 'text' or 'base64'`,
          },
        ]
      : [];
  },
  async run(cfg, nc) {
    const node = 's3_get_object';
    const ok = cfg.output_key;
    const bucket = resolveBucket(node, cfg.bucket);
    const key = requireObjectKey(node, cfg.key, 'key', `${node} requires 'key'`);
    const encName = cfg.encoding ?? 'text';
    const encoding = payloadEncoding(encName);
    if (encoding === undefined) {
      throw new NodeError(`s3 payload encoding '${encName}' is not supported. Use 'text' or 'base64'`);
    }
    const limit = objectLimit();
    const what = `object '${key}' in bucket '${bucket}'`;
    const s = s3Settings(node, cfg);
    const client = await s3Client(nc, s);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const target = { bucket, key };
    const res = await s3Call(node, 'GetObject', nc, s, target, () =>
      client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: nc.signal }),
    );
    if (res.ContentLength !== undefined && res.ContentLength > limit) {
      (res.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw tooLarge(node, what, res.ContentLength, limit);
    }
    const bytes = await s3Call(node, 'GetObject', nc, s, target, () =>
      readBody(res.Body, limit, () => tooLarge(node, what, undefined, limit)),
    );
    let content: string;
    if (encoding === 'base64') content = bytes.toString('base64');
    else {
      try {
        content = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch (e) {
        throw new NodeError(
          `${node}: Failed to convert response body to UTF-8: ${(e as Error).message} (use encoding 'base64' for binary objects)`,
        );
      }
    }
    return {
      [`${ok}_bucket`]: bucket,
      [`${ok}_key`]: key,
      ...(res.ContentType !== undefined ? { [`${ok}_content_type`]: res.ContentType } : {}),
      ...(res.ContentLength !== undefined ? { [`${ok}_content_length`]: res.ContentLength } : {}),
      ...(res.ETag !== undefined ? { [`${ok}_etag`]: res.ETag } : {}),
      ...(res.LastModified !== undefined ? { [`${ok}_last_modified`]: rfc3339(res.LastModified) } : {}),
      [`${ok}_metadata`]: decodeMetadata(res.Metadata),
      [`${ok}_content`]: content,
      [`${ok}_encoding`]: encoding,
      [`${ok}_size`]: bytes.length,
      [`${ok}_success`]: true,
    };
  },
});

export const s3DeleteObject = defineNode({
  name: 's3_delete_object',
  category: 'S3',
  description: 'Delete one object',
  params: {
    bucket: bucketParam,
    key: p.string({ description: 'Object key', required: true, interpolate: 'string' }),
    version_id: p.string({ description: 'Delete this version (versioned buckets)', interpolate: 'string' }),
    ...s3ClientParams,
  },
  outputs: {
    '{ok}_bucket': 'bucket',
    '{ok}_key': 'key',
    '{ok}_delete_marker': 'boolean, only when the service returns it',
    '{ok}_success': 'true',
  },
  async run(cfg, nc) {
    const node = 's3_delete_object';
    const ok = cfg.output_key;
    const bucket = resolveBucket(node, cfg.bucket);
    const key = requireObjectKey(node, cfg.key, 'key', `${node} requires 'key'`);
    const s = s3Settings(node, cfg);
    const client = await s3Client(nc, s);
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const res = await s3Call(node, 'DeleteObject', nc, s, { bucket, key }, () =>
      client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(cfg.version_id ? { VersionId: cfg.version_id } : {}),
        }),
        { abortSignal: nc.signal },
      ),
    );
    return {
      [`${ok}_bucket`]: bucket,
      [`${ok}_key`]: key,
      ...(res.DeleteMarker !== undefined ? { [`${ok}_delete_marker`]: res.DeleteMarker } : {}),
      [`${ok}_success`]: true,
    };
  },
});
