// S3 Vectors client settings shared by the seven s3vector nodes (NODES 7.0): parameters, region and
// endpoint fallbacks, one cached client per settings (destroyed at shutdown), how the bucket and index a
// step addresses are resolved, and how failures are worded. The SDK is imported inside run() only.
import type { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import {
  type AwsCredentials,
  awsErrorInfo,
  clientKey,
  commonAwsFailure,
  configOrEnv,
  envCredentials,
  envFirst,
  httpSuffix,
  parseEndpoint,
} from '../s3/aws.js';
import type { NodeContext } from '../types.js';

const REGION_ENV = ['S3VECTORS_REGION', 'S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'];

export const vectorClientParams = {
  region: p.string({
    description:
      'AWS region; default env S3VECTORS_REGION, S3_REGION, AWS_REGION, AWS_DEFAULT_REGION, then the SDK profile chain',
    interpolate: 'string',
    env: 'S3VECTORS_REGION',
  }),
  endpoint_url: p.string({
    description: 'Custom endpoint; default env AWS_ENDPOINT_URL_S3VECTORS, then AWS_ENDPOINT_URL',
    interpolate: 'string',
    env: 'AWS_ENDPOINT_URL',
  }),
  output_key: p.string({ description: 'Prefix of every output key', default: 's3vector' }),
};

export const bucketRefParams = {
  vector_bucket_name: p.string({
    description: 'Vector bucket name (default: env S3VECTOR_BUCKET_NAME, then S3_BUCKET)',
    interpolate: 'string',
    env: 'S3VECTOR_BUCKET_NAME',
  }),
  bucket: p.string({ description: "Alias of 'vector_bucket_name'", interpolate: 'string' }),
  vector_bucket_arn: p.string({
    description: 'Vector bucket ARN (default: env S3VECTOR_BUCKET_ARN)',
    interpolate: 'string',
    env: 'S3VECTOR_BUCKET_ARN',
  }),
};

export const indexRefParams = {
  index_name: p.string({
    description: 'Index name (default: env S3VECTOR_INDEX_NAME); needs a vector bucket',
    interpolate: 'string',
    env: 'S3VECTOR_INDEX_NAME',
  }),
  index: p.string({ description: "Alias of 'index_name'", interpolate: 'string' }),
  index_arn: p.string({
    description: 'Index ARN (default: env S3VECTOR_INDEX_ARN)',
    interpolate: 'string',
    env: 'S3VECTOR_INDEX_ARN',
  }),
};

export interface VectorSettings {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentials;
}

export function vectorSettings(
  node: string,
  cfg: { region?: string; endpoint_url?: string },
): VectorSettings {
  return {
    region: configOrEnv(cfg.region, ...REGION_ENV)?.trim() || undefined,
    endpoint: parseEndpoint(
      node,
      configOrEnv(cfg.endpoint_url, 'AWS_ENDPOINT_URL_S3VECTORS', 'AWS_ENDPOINT_URL'),
    ),
    credentials: envCredentials(),
  };
}

export function vectorClient(nc: NodeContext, s: VectorSettings): Promise<S3VectorsClient> {
  return nc.services.resources.get<S3VectorsClient>(
    clientKey('s3vectors', { ...s, profile: process.env.AWS_PROFILE }),
    async () => {
      const { S3VectorsClient } = await import('@aws-sdk/client-s3vectors');
      return new S3VectorsClient({ region: s.region, endpoint: s.endpoint, credentials: s.credentials });
    },
    (c) => c.destroy(),
  );
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface BucketRef {
  name?: string;
  arn?: string;
}

/**
 * The vector bucket a step names. The config wins: the environment (S3VECTOR_BUCKET_NAME, then S3_BUCKET,
 * and S3VECTOR_BUCKET_ARN) only fills in when the config gives neither a name nor an ARN, so a global
 * S3_BUCKET never contradicts an ARN in the flow. A config value that renders empty still counts as given
 * (no silent fallback to the environment) but names nothing.
 */
export function bucketRef(cfg: {
  vector_bucket_name?: string;
  bucket?: string;
  vector_bucket_arn?: string;
}): BucketRef {
  const given = [cfg.vector_bucket_name, cfg.bucket, cfg.vector_bucket_arn].some(
    (v) => typeof v === 'string',
  );
  if (given) {
    return {
      name: nonEmpty(cfg.vector_bucket_name) ?? nonEmpty(cfg.bucket),
      arn: nonEmpty(cfg.vector_bucket_arn),
    };
  }
  return {
    name: nonEmpty(envFirst('S3VECTOR_BUCKET_NAME', 'S3_BUCKET')),
    arn: nonEmpty(envFirst('S3VECTOR_BUCKET_ARN')),
  };
}

/** `arn:<partition>:s3vectors:<region>:<account>:bucket/<name>` → `<name>`. */
export function bucketNameFromArn(arn: string | undefined): string | undefined {
  const m = arn === undefined ? null : /^arn:[^:]+:s3vectors:[^:]*:[^:]*:bucket\/([^/]+)$/.exec(arn);
  return m?.[1];
}

/** What an index operation sends: a bucket name and index name, or an index ARN. */
export type IndexTarget =
  | { vectorBucketName: string; indexName: string; indexArn?: undefined }
  | { indexArn: string; vectorBucketName?: undefined; indexName?: undefined };

/**
 * The index a step addresses (get_index, put, query, delete). Config beats environment as for buckets. An
 * index name needs a bucket name (taken from the bucket ARN when only that is given) and wins over an index
 * ARN; an ARN alone is sent alone.
 */
export function indexTarget(
  node: string,
  cfg: {
    vector_bucket_name?: string;
    bucket?: string;
    vector_bucket_arn?: string;
    index_name?: string;
    index?: string;
    index_arn?: string;
  },
): IndexTarget {
  const given = [cfg.index_name, cfg.index, cfg.index_arn].some((v) => typeof v === 'string');
  const name = given
    ? (nonEmpty(cfg.index_name) ?? nonEmpty(cfg.index))
    : nonEmpty(envFirst('S3VECTOR_INDEX_NAME'));
  const arn = given ? nonEmpty(cfg.index_arn) : nonEmpty(envFirst('S3VECTOR_INDEX_ARN'));
  if (name === undefined && arn === undefined)
    throw new NodeError(`${node} requires 'index_name' or 'index_arn'`);
  if (name !== undefined) {
    const b = bucketRef(cfg);
    const bucketName = b.name ?? bucketNameFromArn(b.arn);
    if (bucketName !== undefined) return { vectorBucketName: bucketName, indexName: name };
    if (arn === undefined) throw new NodeError(`${node} requires a vector bucket when using 'index_name'`);
  }
  return { indexArn: arn! };
}

/** Human wording of an index target for messages. */
export function describeIndex(t: IndexTarget): string {
  return t.indexArn !== undefined
    ? `index '${t.indexArn}'`
    : `index '${t.indexName}' in vector bucket '${t.vectorBucketName}'`;
}

/** Word an S3 Vectors failure: the node, the operation, what it addressed, and the server's answer. */
export function vectorFailure(
  node: string,
  op: string,
  err: unknown,
  nc: NodeContext,
  s: VectorSettings,
  target: string,
): Error {
  if (err instanceof NodeError) return err;
  const common = commonAwsFailure(node, op, err, {
    signal: nc.signal,
    endpoint: s.endpoint,
    regionEnv: REGION_ENV.join(', '),
  });
  if (common) return common;
  const info = awsErrorInfo(err);
  const fields = (err as { fieldList?: Array<{ path?: string; message?: string }> }).fieldList;
  const fieldText = Array.isArray(fields)
    ? fields
        .map((f) => (f.path ? `${f.path}: ${f.message ?? ''}` : (f.message ?? '')))
        .filter((x) => x !== '')
        .join('; ')
    : '';
  const detail = `${op}: ${info.code}: ${info.message}${fieldText ? ` [${fieldText}]` : ''}`;
  switch (info.code) {
    case 'NotFoundException':
      return new NodeError(`${node}: ${target} not found (${detail})`);
    case 'ConflictException':
      return new NodeError(`${node}: ${target} already exists or is busy (${detail})`);
    case 'ValidationException':
      return new NodeError(
        `${node}: ${op} rejected the request for ${target}: ${info.message}${fieldText ? ` [${fieldText}]` : ''} (ValidationException, HTTP ${info.status ?? 400})`,
        {
          retryable: false,
        },
      );
    default:
      return new NodeError(
        `${node}: ${op} failed for ${target}: ${info.code}: ${info.message}${httpSuffix(info.status)}`,
      );
  }
}

/** Run one SDK call, turning any failure into the node's error. */
export async function vectorCall<T>(
  node: string,
  op: string,
  nc: NodeContext,
  s: VectorSettings,
  target: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw vectorFailure(node, op, e, nc, s, target);
  }
}
