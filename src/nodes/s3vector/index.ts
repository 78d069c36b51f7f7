// Node family 's3vector' (NODES 7): vector buckets, indexes and vectors in Amazon S3 Vectors.
import type { NodeDefinition } from '../types.js';
import { s3vectorCreateBucket, s3vectorGetBucket } from './buckets.js';
import { s3vectorCreateIndex, s3vectorGetIndex } from './indexes.js';
import { s3vectorQueryVectors } from './query.js';
import { s3vectorDeleteVectors, s3vectorPutVectors } from './vectors.js';

export const nodes: NodeDefinition[] = [
  s3vectorCreateBucket,
  s3vectorGetBucket,
  s3vectorCreateIndex,
  s3vectorGetIndex,
  s3vectorPutVectors,
  s3vectorQueryVectors,
  s3vectorDeleteVectors,
] as NodeDefinition[];
