// The s3vector_* nodes against the S3 Vectors stand-in (test/services/s3vectors.ts), which signs-checks
// every request and computes queries by brute force.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { startS3Vectors, type VectorsService } from '../../services/s3vectors.js';
import { CountingPool, useAwsEnv } from '../s3/env.js';

let svc: VectorsService;
let restoreEnv: () => void;

beforeAll(async () => {
  svc = await startS3Vectors();
  restoreEnv = useAwsEnv(svc.env);
});

afterAll(async () => {
  restoreEnv();
  await svc.stop();
});

const lastBody = (operation: string) => svc.requests.filter((r) => r.operation === operation).at(-1)?.body;

const docs = [
  { key: 'doc-a', data: [1, 0, 0], metadata: { genre: 'news', year: 2020, tags: ['x', 'y'] } },
  { key: 'doc-b', data: [0.9, 0.1, 0], metadata: { genre: 'blog', year: 2022 } },
  { key: 'doc-c', data: [0, 1, 0], metadata: { genre: 'news', year: 2024, draft: true } },
  { key: 'doc-d', data: [0, 0, 1] },
];

describe('buckets', () => {
  test('create, get by name and by ARN, conflict, not found', async () => {
    const created = await runNode(
      's3vector_create_bucket',
      { vector_bucket_name: 'media-${ctx.env}' },
      { env: 'dev' },
    );
    expect(created).toEqual({
      s3vector_bucket_name: 'media-dev',
      s3vector_bucket_arn: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/media-dev',
      s3vector_success: true,
    });
    expect(lastBody('CreateVectorBucket')).toEqual({ vectorBucketName: 'media-dev' });

    const byName = await runNode('s3vector_get_bucket', { bucket: 'media-dev', output_key: 'vb' });
    expect(byName).toMatchObject({
      vb_bucket_name: 'media-dev',
      vb_bucket_arn: created.s3vector_bucket_arn,
      vb_encryption_configuration: { sseType: 'AES256' },
      vb_success: true,
    });
    expect(byName.vb_creation_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const byArn = await runNode('s3vector_get_bucket', { vector_bucket_arn: created.s3vector_bucket_arn });
    expect(byArn.s3vector_bucket_name).toBe('media-dev');
    expect(lastBody('GetVectorBucket')).toEqual({ vectorBucketArn: created.s3vector_bucket_arn });

    await expect(runNode('s3vector_create_bucket', { bucket: 'media-dev' })).rejects.toThrow(
      "s3vector_create_bucket: vector bucket 'media-dev' already exists or is busy (CreateVectorBucket: ConflictException",
    );
    await expect(runNode('s3vector_get_bucket', { bucket: 'absent-bucket' })).rejects.toThrow(
      "s3vector_get_bucket: vector bucket 'absent-bucket' not found (GetVectorBucket: NotFoundException: The specified vector bucket could not be found)",
    );
  });

  test('bucket name from the environment; missing and empty names', async () => {
    process.env.S3VECTOR_BUCKET_NAME = 'env-bucket';
    try {
      expect((await runNode('s3vector_create_bucket', {})).s3vector_bucket_name).toBe('env-bucket');
      expect((await runNode('s3vector_get_bucket', {})).s3vector_bucket_name).toBe('env-bucket');
    } finally {
      delete process.env.S3VECTOR_BUCKET_NAME;
    }
    process.env.S3_BUCKET = 'fallback-bucket';
    try {
      expect((await runNode('s3vector_create_bucket', {})).s3vector_bucket_name).toBe('fallback-bucket');
    } finally {
      delete process.env.S3_BUCKET;
    }
    await expect(runNode('s3vector_create_bucket', {})).rejects.toThrow(
      "s3vector_create_bucket requires 'vector_bucket_name' or S3VECTOR_BUCKET_NAME env var",
    );
    await expect(runNode('s3vector_create_bucket', { bucket: '${ctx.x}' })).rejects.toThrow(
      "s3vector_create_bucket requires 'vector_bucket_name' to be non-empty",
    );
    await expect(runNode('s3vector_get_bucket', {})).rejects.toThrow(
      "s3vector_get_bucket requires 'vector_bucket_name' or 'vector_bucket_arn'",
    );
  });
});

describe('indexes', () => {
  beforeAll(async () => {
    await runNode('s3vector_create_bucket', { bucket: 'idx-bucket' });
  });

  test('create and read back, by name and by ARN', async () => {
    const out = await runNode('s3vector_create_index', {
      bucket: 'idx-bucket',
      index: 'docs',
      data_type: 'float32',
      distance_metric: 'cosine',
      dimension: 3,
      non_filterable_metadata_keys: ['body'],
    });
    expect(out).toEqual({
      s3vector_index_name: 'docs',
      s3vector_bucket_name: 'idx-bucket',
      s3vector_distance_metric: 'cosine',
      s3vector_data_type: 'float32',
      s3vector_dimension: 3,
      s3vector_index_arn: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/idx-bucket/index/docs',
      s3vector_success: true,
    });
    expect(lastBody('CreateIndex')).toEqual({
      vectorBucketName: 'idx-bucket',
      indexName: 'docs',
      dataType: 'float32',
      dimension: 3,
      distanceMetric: 'cosine',
      metadataConfiguration: { nonFilterableMetadataKeys: ['body'] },
    });
    const got = await runNode('s3vector_get_index', { vector_bucket_name: 'idx-bucket', index_name: 'docs' });
    expect(got).toMatchObject({
      s3vector_index_name: 'docs',
      s3vector_index_arn: out.s3vector_index_arn,
      s3vector_bucket_name: 'idx-bucket',
      s3vector_dimension: 3,
      s3vector_distance_metric: 'cosine',
      s3vector_data_type: 'float32',
      s3vector_metadata_configuration: { nonFilterableMetadataKeys: ['body'] },
      s3vector_success: true,
    });
    expect(got.s3vector_creation_time).toMatch(/Z$/);
    const byArn = await runNode('s3vector_get_index', { index_arn: out.s3vector_index_arn });
    expect(byArn.s3vector_index_name).toBe('docs');
    expect(lastBody('GetIndex')).toEqual({ indexArn: out.s3vector_index_arn });
    // The bucket ARN supplies the bucket name an index name needs.
    const viaBucketArn = await runNode('s3vector_get_index', {
      vector_bucket_arn: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/idx-bucket',
      index_name: 'docs',
    });
    expect(viaBucketArn.s3vector_index_arn).toBe(out.s3vector_index_arn);
    expect(lastBody('GetIndex')).toEqual({ vectorBucketName: 'idx-bucket', indexName: 'docs' });
    // No metadata configuration → no output key.
    await runNode('s3vector_create_index', {
      vector_bucket_arn: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/idx-bucket',
      index_name: 'plain',
      data_type: 'float32',
      distance_metric: 'euclidean',
      dimension: 2,
    });
    expect(lastBody('CreateIndex')).toMatchObject({
      vectorBucketArn: expect.any(String),
      indexName: 'plain',
    });
    const plain = await runNode('s3vector_get_index', { bucket: 'idx-bucket', index: 'plain' });
    expect(plain).not.toHaveProperty('s3vector_metadata_configuration');
  });

  test('static checks and reference errors', async () => {
    expect(
      checkNode('s3vector_create_index', {
        bucket: 'b',
        index_name: 'i',
        data_type: 'float16',
        distance_metric: 'Cosine',
        dimension: 2.5,
      }),
    ).toEqual([
      "s3vector_create_index received unsupported data_type 'float16'",
      "s3vector_create_index received unsupported distance_metric 'Cosine'",
      "s3vector_create_index requires 'dimension' as an integer",
    ]);
    expect(
      checkNode('s3vector_create_index', { dimension: 0, data_type: 'float32', distance_metric: 'cosine' }),
    ).toEqual(["s3vector_create_index requires 'dimension' to be greater than zero"]);
    expect(checkNode('s3vector_create_index', {})).toEqual([
      "s3vector_create_index requires 'data_type'",
      "s3vector_create_index requires 'distance_metric'",
      "s3vector_create_index requires 'dimension'",
    ]);
    const spec = { data_type: 'float32', distance_metric: 'cosine', dimension: 3 };
    await expect(runNode('s3vector_create_index', { index: 'x', ...spec })).rejects.toThrow(
      "s3vector_create_index requires 'vector_bucket_name' or 'vector_bucket_arn'",
    );
    await expect(runNode('s3vector_create_index', { bucket: 'idx-bucket', ...spec })).rejects.toThrow(
      "s3vector_create_index requires 'index_name'",
    );
    await expect(runNode('s3vector_get_index', { bucket: 'idx-bucket' })).rejects.toThrow(
      "s3vector_get_index requires 'index_name' or 'index_arn'",
    );
    await expect(runNode('s3vector_get_index', { index_name: 'docs' })).rejects.toThrow(
      "s3vector_get_index requires a vector bucket when using 'index_name'",
    );
    await expect(runNode('s3vector_get_index', { bucket: 'idx-bucket', index: 'missing' })).rejects.toThrow(
      "s3vector_get_index: index 'missing' in vector bucket 'idx-bucket' not found (GetIndex: NotFoundException",
    );
  });
});

describe('vectors', () => {
  const idx = { bucket: 'vec-bucket', index_name: 'docs' };

  beforeAll(async () => {
    await runNode('s3vector_create_bucket', { bucket: 'vec-bucket' });
    await runNode('s3vector_create_index', {
      ...idx,
      data_type: 'float32',
      distance_metric: 'cosine',
      dimension: 3,
    });
    await runNode('s3vector_create_index', {
      bucket: 'vec-bucket',
      index_name: 'points',
      data_type: 'float32',
      distance_metric: 'euclidean',
      dimension: 2,
    });
  });

  test('put: literal list with interpolated keys, metadata passed as is', async () => {
    const vectors = docs.map((d) => ({ ...d, key: d.key === 'doc-a' ? '${ctx.first}' : d.key }));
    const out = await runNode('s3vector_put_vectors', { ...idx, vectors }, { first: 'doc-a' });
    expect(out).toEqual({
      s3vector_vector_count: 4,
      s3vector_vector_keys: ['doc-a', 'doc-b', 'doc-c', 'doc-d'],
      s3vector_success: true,
    });
    expect(lastBody('PutVectors')).toEqual({
      vectorBucketName: 'vec-bucket',
      indexName: 'docs',
      vectors: [
        { key: 'doc-a', data: { float32: [1, 0, 0] }, metadata: docs[0]!.metadata },
        { key: 'doc-b', data: { float32: [0.9, 0.1, 0] }, metadata: docs[1]!.metadata },
        { key: 'doc-c', data: { float32: [0, 1, 0] }, metadata: docs[2]!.metadata },
        { key: 'doc-d', data: { float32: [0, 0, 1] } },
      ],
    });
  });

  test('query: cosine nearest neighbours, computed', async () => {
    const out = await runNode('s3vector_query_vectors', {
      ...idx,
      query_vector: [1, 0.1, 0],
      top_k: 3,
      return_distance: true,
      return_metadata: true,
    });
    expect(out.s3vector_distance_metric).toBe('cosine');
    expect(out.s3vector_count).toBe(3);
    const v = out.s3vector_vectors as Array<{ key: string; distance: number; metadata?: unknown }>;
    expect(v.map((x) => x.key)).toEqual(['doc-b', 'doc-a', 'doc-c']);
    const cos = (a: number[], b: number[]) => {
      const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
      return dot / (Math.hypot(...a) * Math.hypot(...b));
    };
    expect(v[0]!.distance).toBeCloseTo(1 - cos([1, 0.1, 0], [0.9, 0.1, 0]), 6);
    expect(v[1]!.distance).toBeCloseTo(1 - cos([1, 0.1, 0], [1, 0, 0]), 6);
    expect(v[2]!.distance).toBeCloseTo(1 - cos([1, 0.1, 0], [0, 1, 0]), 6);
    expect(v[0]!.metadata).toEqual(docs[1]!.metadata);
    expect(lastBody('QueryVectors')).toEqual({
      vectorBucketName: 'vec-bucket',
      indexName: 'docs',
      topK: 3,
      queryVector: { float32: [1, 0.1, 0] },
      returnMetadata: true,
      returnDistance: true,
    });
  });

  test('query: distance and metadata only when asked', async () => {
    const out = await runNode('s3vector_query_vectors', { ...idx, query_vector: [0, 1, 0], top_k: 2 });
    expect(out.s3vector_vectors).toEqual([{ key: 'doc-c' }, { key: 'doc-b' }]);
  });

  test('query: min_similarity on cosine (distance requested, then hidden)', async () => {
    const out = await runNode('s3vector_query_vectors', {
      ...idx,
      query_vector: [1, 0, 0],
      top_k: 4,
      min_similarity: 0.9,
    });
    expect(lastBody('QueryVectors')?.returnDistance).toBe(true);
    expect(out).toMatchObject({
      s3vector_min_similarity: 0.9,
      s3vector_min_similarity_applied: true,
      s3vector_count: 2,
      s3vector_vectors: [{ key: 'doc-a' }, { key: 'doc-b' }],
    });
  });

  test('query: min_similarity on a euclidean index is ignored, or fails when strict', async () => {
    await runNode('s3vector_put_vectors', {
      bucket: 'vec-bucket',
      index: 'points',
      vectors: [
        { key: 'origin', data: [0, 0] },
        { key: 'p34', data: [3, 4] },
        { key: 'p11', data: [1, 1] },
      ],
    });
    const out = await runNode('s3vector_query_vectors', {
      bucket: 'vec-bucket',
      index: 'points',
      query_vector: [0, 0],
      top_k: 3,
      min_similarity: 0.5,
      return_distance: true,
    });
    expect(out.s3vector_min_similarity_applied).toBe(false);
    expect(out.s3vector_distance_metric).toBe('euclidean');
    const v = out.s3vector_vectors as Array<{ key: string; distance: number }>;
    expect(v.map((x) => x.key)).toEqual(['origin', 'p11', 'p34']);
    expect(v[1]!.distance).toBeCloseTo(Math.SQRT2, 6);
    expect(v[2]!.distance).toBe(5);
    await expect(
      runNode('s3vector_query_vectors', {
        bucket: 'vec-bucket',
        index: 'points',
        query_vector: [0, 0],
        top_k: 3,
        min_similarity: 0.5,
        strict: true,
      }),
    ).rejects.toThrow(
      's3vector_query_vectors min_similarity requires cosine distance metric when strict=true',
    );
  });

  test('query: metadata filters are applied by the service', async () => {
    const keys = async (filter: unknown) => {
      const out = await runNode('s3vector_query_vectors', {
        ...idx,
        query_vector: [1, 0, 0],
        top_k: 10,
        filter,
      });
      return (out.s3vector_vectors as Array<{ key: string }>).map((x) => x.key);
    };
    expect(await keys({ genre: 'news' })).toEqual(['doc-a', 'doc-c']);
    expect(await keys({ genre: { $ne: 'news' } })).toEqual(['doc-b', 'doc-d']);
    expect(await keys({ year: { $gte: 2022 } })).toEqual(['doc-b', 'doc-c']);
    expect(await keys({ year: { $gt: 2020, $lt: 2024 } })).toEqual(['doc-b']);
    expect(await keys({ genre: { $in: ['blog', 'other'] } })).toEqual(['doc-b']);
    expect(await keys({ genre: { $nin: ['blog', 'news'] } })).toEqual(['doc-d']);
    expect(await keys({ draft: { $exists: true } })).toEqual(['doc-c']);
    expect(await keys({ tags: 'y' })).toEqual(['doc-a']);
    expect(await keys({ $or: [{ genre: 'blog' }, { year: { $lte: 2020 } }] })).toEqual(['doc-a', 'doc-b']);
    expect(await keys({ $and: [{ genre: 'news' }, { year: { $eq: 2024 } }] })).toEqual(['doc-c']);
    // An empty table is no filter.
    expect(await keys({})).toEqual(['doc-a', 'doc-b', 'doc-c', 'doc-d']);
    expect(lastBody('QueryVectors')).not.toHaveProperty('filter');
    // filter_key: from the context; a missing key means no filter.
    const fromCtx = await runNode(
      's3vector_query_vectors',
      { ...idx, query_vector: [1, 0, 0], top_k: 10, filter_key: 'f' },
      { f: { genre: 'blog' } },
    );
    expect(fromCtx.s3vector_count).toBe(1);
    const noFilter = await runNode('s3vector_query_vectors', {
      ...idx,
      query_vector: [1, 0, 0],
      top_k: 10,
      filter_key: 'absent',
    });
    expect(noFilter.s3vector_count).toBe(4);
    expect(lastBody('QueryVectors')).not.toHaveProperty('filter');
    await expect(keys({ genre: { $regex: 'n.*' } })).rejects.toThrow(
      "s3vector_query_vectors: QueryVectors rejected the request for index 'docs' in vector bucket 'vec-bucket': Invalid filter: unsupported operator '$regex'",
    );
  });

  test('query vector from the context, by index ARN only', async () => {
    const arn = 'arn:aws:s3vectors:us-east-1:123456789012:bucket/vec-bucket/index/docs';
    const out = await runNode(
      's3vector_query_vectors',
      { index_arn: arn, query_vector_key: 'emb', top_k: 1 },
      { emb: [0, 0, 2] },
    );
    expect(out.s3vector_vectors).toEqual([{ key: 'doc-d' }]);
    expect(lastBody('QueryVectors')).toMatchObject({ indexArn: arn });
    expect(lastBody('QueryVectors')).not.toHaveProperty('vectorBucketName');
    await expect(
      runNode('s3vector_query_vectors', { index_arn: arn, query_vector_key: 'nope', top_k: 1 }),
    ).rejects.toThrow("s3vector_query_vectors requires 'nope' in context");
  });

  test('a vector of the wrong dimension is refused, naming the operation and the key', async () => {
    await expect(
      runNode('s3vector_put_vectors', { ...idx, vectors: [{ key: 'short', data: [1, 2] }] }),
    ).rejects.toThrow(
      "s3vector_put_vectors: PutVectors rejected the request for index 'docs' in vector bucket 'vec-bucket': Invalid record for key 'short': vectors[0].data has 2 dimensions, but the index dimension is 3",
    );
    await expect(
      runNode('s3vector_query_vectors', { ...idx, query_vector: [1, 2], top_k: 1 }),
    ).rejects.toThrow('QueryVectors rejected the request');
    // Mixed lengths within one call are caught before sending: statically for a literal list, at run
    // time for a list from the context.
    const mixed = [
      { key: 'a', data: [1, 2, 3] },
      { key: 'b', data: [1, 2] },
    ];
    const text =
      's3vector_put_vectors requires every vector to have the same dimension (vector[0] has 3 values, vector[1] has 2)';
    expect(checkNode('s3vector_put_vectors', { ...idx, vectors: mixed })).toEqual([text]);
    const before = svc.requests.length;
    await expect(
      runNode('s3vector_put_vectors', { ...idx, vectors_source_key: 'm' }, { m: mixed }),
    ).rejects.toThrow(text);
    expect(svc.requests.length).toBe(before);
  });

  test('put from the context in batches of 500', async () => {
    const many = Array.from({ length: 1201 }, (_, i) => ({ key: `bulk-${i}`, data: [i + 1, 1, 0] }));
    const before = svc.requests.filter((r) => r.operation === 'PutVectors').length;
    const out = await runNode(
      's3vector_put_vectors',
      { bucket: 'vec-bucket', index: 'docs', vectors_source_key: 'rows' },
      { rows: many },
    );
    expect(out.s3vector_vector_count).toBe(1201);
    const puts = svc.requests.filter((r) => r.operation === 'PutVectors').slice(before);
    expect(puts.map((r) => (r.body.vectors as unknown[]).length)).toEqual([500, 500, 201]);
    const del = await runNode(
      's3vector_delete_vectors',
      { ...idx, keys_source_key: 'k' },
      { k: many.map((m) => m.key) },
    );
    expect(del.s3vector_deleted_count).toBe(1201);
  });

  test('delete: interpolated keys; the vectors are gone', async () => {
    const out = await runNode(
      's3vector_delete_vectors',
      { ...idx, keys: ['${ctx.k}', 'doc-d'] },
      { k: 'doc-c' },
    );
    expect(out).toEqual({
      s3vector_deleted_count: 2,
      s3vector_deleted_keys: ['doc-c', 'doc-d'],
      s3vector_success: true,
    });
    expect(lastBody('DeleteVectors')).toEqual({
      vectorBucketName: 'vec-bucket',
      indexName: 'docs',
      keys: ['doc-c', 'doc-d'],
    });
    const q = await runNode('s3vector_query_vectors', { ...idx, query_vector: [0, 1, 1], top_k: 10 });
    expect((q.s3vector_vectors as Array<{ key: string }>).map((x) => x.key).sort()).toEqual([
      'doc-a',
      'doc-b',
    ]);
  });

  test('put/query/delete parameter errors', async () => {
    expect(checkNode('s3vector_put_vectors', idx)).toEqual([
      "s3vector_put_vectors requires 'vectors' array or 'vectors_source_key'",
    ]);
    expect(checkNode('s3vector_put_vectors', { ...idx, vectors: [] })).toEqual([
      "s3vector_put_vectors requires at least one vector in 'vectors'",
    ]);
    expect(checkNode('s3vector_put_vectors', { ...idx, vectors: ['x'] })).toEqual([
      's3vector_put_vectors expects each vector entry to be an object',
    ]);
    expect(checkNode('s3vector_put_vectors', { ...idx, vectors: [{ key: 1, data: [1] }] })).toEqual([
      's3vector_put_vectors requires vector[0].key to be a string',
    ]);
    expect(checkNode('s3vector_put_vectors', { ...idx, vectors: [{ key: 'k', data: ['a'] }] })).toEqual([
      's3vector_put_vectors requires vector[0].data to be an array of numbers',
    ]);
    expect(
      checkNode('s3vector_put_vectors', { ...idx, vectors: [{ key: '${ctx.a or 1}', data: [1] }] })[0],
    ).toMatch(/invalid placeholder/);
    await expect(runNode('s3vector_put_vectors', { ...idx, vectors_source_key: 'none' })).rejects.toThrow(
      "s3vector_put_vectors requires source key 'none' to exist in context",
    );
    await expect(
      runNode('s3vector_put_vectors', { ...idx, vectors_source_key: 'v' }, { v: 'text' }),
    ).rejects.toThrow("s3vector_put_vectors requires 'vectors' to be an array");
    expect(checkNode('s3vector_query_vectors', idx)).toEqual([
      "s3vector_query_vectors requires 'top_k'",
      "s3vector_query_vectors requires 'query_vector' or 'query_vector_key'",
    ]);
    expect(
      checkNode('s3vector_query_vectors', { ...idx, top_k: 0, query_vector: [1], min_similarity: 1.5 }),
    ).toEqual([
      "s3vector_query_vectors requires 'top_k' to be greater than zero",
      "s3vector_query_vectors requires 'min_similarity' to be between 0 and 1",
    ]);
    expect(checkNode('s3vector_delete_vectors', idx)).toEqual(["s3vector_delete_vectors requires 'keys'"]);
    expect(checkNode('s3vector_delete_vectors', { ...idx, keys: [] })).toEqual([
      "s3vector_delete_vectors requires 'keys' to be a non-empty array",
    ]);
    expect(checkNode('s3vector_delete_vectors', { ...idx, keys: ['a', 2] })).toEqual([
      "s3vector_delete_vectors requires each 'keys' item to be a string",
    ]);
    await expect(runNode('s3vector_delete_vectors', { ...idx, keys_source_key: 'ks' })).rejects.toThrow(
      "s3vector_delete_vectors requires 'keys' source key 'ks' to exist in context",
    );
    await expect(
      runNode('s3vector_delete_vectors', { ...idx, keys_source_key: 'ks' }, { ks: {} }),
    ).rejects.toThrow("s3vector_delete_vectors requires 'keys' to be an array");
  });

  test('index from the environment; the config wins over it', async () => {
    process.env.S3VECTOR_BUCKET_NAME = 'vec-bucket';
    process.env.S3VECTOR_INDEX_NAME = 'points';
    try {
      const env = await runNode('s3vector_get_index', {});
      expect(env.s3vector_index_name).toBe('points');
      const cfg = await runNode('s3vector_get_index', { index_name: 'docs' });
      expect(cfg.s3vector_index_name).toBe('docs');
      // A configured value that renders empty does not fall back to the environment.
      await expect(runNode('s3vector_get_bucket', { bucket: '${ctx.none}' })).rejects.toThrow(
        "s3vector_get_bucket requires 'vector_bucket_name' or 'vector_bucket_arn'",
      );
      await expect(runNode('s3vector_get_index', { index: '${ctx.none}' })).rejects.toThrow(
        "s3vector_get_index requires 'index_name' or 'index_arn'",
      );
      // An ARN in the config is used alone, not mixed with the environment's bucket name.
      const arn = await runNode('s3vector_get_index', {
        index_arn: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/vec-bucket/index/docs',
      });
      expect(arn.s3vector_index_name).toBe('docs');
      expect(lastBody('GetIndex')).toEqual({
        indexArn: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/vec-bucket/index/docs',
      });
    } finally {
      delete process.env.S3VECTOR_BUCKET_NAME;
      delete process.env.S3VECTOR_INDEX_NAME;
    }
  });
});

describe('client and credentials', () => {
  test('wrong credentials: the server answer, never the secret', async () => {
    const secret = 'not-the-right-secret-42';
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    try {
      const err = (await runNode('s3vector_get_bucket', { bucket: 'vec-bucket' }).catch(
        (e: Error) => e,
      )) as Error;
      expect(err.message).toMatch(
        /^s3vector_get_bucket: GetVectorBucket was refused by the server \(HTTP 403\): InvalidSignatureException: The request signature we calculated does not match/,
      );
      expect(err.message).not.toContain(secret);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = saved;
    }
  });

  test('one cached client per settings, destroyed at shutdown', async () => {
    const pool = new CountingPool();
    await runNode('s3vector_get_bucket', { bucket: 'vec-bucket' }, {}, { resources: pool });
    await runNode('s3vector_get_index', { bucket: 'vec-bucket', index: 'docs' }, {}, { resources: pool });
    expect(pool.created).toHaveLength(1);
    await pool.closeAll();
    expect(pool.closed).toBe(1);
  });

  test('a cancelled step', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      runNode('s3vector_get_bucket', { bucket: 'vec-bucket' }, {}, { signal: ac.signal }),
    ).rejects.toThrow('s3vector_get_bucket: GetVectorBucket was cancelled');
  });
});
