// s3vector_create_index and s3vector_get_index (NODES 7.3, 7.4).
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { configOrEnv, rfc3339 } from '../s3/aws.js';
import { defineNode } from '../types.js';
import { plain } from './buckets.js';
import {
  bucketRef,
  bucketRefParams,
  describeIndex,
  indexRefParams,
  indexTarget,
  vectorCall,
  vectorClient,
  vectorClientParams,
  vectorSettings,
} from './client.js';

const DATA_TYPES = ['float32'];
const METRICS = ['euclidean', 'cosine'];

type Problem = { path: string; message: string };

function checkIndexSpec(cfg: Record<string, unknown>): Problem[] {
  const node = 's3vector_create_index';
  const out: Problem[] = [];
  if (typeof cfg.data_type === 'string' && !DATA_TYPES.includes(cfg.data_type)) {
    out.push({ path: '$.data_type', message: `${node} received unsupported data_type '${cfg.data_type}'` });
  }
  if (typeof cfg.distance_metric === 'string' && !METRICS.includes(cfg.distance_metric)) {
    out.push({
      path: '$.distance_metric',
      message: `${node} received unsupported distance_metric '${cfg.distance_metric}'`,
    });
  }
  const d = cfg.dimension;
  if (typeof d === 'number') {
    if (!Number.isInteger(d))
      out.push({ path: '$.dimension', message: `${node} requires 'dimension' as an integer` });
    else if (d <= 0)
      out.push({ path: '$.dimension', message: `${node} requires 'dimension' to be greater than zero` });
  }
  const keys = cfg.non_filterable_metadata_keys;
  if (Array.isArray(keys) && keys.some((k) => typeof k !== 'string' || k === '')) {
    out.push({
      path: '$.non_filterable_metadata_keys',
      message: `${node} requires each 'non_filterable_metadata_keys' item to be a non-empty string`,
    });
  }
  return out;
}

export const s3vectorCreateIndex = defineNode({
  name: 's3vector_create_index',
  category: 'S3 Vector',
  description: 'Create a vector index',
  params: {
    ...bucketRefParams,
    index_name: indexRefParams.index_name,
    index: indexRefParams.index,
    data_type: p.string({ description: "Vector data type: 'float32'", required: true }),
    distance_metric: p.string({ description: "'euclidean' or 'cosine' (case-sensitive)", required: true }),
    dimension: p.number({ description: 'Values per vector, an integer > 0', required: true }),
    non_filterable_metadata_keys: p.array({
      description: 'Metadata keys stored with vectors but not usable in query filters (e.g. the chunk text)',
    }),
    ...vectorClientParams,
  },
  outputs: {
    '{ok}_index_name': 'index name',
    '{ok}_index_arn': 'index ARN, when returned',
    '{ok}_bucket_name': 'when the bucket was named',
    '{ok}_bucket_arn': 'when the bucket was given by ARN',
    '{ok}_distance_metric': 'metric',
    '{ok}_data_type': 'data type',
    '{ok}_dimension': 'dimension',
    '{ok}_success': 'true',
  },
  check: checkIndexSpec,
  async run(cfg, nc) {
    const node = 's3vector_create_index';
    const ok = cfg.output_key;
    const bucket = bucketRef(cfg);
    if (bucket.name === undefined && bucket.arn === undefined) {
      throw new NodeError(`${node} requires 'vector_bucket_name' or 'vector_bucket_arn'`);
    }
    const name = configOrEnv(cfg.index_name ?? cfg.index, 'S3VECTOR_INDEX_NAME');
    if (name === undefined) throw new NodeError(`${node} requires 'index_name'`);
    if (name.trim() === '') throw new NodeError(`${node} requires 'index_name' to be non-empty`);
    const [problem] = checkIndexSpec(cfg);
    if (problem) throw new NodeError(problem.message);
    const dimension = cfg.dimension;
    const keys = (cfg.non_filterable_metadata_keys ?? []) as string[];
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { CreateIndexCommand } = await import('@aws-sdk/client-s3vectors');
    const where =
      bucket.name !== undefined ? `vector bucket '${bucket.name}'` : `vector bucket '${bucket.arn}'`;
    const res = await vectorCall(node, 'CreateIndex', nc, s, `index '${name}' in ${where}`, () =>
      client.send(
        new CreateIndexCommand({
          ...(bucket.name !== undefined
            ? { vectorBucketName: bucket.name }
            : { vectorBucketArn: bucket.arn }),
          indexName: name,
          dataType: cfg.data_type as 'float32',
          dimension,
          distanceMetric: cfg.distance_metric as 'euclidean' | 'cosine',
          ...(keys.length > 0 ? { metadataConfiguration: { nonFilterableMetadataKeys: keys } } : {}),
        }),
        { abortSignal: nc.signal },
      ),
    );
    return {
      [`${ok}_index_name`]: name,
      ...(bucket.name !== undefined ? { [`${ok}_bucket_name`]: bucket.name } : {}),
      ...(bucket.arn !== undefined ? { [`${ok}_bucket_arn`]: bucket.arn } : {}),
      [`${ok}_distance_metric`]: cfg.distance_metric,
      [`${ok}_data_type`]: cfg.data_type,
      [`${ok}_dimension`]: dimension,
      ...(res.indexArn !== undefined ? { [`${ok}_index_arn`]: res.indexArn } : {}),
      [`${ok}_success`]: true,
    };
  },
});

export const s3vectorGetIndex = defineNode({
  name: 's3vector_get_index',
  category: 'S3 Vector',
  description: 'Read vector-index metadata',
  params: { ...bucketRefParams, ...indexRefParams, ...vectorClientParams },
  outputs: {
    '{ok}_index_name': 'index name',
    '{ok}_index_arn': 'index ARN',
    '{ok}_bucket_name': 'bucket name',
    '{ok}_dimension': 'dimension',
    '{ok}_distance_metric': 'metric',
    '{ok}_data_type': 'data type',
    '{ok}_creation_time': 'RFC 3339',
    '{ok}_metadata_configuration': '{nonFilterableMetadataKeys: [...]}, when present',
    '{ok}_success': 'true',
  },
  async run(cfg, nc) {
    const node = 's3vector_get_index';
    const ok = cfg.output_key;
    const target = indexTarget(node, cfg);
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { GetIndexCommand } = await import('@aws-sdk/client-s3vectors');
    const res = await vectorCall(node, 'GetIndex', nc, s, describeIndex(target), () =>
      client.send(new GetIndexCommand({ ...target }), { abortSignal: nc.signal }),
    );
    const i = res.index;
    return {
      [`${ok}_index_name`]: i?.indexName ?? target.indexName ?? '',
      [`${ok}_index_arn`]: i?.indexArn ?? target.indexArn ?? '',
      [`${ok}_bucket_name`]: i?.vectorBucketName ?? target.vectorBucketName ?? '',
      [`${ok}_dimension`]: i?.dimension ?? 0,
      [`${ok}_distance_metric`]: i?.distanceMetric ?? '',
      [`${ok}_data_type`]: i?.dataType ?? '',
      [`${ok}_creation_time`]: rfc3339(i?.creationTime) ?? '',
      ...(i?.metadataConfiguration !== undefined
        ? { [`${ok}_metadata_configuration`]: plain(i.metadataConfiguration) }
        : {}),
      [`${ok}_success`]: true,
    };
  },
});
