// s3_list_objects and s3_list_buckets (NODES 6.5, 6.6). Listings follow continuation tokens to the end:
// `max_keys` is the page size, never a cap on the total. Common prefixes of a `delimiter` listing are kept
// (the original dropped them).
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { rfc3339 } from './aws.js';
import { bucketParam, resolveBucket, s3Call, s3Client, s3ClientParams, s3Settings } from './client.js';

const MAX_INT32 = 2_147_483_647;

export const s3ListObjects = defineNode({
  name: 's3_list_objects',
  category: 'S3',
  description: 'List objects under a prefix (all pages)',
  params: {
    bucket: bucketParam,
    prefix: p.string({ description: 'Only keys starting with this', default: '', interpolate: 'string' }),
    delimiter: p.string({
      description: "Group keys by this (e.g. '/'); grouped prefixes go to {ok}_common_prefixes",
      default: '',
    }),
    max_keys: p.integer({
      description: 'Page size of each request (every page is fetched; values above 2^31-1 are ignored)',
      minimum: 1,
    }),
    ...s3ClientParams,
  },
  outputs: {
    '{ok}_objects': 'array of {key, size, etag, last_modified, storage_class}',
    '{ok}_count': 'number of objects',
    '{ok}_common_prefixes': 'prefixes grouped by the delimiter (empty without one)',
    '{ok}_bucket': 'bucket',
    '{ok}_prefix': 'prefix',
    '{ok}_success': 'true',
  },
  async run(cfg, nc) {
    const node = 's3_list_objects';
    const ok = cfg.output_key;
    const bucket = resolveBucket(node, cfg.bucket);
    const pageSize = cfg.max_keys !== undefined && cfg.max_keys <= MAX_INT32 ? cfg.max_keys : undefined;
    const s = s3Settings(node, cfg);
    const client = await s3Client(nc, s);
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const objects: Array<Record<string, unknown>> = [];
    const prefixes: string[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const res = await s3Call(node, 'ListObjectsV2', nc, s, { bucket }, () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            ...(cfg.prefix ? { Prefix: cfg.prefix } : {}),
            ...(cfg.delimiter ? { Delimiter: cfg.delimiter } : {}),
            ...(pageSize !== undefined ? { MaxKeys: pageSize } : {}),
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
          { abortSignal: nc.signal },
        ),
      );
      for (const o of res.Contents ?? []) {
        objects.push({
          key: o.Key ?? '',
          size: o.Size ?? 0,
          etag: o.ETag ?? '',
          last_modified: rfc3339(o.LastModified) ?? '',
          storage_class: o.StorageClass ?? '',
        });
      }
      for (const cp of res.CommonPrefixes ?? []) if (cp.Prefix !== undefined) prefixes.push(cp.Prefix);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
      if (token !== undefined) {
        // A server that hands back a token it already gave would make this loop forever.
        if (seen.has(token))
          throw new NodeError(`${node}: ListObjectsV2 returned a repeated continuation token`);
        seen.add(token);
      }
    } while (token !== undefined);
    return {
      [`${ok}_bucket`]: bucket,
      [`${ok}_prefix`]: cfg.prefix,
      [`${ok}_count`]: objects.length,
      [`${ok}_objects`]: objects,
      [`${ok}_common_prefixes`]: prefixes,
      [`${ok}_success`]: true,
    };
  },
});

export const s3ListBuckets = defineNode({
  name: 's3_list_buckets',
  category: 'S3',
  description: 'List buckets',
  params: { ...s3ClientParams },
  outputs: {
    '{ok}_buckets': 'array of {name, creation_date}',
    '{ok}_count': 'number of buckets',
    '{ok}_success': 'true',
  },
  async run(cfg, nc) {
    const node = 's3_list_buckets';
    const ok = cfg.output_key;
    const s = s3Settings(node, cfg);
    const client = await s3Client(nc, s);
    const { ListBucketsCommand } = await import('@aws-sdk/client-s3');
    const buckets: Array<{ name: string; creation_date: string }> = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const res = await s3Call(node, 'ListBuckets', nc, s, {}, () =>
        client.send(new ListBucketsCommand(token !== undefined ? { ContinuationToken: token } : {}), {
          abortSignal: nc.signal,
        }),
      );
      for (const b of res.Buckets ?? []) {
        buckets.push({ name: b.Name ?? '', creation_date: rfc3339(b.CreationDate) ?? '' });
      }
      token = res.ContinuationToken || undefined;
      if (token !== undefined) {
        if (seen.has(token))
          throw new NodeError(`${node}: ListBuckets returned a repeated continuation token`);
        seen.add(token);
      }
    } while (token !== undefined);
    return { [`${ok}_count`]: buckets.length, [`${ok}_buckets`]: buckets, [`${ok}_success`]: true };
  },
});
