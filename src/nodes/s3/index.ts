// Node family 's3' (NODES 6): objects in AWS S3 and S3-compatible stores.
import type { NodeDefinition } from '../types.js';
import { s3CopyObject } from './copy.js';
import { s3ListBuckets, s3ListObjects } from './list.js';
import { s3DeleteObject, s3GetObject, s3PutObject } from './objects.js';
import { s3PresignUrl } from './presign.js';

export const nodes: NodeDefinition[] = [
  s3PutObject,
  s3GetObject,
  s3DeleteObject,
  s3CopyObject,
  s3ListObjects,
  s3ListBuckets,
  s3PresignUrl,
] as NodeDefinition[];
