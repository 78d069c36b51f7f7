// s3vector_create_bucket and s3vector_get_bucket (NODES 7.1, 7.2).
import { NodeError } from '../../util/errors.js';
import { configOrEnv, rfc3339 } from '../s3/aws.js';
import { defineNode } from '../types.js';
import {
  bucketRef,
  bucketRefParams,
  vectorCall,
  vectorClient,
  vectorClientParams,
  vectorSettings,
} from './client.js';

/** A plain JSON copy of an SDK structure (drops undefined members), for outputs. */
export function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null));
}

export const s3vectorCreateBucket = defineNode({
  name: 's3vector_create_bucket',
  category: 'S3 Vector',
  description: 'Create a vector bucket',
  params: {
    vector_bucket_name: bucketRefParams.vector_bucket_name,
    bucket: bucketRefParams.bucket,
    ...vectorClientParams,
  },
  outputs: {
    '{ok}_bucket_name': 'the bucket name',
    '{ok}_bucket_arn': 'its ARN, when returned',
    '{ok}_success': 'true',
  },
  async run(cfg, nc) {
    const node = 's3vector_create_bucket';
    const ok = cfg.output_key;
    const name = configOrEnv(cfg.vector_bucket_name ?? cfg.bucket, 'S3VECTOR_BUCKET_NAME', 'S3_BUCKET');
    if (name === undefined) {
      throw new NodeError(`${node} requires 'vector_bucket_name' or S3VECTOR_BUCKET_NAME env var`);
    }
    if (name.trim() === '') throw new NodeError(`${node} requires 'vector_bucket_name' to be non-empty`);
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { CreateVectorBucketCommand } = await import('@aws-sdk/client-s3vectors');
    const res = await vectorCall(node, 'CreateVectorBucket', nc, s, `vector bucket '${name}'`, () =>
      client.send(new CreateVectorBucketCommand({ vectorBucketName: name }), { abortSignal: nc.signal }),
    );
    return {
      [`${ok}_bucket_name`]: name,
      ...(res.vectorBucketArn !== undefined ? { [`${ok}_bucket_arn`]: res.vectorBucketArn } : {}),
      [`${ok}_success`]: true,
    };
  },
});

export const s3vectorGetBucket = defineNode({
  name: 's3vector_get_bucket',
  category: 'S3 Vector',
  description: 'Read vector-bucket metadata',
  params: { ...bucketRefParams, ...vectorClientParams },
  outputs: {
    '{ok}_bucket_name': 'bucket name',
    '{ok}_bucket_arn': 'bucket ARN',
    '{ok}_creation_time': 'RFC 3339',
    '{ok}_encryption_configuration': '{sseType, kmsKeyArn?}, when present',
    '{ok}_success': 'true',
  },
  async run(cfg, nc) {
    const node = 's3vector_get_bucket';
    const ok = cfg.output_key;
    const ref = bucketRef(cfg);
    if (ref.name === undefined && ref.arn === undefined) {
      throw new NodeError(`${node} requires 'vector_bucket_name' or 'vector_bucket_arn'`);
    }
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { GetVectorBucketCommand } = await import('@aws-sdk/client-s3vectors');
    const what = `vector bucket '${ref.name ?? ref.arn}'`;
    const res = await vectorCall(node, 'GetVectorBucket', nc, s, what, () =>
      client.send(
        new GetVectorBucketCommand({
          ...(ref.name !== undefined ? { vectorBucketName: ref.name } : {}),
          ...(ref.arn !== undefined ? { vectorBucketArn: ref.arn } : {}),
        }),
        { abortSignal: nc.signal },
      ),
    );
    const b = res.vectorBucket;
    return {
      [`${ok}_bucket_name`]: b?.vectorBucketName ?? ref.name ?? '',
      [`${ok}_bucket_arn`]: b?.vectorBucketArn ?? ref.arn ?? '',
      [`${ok}_creation_time`]: rfc3339(b?.creationTime) ?? '',
      ...(b?.encryptionConfiguration !== undefined
        ? { [`${ok}_encryption_configuration`]: plain(b.encryptionConfiguration) }
        : {}),
      [`${ok}_success`]: true,
    };
  },
});
