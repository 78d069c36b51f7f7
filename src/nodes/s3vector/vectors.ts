// s3vector_put_vectors and s3vector_delete_vectors (NODES 7.5, 7.7). Vectors are sent as float32 data; puts
// and deletes go out in batches of the service's per-request maximum (500).
import type { PutInputVector } from '@aws-sdk/client-s3vectors';
import { lintTemplate } from '../../engine/interpolate.js';
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

/** Vectors or keys per PutVectors / DeleteVectors request (the service maximum). */
export const BATCH = 500;
const FLOAT32_MAX = 3.4028234663852886e38;

export type Problem = { path: string; message: string };

export const isFloat32 = (x: unknown): x is number =>
  typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= FLOAT32_MAX;

interface PutVector {
  key: string;
  data: { float32: number[] };
  metadata?: unknown;
}

/** Check a vectors list; `key` renders each entry's key (literal lists interpolate it). */
function parseVectors(node: string, list: unknown, key: (k: string) => string): PutVector[] | Problem {
  const fail = (path: string, message: string): Problem => ({ path, message: `${node} ${message}` });
  if (!Array.isArray(list)) return fail('$.vectors', "requires 'vectors' to be an array");
  if (list.length === 0) return fail('$.vectors', "requires at least one vector in 'vectors'");
  const out: PutVector[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (!isPlainObject(e)) return fail(`$.vectors[${i}]`, 'expects each vector entry to be an object');
    if (typeof e.key !== 'string')
      return fail(`$.vectors[${i}].key`, `requires vector[${i}].key to be a string`);
    const d = e.data;
    if (!Array.isArray(d) || d.length === 0 || !d.every(isFloat32)) {
      return fail(`$.vectors[${i}].data`, `requires vector[${i}].data to be an array of numbers`);
    }
    const first = out[0];
    if (first && first.data.float32.length !== d.length) {
      return fail(
        `$.vectors[${i}].data`,
        `requires every vector to have the same dimension (vector[0] has ${first.data.float32.length} values, vector[${i}] has ${d.length})`,
      );
    }
    out.push({
      key: key(e.key),
      data: { float32: d as number[] },
      ...(e.metadata !== undefined && e.metadata !== null ? { metadata: e.metadata } : {}),
    });
  }
  return out;
}

export const s3vectorPutVectors = defineNode({
  name: 's3vector_put_vectors',
  category: 'S3 Vector',
  description: 'Upsert vectors (+metadata)',
  params: {
    ...bucketRefParams,
    ...indexRefParams,
    vectors: p.array({
      description:
        'Literal list of {key, data: [numbers], metadata?}; only each key is interpolated (metadata is passed as is)',
    }),
    vectors_source_key: p.string({ description: 'Context key holding such a list', interpolate: 'string' }),
    ...vectorClientParams,
  },
  outputs: {
    '{ok}_vector_count': 'vectors written',
    '{ok}_vector_keys': 'their keys',
    '{ok}_success': 'true',
  },
  check(cfg) {
    const node = 's3vector_put_vectors';
    if (cfg.vectors === undefined || cfg.vectors === null) {
      return cfg.vectors_source_key === undefined || cfg.vectors_source_key === null
        ? [{ path: '$.vectors', message: `${node} requires 'vectors' array or 'vectors_source_key'` }]
        : [];
    }
    if (!Array.isArray(cfg.vectors)) return []; // the type check reports it
    const problems: Problem[] = [];
    cfg.vectors.forEach((e, i) => {
      if (isPlainObject(e) && typeof e.key === 'string') {
        for (const message of lintTemplate(e.key)) problems.push({ path: `$.vectors[${i}].key`, message });
      }
    });
    const parsed = parseVectors(node, cfg.vectors, (k) => k);
    if (!Array.isArray(parsed)) problems.push(parsed);
    return problems;
  },
  async run(cfg, nc) {
    const node = 's3vector_put_vectors';
    const ok = cfg.output_key;
    let parsed: PutVector[] | Problem;
    if (cfg.vectors !== undefined) {
      parsed = parseVectors(node, cfg.vectors, (k) => nc.interpolate(k));
    } else if (typeof cfg.vectors_source_key === 'string') {
      const k = cfg.vectors_source_key;
      if (!Object.hasOwn(nc.ctx, k))
        throw new NodeError(`${node} requires source key '${k}' to exist in context`);
      parsed = parseVectors(node, nc.ctx[k], (x) => x);
    } else {
      throw new NodeError(`${node} requires 'vectors' array or 'vectors_source_key'`);
    }
    if (!Array.isArray(parsed)) throw new NodeError(parsed.message);
    const vectors = parsed;
    const target = indexTarget(node, cfg);
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { PutVectorsCommand } = await import('@aws-sdk/client-s3vectors');
    for (let i = 0; i < vectors.length; i += BATCH) {
      const batch = vectors.slice(i, i + BATCH);
      await vectorCall(node, 'PutVectors', nc, s, describeIndex(target), () =>
        client.send(
          new PutVectorsCommand({
            ...target,
            vectors: batch as PutInputVector[],
          }),
          { abortSignal: nc.signal },
        ),
      );
    }
    return {
      [`${ok}_vector_count`]: vectors.length,
      [`${ok}_vector_keys`]: vectors.map((v) => v.key),
      [`${ok}_success`]: true,
    };
  },
});

/** Check a keys list (`keys` or the context value behind keys_source_key). */
function parseKeys(node: string, list: unknown): string[] | Problem {
  const fail = (message: string): Problem => ({ path: '$.keys', message: `${node} ${message}` });
  if (!Array.isArray(list)) return fail("requires 'keys' to be an array");
  if (!list.every((k) => typeof k === 'string')) return fail("requires each 'keys' item to be a string");
  if (list.length === 0) return fail("requires 'keys' to be a non-empty array");
  return list as string[];
}

export const s3vectorDeleteVectors = defineNode({
  name: 's3vector_delete_vectors',
  category: 'S3 Vector',
  description: 'Delete vectors by key',
  params: {
    ...bucketRefParams,
    ...indexRefParams,
    keys: p.array({ description: 'Keys to delete (each interpolated)', interpolate: 'deep' }),
    keys_source_key: p.string({ description: 'Context key holding an array of keys', interpolate: 'string' }),
    ...vectorClientParams,
  },
  outputs: {
    '{ok}_deleted_count': 'keys sent for deletion',
    '{ok}_deleted_keys': 'those keys',
    '{ok}_success': 'true',
  },
  check(cfg) {
    const node = 's3vector_delete_vectors';
    if (cfg.keys === undefined || cfg.keys === null) {
      return cfg.keys_source_key === undefined || cfg.keys_source_key === null
        ? [{ path: '$.keys', message: `${node} requires 'keys'` }]
        : [];
    }
    if (!Array.isArray(cfg.keys)) return [];
    const parsed = parseKeys(node, cfg.keys);
    return Array.isArray(parsed) ? [] : [parsed];
  },
  async run(cfg, nc) {
    const node = 's3vector_delete_vectors';
    const ok = cfg.output_key;
    let parsed: string[] | Problem;
    if (cfg.keys !== undefined) parsed = parseKeys(node, cfg.keys);
    else if (typeof cfg.keys_source_key === 'string') {
      const k = cfg.keys_source_key;
      if (!Object.hasOwn(nc.ctx, k)) {
        throw new NodeError(`${node} requires 'keys' source key '${k}' to exist in context`);
      }
      parsed = parseKeys(node, nc.ctx[k]);
    } else {
      throw new NodeError(`${node} requires 'keys'`);
    }
    if (!Array.isArray(parsed)) throw new NodeError(parsed.message);
    const keys = parsed;
    const target = indexTarget(node, cfg);
    const s = vectorSettings(node, cfg);
    const client = await vectorClient(nc, s);
    const { DeleteVectorsCommand } = await import('@aws-sdk/client-s3vectors');
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      await vectorCall(node, 'DeleteVectors', nc, s, describeIndex(target), () =>
        client.send(new DeleteVectorsCommand({ ...target, keys: batch }), { abortSignal: nc.signal }),
      );
    }
    return { [`${ok}_deleted_count`]: keys.length, [`${ok}_deleted_keys`]: keys, [`${ok}_success`]: true };
  },
});
