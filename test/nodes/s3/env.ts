// Hermetic AWS environment for the S3 and S3 Vectors node tests: every variable the nodes or the SDK read
// is cleared, then the stand-in's values are set; the returned function restores the original values.
import { ResourcePool } from '../../../src/engine/resources.js';

const AWS_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_S3VECTORS',
  'AWS_S3_FORCE_PATH_STYLE',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'S3_REGION',
  'S3_BUCKET',
  'S3VECTORS_REGION',
  'S3VECTOR_BUCKET_NAME',
  'S3VECTOR_BUCKET_ARN',
  'S3VECTOR_INDEX_NAME',
  'S3VECTOR_INDEX_ARN',
];

export function useAwsEnv(env: Record<string, string>): () => void {
  const saved = new Map(AWS_VARS.map((k) => [k, process.env[k]]));
  for (const k of AWS_VARS) delete process.env[k];
  // No shared config files: credentials and region come only from what a test sets.
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A resource pool that counts the clients it creates and closes. */
export class CountingPool extends ResourcePool {
  created: string[] = [];
  closed = 0;
  override get<T>(
    key: string,
    create: () => T | Promise<T>,
    close?: (value: T) => void | Promise<void>,
  ): Promise<T> {
    return super.get(
      key,
      () => {
        this.created.push(key);
        return create();
      },
      async (v: T) => {
        this.closed++;
        await close?.(v);
      },
    );
  }
}
