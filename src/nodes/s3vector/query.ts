// s3vector_query_vectors (NODES 7.6): k nearest neighbours, with an optional metadata filter and an optional
// similarity threshold that applies to cosine indexes.
import type { QueryVectorsInput } from '@aws-sdk/client-s3vectors';
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import {
  bucketRefParams,
  describeIndex,
  indexRefParams,
  indexTarget,
  vectorCall,
  vectorClient,
  vectorClientParams,
  vectorSettings,
} from './client.js';
import { isFloat32, type Problem } from './vectors.js';

const isQueryVector = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isFloat32);

export const s3vectorQueryVectors = defineNode({
  name: 's3vector_query_vectors',
  category: 'S3 Vector',
  description: 'k-NN query, optional cosine threshold',
  params: {
    ...bucketRefParams,
    ...indexRefParams,
    top_k: p.integer({ description: 'Number of nearest vectors to return (> 0)', required: true }),
    query_vector: p.array({ description: 'The query vector (numbers)' }),
    query_vector_key: p.string({
      description: 'Context key holding the query vector',
      interpolate: 'string',
    }),
    filter: p.any({ description: 'Metadata filter, passed to the service as is (e.g. {genre = "drama"})' }),
    filter_key: p.string({
      description:
        "Context key holding the filter (used when 'filter' is absent; a missing key means no filter)",
      interpolate: 'string',
    }),
    return_metadata: p.boolean({ description: 'Include each match’s metadata', default: false }),
    return_distance: p.boolean({ description: 'Include each match’s distance', default: false }),
    min_similarity: p.number({
      description: 'Cosine indexes: keep matches with 1 - distance >= this (0..1)',
    }),
    strict: p.boolean({
      description: 'Fail when min_similarity is set and the index metric is not cosine (default: ignore it)',
      default: false,
    }),
    ...vectorClientParams,
  },
  outputs: {
    '{ok}_vectors': 'array of {key, distance?, metadata?}, nearest first',
    '{ok}_count': 'number of matches',
    '{ok}_distance_metric': 'the index metric, when returned',
    '{ok}_min_similarity': 'the threshold, when given',
    '{ok}_min_similarity_applied': 'whether the threshold was applied (cosine only)',
    '{ok}_success': 'true',
  },
  check(cfg) {
    const node = 's3vector_query_vectors';
    const out: Problem[] = [];
    if (typeof cfg.top_k === 'number' && cfg.top_k <= 0) {
      out.push({ path: '$.top_k', message: `${node} requires 'top_k' to be greater than zero` });
    }
    if (cfg.query_vector === undefined && cfg.query_vector_key === undefined) {
      out.push({ path: '$.query_vector', message: `${node} requires 'query_vector' or 'query_vector_key'` });
    } else if (Array.isArray(cfg.query_vector) && !isQueryVector(cfg.query_vector)) {
      out.push({
        path: '$.query_vector',
        message: `${node} requires 'query_vector' to be a non-empty array of finite numbers`,
      });
    }
    const m = cfg.min_similarity;
    if (typeof m === 'number' && (m < 0 || m > 1)) {
      out.push({
        path: '$.min_similarity',
        message: `${node} requires 'min_similarity' to be between 0 and 1`,
      });
    }
    return out;
  },
  async run(cfg, nc) {
    const node = 's3vector_query_vectors';
    const ok = cfg.output_key;
    if (!Number.isInteger(cfg.top_k) || cfg.top_k <= 0) {
      throw new NodeError(`${node} requires 'top_k' to be greater than zero`);
    }
    const minSimilarity = cfg.min_similarity;
    if (minSimilarity !== undefined && !(minSimilarity >= 0 && minSimilarity <= 1)) {
      throw new NodeError(`${node} requires 'min_similarity' to be between 0 and 1`);
    }
    let vector: number[];
    if (cfg.query_vector !== undefined) {
      if (!isQueryVector(cfg.query_vector)) {
        throw new NodeError(`${node} requires 'query_vector' to be a non-empty array of finite numbers`);
      }
      vector = cfg.query_vector;
    } else if (typeof cfg.query_vector_key === 'string') {
      const k = cfg.query_vector_key;
      if (!Object.hasOwn(nc.ctx, k)) throw new NodeError(`${node} requires '${k}' in context`);
      const v = nc.ctx[k];
      if (!isQueryVector(v))
        throw new NodeError(`${node} requires '${k}' to be a non-empty array of finite numbers`);
      vector = v;
    } else {
      throw new NodeError(`${node} requires 'query_vector' or 'query_vector_key'`);
    }
    // An empty object (what an empty Lua table becomes) means "no filter", like an absent one.
    const usable = (f: unknown) =>
      f !== undefined && f !== null && !(isPlainObject(f) && Object.keys(f).length === 0);
    let filter: unknown;
    if (cfg.filter !== undefined && cfg.filter !== null) {
      if (usable(cfg.filter)) filter = cfg.filter;
    } else if (typeof cfg.filter_key === 'string' && Object.hasOwn(nc.ctx, cfg.filter_key)) {
      const f = nc.ctx[cfg.filter_key];
      if (usable(f)) filter = f;
    }
    const target = indexTarget(node, cfg);
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { QueryVectorsCommand } = await import('@aws-sdk/client-s3vectors');
    const res = await vectorCall(node, 'QueryVectors', nc, s, describeIndex(target), () =>
      client.send(
        new QueryVectorsCommand({
          ...target,
          topK: cfg.top_k,
          queryVector: { float32: vector },
          ...(filter !== undefined ? { filter: filter as QueryVectorsInput['filter'] } : {}),
          returnMetadata: cfg.return_metadata,
          returnDistance: cfg.return_distance || minSimilarity !== undefined,
        }),
        { abortSignal: nc.signal },
      ),
    );
    let matches = res.vectors ?? [];
    let applied: boolean | undefined;
    if (minSimilarity !== undefined) {
      if (res.distanceMetric === 'cosine') {
        matches = matches.filter((v) => typeof v.distance === 'number' && 1 - v.distance >= minSimilarity);
        applied = true;
      } else if (cfg.strict) {
        throw new NodeError(`${node} min_similarity requires cosine distance metric when strict=true`);
      } else {
        applied = false;
      }
    }
    const vectors = matches.map((v) => ({
      key: v.key ?? '',
      ...(cfg.return_distance && v.distance !== undefined ? { distance: v.distance } : {}),
      ...(cfg.return_metadata && v.metadata !== undefined ? { metadata: v.metadata } : {}),
    }));
    return {
      ...(res.distanceMetric !== undefined ? { [`${ok}_distance_metric`]: res.distanceMetric } : {}),
      ...(minSimilarity !== undefined
        ? { [`${ok}_min_similarity`]: minSimilarity, [`${ok}_min_similarity_applied`]: applied }
        : {}),
      [`${ok}_count`]: vectors.length,
      [`${ok}_vectors`]: vectors,
      [`${ok}_success`]: true,
    };
  },
});
