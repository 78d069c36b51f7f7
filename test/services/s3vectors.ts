// A stand-in for Amazon S3 Vectors on a free loopback port (no emulator exists in npm or Debian). It speaks
// the REST-JSON shapes the AWS SDK sends (POST /<Operation>, camelCase JSON, errors as
// `x-amzn-ErrorType` + `{"message"}`), checks SigV4 signatures, and really computes: queries are a
// brute-force nearest-neighbour search (cosine distance = 1 - cos, euclidean = L2) over float32 data, with
// metadata filters ($eq $ne $gt $gte $lt $lte $in $nin $exists $and $or, implicit equality).
// Operations: CreateVectorBucket, GetVectorBucket, CreateIndex, GetIndex, PutVectors, QueryVectors,
// DeleteVectors.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, verifySigV4 } from './s3.js';

export const VECTORS_ACCESS_KEY_ID = 'test';
export const VECTORS_SECRET_ACCESS_KEY = 'test';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const MAX_BODY = 32 * 1024 * 1024;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface StoredVector {
  data: Float32Array;
  metadata?: Obj;
}

interface VectorIndex {
  name: string;
  arn: string;
  bucketName: string;
  creationTime: number;
  dataType: 'float32';
  dimension: number;
  distanceMetric: 'cosine' | 'euclidean';
  nonFilterable: string[];
  vectors: Map<string, StoredVector>;
}

interface VectorBucket {
  name: string;
  arn: string;
  creationTime: number;
  encryption: Obj;
  indexes: Map<string, VectorIndex>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fieldList?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

const invalid = (message: string, path?: string) =>
  new ApiError(400, 'ValidationException', message, path ? [{ path, message }] : undefined);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

// ---------------------------------------------------------------------------------------------------------
// Metadata filters

function filterFields(filter: Json, out: Set<string>): void {
  if (!isObj(filter)) return;
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' || k === '$or') {
      if (Array.isArray(v)) for (const sub of v) filterFields(sub, out);
    } else out.add(k);
  }
}

function evalOp(op: string, arg: Json, value: Json | undefined): boolean {
  const eq = (x: Json | undefined, c: Json) => (Array.isArray(x) ? x.some((e) => e === c) : x === c);
  switch (op) {
    case '$eq':
    case '$ne': {
      if (!isPrimitive(arg)) throw invalid(`Invalid filter: ${op} expects a string, number or boolean`);
      return op === '$eq' ? eq(value, arg) : !eq(value, arg);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof arg !== 'number') throw invalid(`Invalid filter: ${op} expects a number`);
      if (typeof value !== 'number') return false;
      return op === '$gt'
        ? value > arg
        : op === '$gte'
          ? value >= arg
          : op === '$lt'
            ? value < arg
            : value <= arg;
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(arg) || arg.length === 0 || !arg.every(isPrimitive)) {
        throw invalid(`Invalid filter: ${op} expects a non-empty array of strings, numbers or booleans`);
      }
      const hit = arg.some((c) => eq(value, c));
      return op === '$in' ? hit : !hit;
    }
    case '$exists':
      if (typeof arg !== 'boolean') throw invalid('Invalid filter: $exists expects a boolean');
      return (value !== undefined) === arg;
    default:
      throw invalid(`Invalid filter: unsupported operator '${op}'`);
  }
}

function matches(filter: Json, metadata: Obj | undefined): boolean {
  if (!isObj(filter) || Object.keys(filter).length === 0)
    throw invalid('Invalid filter: expected a non-empty object');
  return Object.entries(filter).every(([k, cond]) => {
    if (k === '$and' || k === '$or') {
      if (!Array.isArray(cond) || cond.length === 0)
        throw invalid(`Invalid filter: ${k} expects a non-empty array`);
      return k === '$and' ? cond.every((f) => matches(f, metadata)) : cond.some((f) => matches(f, metadata));
    }
    if (k.startsWith('$')) throw invalid(`Invalid filter: unsupported operator '${k}'`);
    const value = metadata?.[k];
    if (isObj(cond)) {
      const ops = Object.entries(cond);
      if (ops.length === 0 || !ops.every(([o]) => o.startsWith('$'))) {
        throw invalid(`Invalid filter: the condition on '${k}' must use operators such as $eq`);
      }
      return ops.every(([o, arg]) => evalOp(o, arg, value));
    }
    return evalOp('$eq', cond, value);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Distances over float32 data

function distance(metric: VectorIndex['distanceMetric'], a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
    sq += (x - y) * (x - y);
  }
  return Math.fround(metric === 'cosine' ? 1 - dot / (Math.sqrt(na) * Math.sqrt(nb)) : Math.sqrt(sq));
}

function float32Data(
  v: Json | undefined,
  path: string,
  dimension: number | undefined,
  metric?: string,
): Float32Array {
  const arr = isObj(v) ? v.float32 : undefined;
  if (!Array.isArray(arr) || arr.length === 0)
    throw invalid(`${path} must contain a non-empty float32 array`, path);
  if (!arr.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw invalid(`${path} must contain only finite numbers`, path);
  }
  const data = Float32Array.from(arr as number[]);
  if (!data.every(Number.isFinite)) throw invalid(`${path} has values outside the float32 range`, path);
  if (dimension !== undefined && data.length !== dimension) {
    throw invalid(`${path} has ${data.length} dimensions, but the index dimension is ${dimension}`, path);
  }
  if (metric === 'cosine' && data.every((x) => x === 0)) {
    throw invalid(`${path} is a zero vector, which has no cosine distance`, path);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------------------
// The service

export interface VectorsRequest {
  operation: string;
  body: Obj;
}

export interface VectorsService {
  env: Record<string, string>;
  endpoint: string;
  /** Every signed request the service accepted (operation and JSON body), oldest first. */
  requests: VectorsRequest[];
  stop(): Promise<void>;
}

export async function startS3Vectors(): Promise<VectorsService> {
  const buckets = new Map<string, VectorBucket>();
  const requests: VectorsRequest[] = [];
  // The S3 stand-in's pair is accepted too, so a flow using both services works whichever env wins.
  const keys = new Map([
    [VECTORS_ACCESS_KEY_ID, VECTORS_SECRET_ACCESS_KEY],
    [S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY],
  ]);

  const bucketArn = (name: string) => `arn:aws:s3vectors:${REGION}:${ACCOUNT}:bucket/${name}`;
  const str = (b: Obj, k: string): string | undefined => {
    const v = b[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalid(`${k} must be a string`, k);
    return v;
  };

  function findBucket(b: Obj): VectorBucket {
    const name = str(b, 'vectorBucketName');
    const arn = str(b, 'vectorBucketArn');
    if (name === undefined && arn === undefined)
      throw invalid('Either vectorBucketName or vectorBucketArn is required');
    let fromArn: string | undefined;
    if (arn !== undefined) {
      const m = /^arn:aws:s3vectors:[^:]+:\d{12}:bucket\/([^/]+)$/.exec(arn);
      if (!m) throw invalid(`Invalid vector bucket ARN: ${arn}`, 'vectorBucketArn');
      fromArn = m[1];
    }
    if (name !== undefined && fromArn !== undefined && name !== fromArn) {
      throw invalid('vectorBucketName and vectorBucketArn name different vector buckets');
    }
    const bucket = buckets.get((name ?? fromArn)!);
    if (!bucket)
      throw new ApiError(404, 'NotFoundException', 'The specified vector bucket could not be found');
    return bucket;
  }

  function findIndex(b: Obj): VectorIndex {
    const indexArn = str(b, 'indexArn');
    const indexName = str(b, 'indexName');
    if (indexArn !== undefined) {
      const m = /^arn:aws:s3vectors:[^:]+:\d{12}:bucket\/([^/]+)\/index\/([^/]+)$/.exec(indexArn);
      if (!m) throw invalid(`Invalid index ARN: ${indexArn}`, 'indexArn');
      if (indexName !== undefined && indexName !== m[2])
        throw invalid('indexName and indexArn name different indexes');
      const bucket = buckets.get(m[1]!);
      const index = bucket?.indexes.get(m[2]!);
      if (!bucket)
        throw new ApiError(404, 'NotFoundException', 'The specified vector bucket could not be found');
      if (!index) throw new ApiError(404, 'NotFoundException', 'The specified index could not be found');
      return index;
    }
    if (indexName === undefined)
      throw invalid('Either indexArn or indexName with a vector bucket is required');
    const bucket = findBucket(b);
    const index = bucket.indexes.get(indexName);
    if (!index) throw new ApiError(404, 'NotFoundException', 'The specified index could not be found');
    return index;
  }

  const ops: Record<string, (b: Obj) => Obj> = {
    CreateVectorBucket(b) {
      const name = str(b, 'vectorBucketName');
      if (name === undefined || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
        throw invalid(
          'vectorBucketName must be 3-63 characters of lowercase letters, numbers and hyphens',
          'vectorBucketName',
        );
      }
      if (buckets.has(name))
        throw new ApiError(409, 'ConflictException', `A vector bucket named '${name}' already exists`);
      const enc = isObj(b.encryptionConfiguration) ? b.encryptionConfiguration : { sseType: 'AES256' };
      buckets.set(name, {
        name,
        arn: bucketArn(name),
        creationTime: Date.now() / 1000,
        encryption: enc,
        indexes: new Map(),
      });
      return { vectorBucketArn: bucketArn(name) };
    },
    GetVectorBucket(b) {
      const bucket = findBucket(b);
      return {
        vectorBucket: {
          vectorBucketName: bucket.name,
          vectorBucketArn: bucket.arn,
          creationTime: bucket.creationTime,
          encryptionConfiguration: bucket.encryption,
        },
      };
    },
    CreateIndex(b) {
      const bucket = findBucket(b);
      const name = str(b, 'indexName');
      if (name === undefined || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
        throw invalid(
          'indexName must be 3-63 characters of lowercase letters, numbers, dots and hyphens',
          'indexName',
        );
      }
      if (b.dataType !== 'float32')
        throw invalid(`Unsupported dataType: ${JSON.stringify(b.dataType)}`, 'dataType');
      if (b.distanceMetric !== 'cosine' && b.distanceMetric !== 'euclidean') {
        throw invalid(`Unsupported distanceMetric: ${JSON.stringify(b.distanceMetric)}`, 'distanceMetric');
      }
      const dim = b.dimension;
      if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > 4096) {
        throw invalid('dimension must be an integer from 1 to 4096', 'dimension');
      }
      if (bucket.indexes.has(name)) {
        throw new ApiError(
          409,
          'ConflictException',
          `An index named '${name}' already exists in this vector bucket`,
        );
      }
      const nf = isObj(b.metadataConfiguration)
        ? b.metadataConfiguration.nonFilterableMetadataKeys
        : undefined;
      if (nf !== undefined && (!Array.isArray(nf) || !nf.every((k) => typeof k === 'string'))) {
        throw invalid('nonFilterableMetadataKeys must be a list of strings', 'metadataConfiguration');
      }
      const arn = `${bucket.arn}/index/${name}`;
      bucket.indexes.set(name, {
        name,
        arn,
        bucketName: bucket.name,
        creationTime: Date.now() / 1000,
        dataType: 'float32',
        dimension: dim,
        distanceMetric: b.distanceMetric,
        nonFilterable: (nf as string[] | undefined) ?? [],
        vectors: new Map(),
      });
      return { indexArn: arn };
    },
    GetIndex(b) {
      const i = findIndex(b);
      return {
        index: {
          vectorBucketName: i.bucketName,
          indexName: i.name,
          indexArn: i.arn,
          creationTime: i.creationTime,
          dataType: i.dataType,
          dimension: i.dimension,
          distanceMetric: i.distanceMetric,
          ...(i.nonFilterable.length > 0
            ? { metadataConfiguration: { nonFilterableMetadataKeys: i.nonFilterable } }
            : {}),
        },
      };
    },
    PutVectors(b) {
      const index = findIndex(b);
      const list = b.vectors;
      if (!Array.isArray(list) || list.length < 1 || list.length > 500) {
        throw invalid('vectors must contain between 1 and 500 vectors', 'vectors');
      }
      const staged: Array<[string, StoredVector]> = list.map((v, n) => {
        if (!isObj(v)) throw invalid(`vectors[${n}] must be an object`, `vectors[${n}]`);
        const key = v.key;
        if (typeof key !== 'string' || key.length < 1 || key.length > 1024) {
          throw invalid(`vectors[${n}].key must be 1-1024 characters`, `vectors[${n}].key`);
        }
        let data: Float32Array;
        try {
          data = float32Data(v.data, `vectors[${n}].data`, index.dimension, index.distanceMetric);
        } catch (e) {
          throw invalid(`Invalid record for key '${key}': ${(e as Error).message}`, `vectors[${n}].data`);
        }
        if (v.metadata !== undefined && !isObj(v.metadata)) {
          throw invalid(`vectors[${n}].metadata must be an object`, `vectors[${n}].metadata`);
        }
        return [key, { data, ...(v.metadata !== undefined ? { metadata: v.metadata as Obj } : {}) }];
      });
      for (const [key, v] of staged) index.vectors.set(key, v);
      return {};
    },
    QueryVectors(b) {
      const index = findIndex(b);
      const topK = b.topK;
      if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > 100) {
        throw invalid('topK must be an integer from 1 to 100', 'topK');
      }
      let query: Float32Array;
      try {
        query = float32Data(b.queryVector, 'queryVector', index.dimension, index.distanceMetric);
      } catch (e) {
        throw invalid(`Invalid query vector: ${(e as Error).message}`, 'queryVector');
      }
      const filter = b.filter;
      if (filter !== undefined && filter !== null) {
        const used = new Set<string>();
        filterFields(filter, used);
        const bad = index.nonFilterable.find((k) => used.has(k));
        if (bad) throw invalid(`Invalid filter: metadata key '${bad}' is not filterable`, 'filter');
      }
      const scored: Array<{ key: string; d: number; v: StoredVector }> = [];
      for (const [key, v] of index.vectors) {
        if (filter !== undefined && filter !== null && !matches(filter, v.metadata)) continue;
        scored.push({ key, d: distance(index.distanceMetric, query, v.data), v });
      }
      scored.sort((x, y) => x.d - y.d || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
      return {
        vectors: scored.slice(0, topK).map((s) => ({
          key: s.key,
          ...(b.returnDistance === true ? { distance: s.d } : {}),
          ...(b.returnMetadata === true && s.v.metadata !== undefined ? { metadata: s.v.metadata } : {}),
        })),
        distanceMetric: index.distanceMetric,
      };
    },
    DeleteVectors(b) {
      const index = findIndex(b);
      const list = b.keys;
      if (
        !Array.isArray(list) ||
        list.length < 1 ||
        list.length > 500 ||
        !list.every((k) => typeof k === 'string')
      ) {
        throw invalid('keys must contain between 1 and 500 strings', 'keys');
      }
      for (const k of list as string[]) index.vectors.delete(k);
      return {};
    },
  };

  const send = (res: ServerResponse, status: number, body: Obj, type?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(text);
  };

  const AUTH_TYPES: Record<string, [number, string]> = {
    InvalidAccessKeyId: [403, 'UnrecognizedClientException'],
    SignatureDoesNotMatch: [403, 'InvalidSignatureException'],
    IncompleteSignature: [400, 'IncompleteSignatureException'],
    AccessDenied: [403, 'AccessDeniedException'],
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const operation = (req.url ?? '/').split('?')[0]!.slice(1);
    const op = Object.hasOwn(ops, operation) ? ops[operation] : undefined;
    if (req.method !== 'POST' || !op) {
      send(
        res,
        404,
        { message: `Unknown operation ${req.method} /${operation}` },
        'UnknownOperationException',
      );
      return;
    }
    const auth = verifySigV4(
      { method: req.method, url: req.url ?? '/', headers: req.headers, body: raw },
      keys,
      {
        service: 's3vectors',
        doubleEncodePath: true,
      },
    );
    if (auth) {
      const [status, type] = AUTH_TYPES[auth.code] ?? [403, 'AccessDeniedException'];
      const message =
        type === 'UnrecognizedClientException'
          ? 'The security token included in the request is invalid.'
          : auth.message;
      send(res, status, { message }, type);
      return;
    }
    let body: Json;
    try {
      body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Json);
    } catch {
      send(res, 400, { message: 'The request body is not valid JSON' }, 'SerializationException');
      return;
    }
    if (!isObj(body)) {
      send(res, 400, { message: 'The request body must be a JSON object' }, 'SerializationException');
      return;
    }
    requests.push({ operation, body });
    try {
      send(res, 200, op(body));
    } catch (e) {
      if (e instanceof ApiError) {
        send(
          res,
          e.status,
          { message: e.message, ...(e.fieldList ? { fieldList: e.fieldList } : {}) },
          e.type,
        );
      } else {
        send(res, 500, { message: 'Internal error' }, 'InternalServerException');
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) send(res, 413, { message: 'Request too large' }, 'ValidationException');
      else handle(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3VECTORS: endpoint,
      AWS_ACCESS_KEY_ID: VECTORS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: VECTORS_SECRET_ACCESS_KEY,
      AWS_REGION: REGION,
    },
    endpoint,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The service contract of docs/contributing.md (`"services": ["s3vectors"]` in an example sidecar). */
export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startS3Vectors();
  return { env: s.env, stop: s.stop };
}
