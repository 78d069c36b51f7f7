// S3 client settings shared by the seven S3 nodes (NODES 6.0): the common parameters, the region /
// endpoint / path-style / bucket fallbacks, one client per distinct settings (kept in the process resource
// pool and destroyed at shutdown), the object-size limit, and how S3 failures are worded.
// The SDK is imported lazily, inside a node's run().
import type { S3Client } from '@aws-sdk/client-s3';
import { defineSetting } from '../../config/settings.js';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import {
  type AwsCredentials,
  awsErrorInfo,
  clientKey,
  commonAwsFailure,
  configOrEnv,
  envCredentials,
  httpSuffix,
  parseEndpoint,
} from './aws.js';

export const maxS3ObjectBytes = defineSetting<number>({
  env: 'IRONFLOW_MAX_S3_OBJECT_BYTES',
  kind: 'int',
  min: 0,
  default: 67_108_864,
  description:
    'Largest object s3_put_object uploads or s3_get_object downloads, in bytes (checked before the transfer); 0 disables the check.',
});

const REGION_ENV = ['S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'];

/** Client parameters of every S3 node. */
export const s3ClientParams = {
  region: p.string({
    description:
      'AWS region; default env S3_REGION, AWS_REGION, AWS_DEFAULT_REGION, then the SDK profile chain',
    interpolate: 'string',
    env: 'S3_REGION',
  }),
  endpoint_url: p.string({
    description:
      'Endpoint of an S3-compatible store (MinIO, s3rver, …); default env AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL',
    interpolate: 'string',
    env: 'AWS_ENDPOINT_URL',
  }),
  force_path_style: p.boolean({
    description:
      'Path-style URLs (http://host/bucket/key); default env AWS_S3_FORCE_PATH_STYLE (1/true/yes/on, 0/false/no/off), else false',
    env: 'AWS_S3_FORCE_PATH_STYLE',
  }),
  output_key: p.string({ description: 'Prefix of every output key', default: 's3' }),
};

export const bucketParam = p.string({
  description: 'Bucket name (default: env S3_BUCKET)',
  interpolate: 'string',
  env: 'S3_BUCKET',
});

export interface S3Settings {
  region?: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: AwsCredentials;
  /** Only send checksums S3 requires (S3-compatible stores, and presigned URLs). */
  checksumWhenRequired: boolean;
}

function parseBool(node: string, name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new NodeError(`${node}: ${name} must be 1/true/yes/on or 0/false/no/off (got '${raw}')`);
}

/** Resolve the client settings of one execution from the config and the environment. */
export function s3Settings(
  node: string,
  cfg: { region?: string; endpoint_url?: string; force_path_style?: boolean },
  opts: { presign?: boolean } = {},
): S3Settings {
  const region = configOrEnv(cfg.region, ...REGION_ENV)?.trim() || undefined;
  const endpoint = parseEndpoint(
    node,
    configOrEnv(cfg.endpoint_url, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'),
  );
  const envPathStyle = process.env.AWS_S3_FORCE_PATH_STYLE;
  const forcePathStyle =
    typeof cfg.force_path_style === 'boolean'
      ? cfg.force_path_style
      : envPathStyle !== undefined
        ? parseBool(node, 'AWS_S3_FORCE_PATH_STYLE', envPathStyle)
        : false;
  // Presigned PUT URLs must not carry a checksum of an empty body; S3-compatible stores often reject the
  // SDK's default CRC checksums. AWS_REQUEST_CHECKSUM_CALCULATION, when set, is left to the SDK.
  const checksumWhenRequired =
    opts.presign === true ||
    (endpoint !== undefined && process.env.AWS_REQUEST_CHECKSUM_CALCULATION === undefined);
  return { region, endpoint, forcePathStyle, credentials: envCredentials(), checksumWhenRequired };
}

/** The shared client for these settings (created on first use, destroyed when the engine shuts down). */
export function s3Client(nc: NodeContext, s: S3Settings): Promise<S3Client> {
  const key = clientKey('s3', { ...s, profile: process.env.AWS_PROFILE });
  return nc.services.resources.get<S3Client>(
    key,
    async () => {
      const { S3Client } = await import('@aws-sdk/client-s3');
      return new S3Client({
        region: s.region,
        endpoint: s.endpoint,
        forcePathStyle: s.forcePathStyle,
        credentials: s.credentials,
        ...(s.checksumWhenRequired
          ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
          : {}),
      });
    },
    (c) => c.destroy(),
  );
}

/**
 * A bucket: config (interpolated) → env S3_BUCKET → fail with `missing` (the node's text). A bucket that
 * is set but empty fails `<node> requires '<param>' to be non-empty`.
 */
export function resolveBucket(
  node: string,
  value: string | undefined,
  param = 'bucket',
  missing = `${node} requires 'bucket' or S3_BUCKET env var`,
): string {
  const b = configOrEnv(value, 'S3_BUCKET');
  if (b === undefined) throw new NodeError(missing);
  if (b.trim() === '') throw new NodeError(`${node} requires '${param}' to be non-empty`);
  return b;
}

/** A required object key (`missing` is the node's text); an empty key fails `… to be non-empty`. */
export function requireObjectKey(
  node: string,
  value: string | undefined,
  param: string,
  missing: string,
): string {
  if (typeof value !== 'string') throw new NodeError(missing);
  if (value === '') throw new NodeError(`${node} requires '${param}' to be non-empty`);
  return value;
}

/** The limit of IRONFLOW_MAX_S3_OBJECT_BYTES, or Infinity when disabled. */
export function objectLimit(): number {
  const n = maxS3ObjectBytes.get();
  return n === 0 ? Number.POSITIVE_INFINITY : n;
}

/** `<node>: <what> is N bytes, larger than the limit …` (`bytes` undefined: the size was not announced). */
export function tooLarge(node: string, what: string, bytes: number | undefined, limit: number): NodeError {
  const size = bytes === undefined ? 'is' : `is ${bytes} bytes,`;
  return new NodeError(
    `${node}: ${what} ${size} larger than the limit of ${limit} bytes (${maxS3ObjectBytes.env})`,
    { retryable: false },
  );
}

/** Word an S3 failure: the node, the operation, the object or bucket concerned, and the server's answer. */
export function s3Failure(
  node: string,
  op: string,
  err: unknown,
  nc: NodeContext,
  s: S3Settings,
  target: { bucket?: string; key?: string },
): Error {
  if (err instanceof NodeError) return err;
  const common = commonAwsFailure(node, op, err, {
    signal: nc.signal,
    endpoint: s.endpoint,
    regionEnv: REGION_ENV.join(', '),
  });
  if (common) return common;
  const info = awsErrorInfo(err);
  const detail = `${op}: ${info.code}: ${info.message}`;
  if (info.code === 'NoSuchKey' || (info.code === 'NotFound' && target.key !== undefined)) {
    return new NodeError(
      `${node}: object '${target.key}' not found in bucket '${target.bucket}' (${detail})`,
    );
  }
  if (info.code === 'NoSuchBucket') {
    const named = (err as { BucketName?: unknown }).BucketName;
    const bucket = typeof named === 'string' && named !== '' ? named : target.bucket;
    return new NodeError(`${node}: bucket '${bucket}' not found (${detail})`);
  }
  return new NodeError(`${node}: ${op} failed: ${info.code}: ${info.message}${httpSuffix(info.status)}`);
}

/** Run one SDK call, turning any failure into the node's error. */
export async function s3Call<T>(
  node: string,
  op: string,
  nc: NodeContext,
  s: S3Settings,
  target: { bucket?: string; key?: string },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw s3Failure(node, op, e, nc, s, target);
  }
}
