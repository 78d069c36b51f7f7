// s3_list_objects, s3_list_buckets, s3_copy_object and s3_presign_url against s3rver.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { type S3Service, startS3 } from '../../services/s3.js';
import { useAwsEnv } from './env.js';

let s3: S3Service;
let restoreEnv: () => void;

beforeAll(async () => {
  s3 = await startS3({ extraBuckets: ['copy-target'] });
  restoreEnv = useAwsEnv(s3.env);
});

afterAll(async () => {
  restoreEnv();
  await s3.stop();
});

const listRequests = () => s3.requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));

describe('s3_list_objects', () => {
  test('follows continuation tokens: max_keys is the page size, every object is returned', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `page/obj-${String(i).padStart(2, '0')}`);
    for (const key of keys) await runNode('s3_put_object', { key, content: key });
    await runNode('s3_put_object', { key: 'elsewhere', content: 'x' });
    const before = listRequests().length;
    const out = await runNode('s3_list_objects', { prefix: 'page/', max_keys: 10, output_key: 'ls' });
    expect(listRequests().length - before).toBe(3); // 10 + 10 + 5
    expect(out.ls_count).toBe(25);
    expect(out.ls_bucket).toBe(s3.bucket);
    expect(out.ls_prefix).toBe('page/');
    const objects = out.ls_objects as Array<Record<string, unknown>>;
    expect(objects.map((o) => o.key)).toEqual(keys);
    expect(objects[0]).toMatchObject({ key: 'page/obj-00', size: 11, storage_class: 'STANDARD' });
    expect(objects[0]!.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(objects[0]!.last_modified).toMatch(/Z$/);
    expect(out.ls_common_prefixes).toEqual([]);
    // Without max_keys: the server's default page, same result.
    const all = await runNode('s3_list_objects', { prefix: '${ctx.p}' }, { p: 'page/' });
    expect(all.s3_count).toBe(25);
  });

  test('a delimiter keeps the common prefixes', async () => {
    for (const key of ['tree/a.txt', 'tree/sub1/x', 'tree/sub1/y', 'tree/sub2/z']) {
      await runNode('s3_put_object', { key, content: '1' });
    }
    const out = await runNode('s3_list_objects', { prefix: 'tree/', delimiter: '/' });
    expect((out.s3_objects as Array<{ key: string }>).map((o) => o.key)).toEqual(['tree/a.txt']);
    expect(out.s3_count).toBe(1);
    expect(out.s3_common_prefixes).toEqual(['tree/sub1/', 'tree/sub2/']);
  });

  test('an empty listing', async () => {
    const out = await runNode('s3_list_objects', { prefix: 'nothing-here/' });
    expect(out).toMatchObject({ s3_count: 0, s3_objects: [], s3_success: true });
  });

  test('a missing bucket fails naming it', async () => {
    await expect(runNode('s3_list_objects', { bucket: 'nope-bucket' })).rejects.toThrow(
      "s3_list_objects: bucket 'nope-bucket' not found (ListObjectsV2: NoSuchBucket",
    );
  });

  test('max_keys must be positive', () => {
    expect(checkNode('s3_list_objects', { max_keys: 0 })).toEqual([
      "parameter 'max_keys' must be at least 1 (got 0)",
    ]);
  });
});

describe('s3_list_buckets', () => {
  test('lists every bucket with its creation date', async () => {
    const out = await runNode('s3_list_buckets', { output_key: 'b' });
    expect(out.b_count).toBe(2);
    const buckets = out.b_buckets as Array<{ name: string; creation_date: string }>;
    expect(buckets.map((b) => b.name).sort()).toEqual(['copy-target', s3.bucket].sort());
    for (const b of buckets) expect(b.creation_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(out.b_success).toBe(true);
  });
});

describe('s3_copy_object', () => {
  const tricky = 'dir with space/ünï+cödé & 100% (1)=?#.txt';

  test('copies keys with special characters, keeping metadata', async () => {
    await runNode('s3_put_object', {
      key: tricky,
      content: 'tricky body',
      content_type: 'text/plain',
      metadata: { origin: 'test' },
    });
    const out = await runNode('s3_copy_object', {
      source_key: tricky,
      bucket: 'copy-target',
      key: `copied/${tricky}`,
    });
    expect(out).toMatchObject({
      s3_source_bucket: s3.bucket,
      s3_source_key: tricky,
      s3_destination_bucket: 'copy-target',
      s3_destination_key: `copied/${tricky}`,
      s3_success: true,
    });
    expect(out.s3_etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(out.s3_last_modified).toMatch(/Z$/);
    const req = s3.requests.findLast(
      (r) => r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined,
    );
    expect(req?.headers['x-amz-copy-source']).not.toMatch(/[ +&ü]/);
    const got = await runNode('s3_get_object', { bucket: 'copy-target', key: `copied/${tricky}` });
    expect(got).toMatchObject({
      s3_content: 'tricky body',
      s3_content_type: 'text/plain',
      s3_metadata: { origin: 'test' },
    });
  });

  test('source bucket from the config, destination from S3_BUCKET', async () => {
    await runNode('s3_put_object', { bucket: 'copy-target', key: 'from-target', content: 'ft' });
    const out = await runNode('s3_copy_object', {
      source_bucket: 'copy-target',
      source_key: 'from-target',
      key: 'landed',
    });
    expect(out.s3_destination_bucket).toBe(s3.bucket);
    expect((await runNode('s3_get_object', { key: 'landed' })).s3_content).toBe('ft');
  });

  test('errors', async () => {
    expect(checkNode('s3_copy_object', {})).toEqual([
      "s3_copy_object requires 'source_key'",
      "s3_copy_object requires destination 'key'",
    ]);
    await expect(runNode('s3_copy_object', { source_key: 'no/such', key: 'x' })).rejects.toThrow(
      `s3_copy_object: object 'no/such' not found in bucket '${s3.bucket}' (CopyObject: NoSuchKey`,
    );
    const saved = process.env.S3_BUCKET;
    delete process.env.S3_BUCKET;
    try {
      await expect(runNode('s3_copy_object', { source_key: 'a', key: 'b' })).rejects.toThrow(
        "s3_copy_object requires 'source_bucket' or S3_BUCKET env var",
      );
      await expect(
        runNode('s3_copy_object', { source_bucket: 'x', source_key: 'a', key: 'b' }),
      ).rejects.toThrow("s3_copy_object requires 'bucket' (destination bucket) or S3_BUCKET env var");
    } finally {
      process.env.S3_BUCKET = saved;
    }
  });
});

describe('s3_presign_url', () => {
  test('a presigned GET is fetched, computed without a request to S3', async () => {
    await runNode('s3_put_object', {
      key: 'shared/report 1.txt',
      content: 'presigned hello',
      content_type: 'text/plain',
    });
    const before = s3.requests.length;
    const out = await runNode(
      's3_presign_url',
      { key: 'shared/${ctx.name}', expires_in: 120 },
      { name: 'report 1.txt' },
    );
    expect(s3.requests.length).toBe(before);
    expect(out).toMatchObject({
      s3_bucket: s3.bucket,
      s3_key: 'shared/report 1.txt',
      s3_method: 'GET',
      s3_expires_in: 120,
      s3_headers: {},
      s3_success: true,
    });
    const url = new URL(out.s3_url as string);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    const res = await fetch(out.s3_url as string);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('presigned hello');
    // Tampering with the URL breaks the signature.
    const bad = await fetch((out.s3_url as string).replace('X-Amz-Expires=120', 'X-Amz-Expires=9999'));
    expect(bad.status).toBe(403);
  });

  test('a presigned PUT signs the content type and length the uploader must send', async () => {
    const body = 'uploaded through a presigned URL';
    const out = await runNode('s3_presign_url', {
      key: 'uploads/new.txt',
      method: 'put',
      content_type: 'text/plain',
      contentLength: Buffer.byteLength(body),
    });
    expect(out.s3_method).toBe('PUT');
    expect(out.s3_headers).toEqual({
      'content-type': 'text/plain',
      'content-length': String(Buffer.byteLength(body)),
    });
    // Without the signed content type the store refuses the upload.
    const refused = await fetch(out.s3_url as string, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'image/png' },
    });
    expect(refused.status).toBe(403);
    const res = await fetch(out.s3_url as string, {
      method: 'PUT',
      body,
      headers: out.s3_headers as Record<string, string>,
    });
    expect(res.status).toBe(200);
    const got = await runNode('s3_get_object', { key: 'uploads/new.txt' });
    expect(got).toMatchObject({ s3_content: body, s3_content_type: 'text/plain' });
  });

  test('HEAD and DELETE', async () => {
    await runNode('s3_put_object', { key: 'shared/gone.txt', content: 'soon gone' });
    const head = await runNode('s3_presign_url', { key: 'shared/gone.txt', method: 'HEAD' });
    const h = await fetch(head.s3_url as string, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe('9');
    const del = await runNode('s3_presign_url', { key: 'shared/gone.txt', method: 'DELETE', expires_in: 60 });
    expect((await fetch(del.s3_url as string, { method: 'DELETE' })).status).toBe(204);
    await expect(runNode('s3_get_object', { key: 'shared/gone.txt' })).rejects.toThrow('not found');
  });

  test('method and expires_in checks', async () => {
    expect(checkNode('s3_presign_url', { key: 'k', method: 'post' })).toEqual([
      "s3_presign_url method 'POST' is not supported. Use GET, PUT, HEAD, or DELETE",
    ]);
    expect(checkNode('s3_presign_url', { key: 'k', expires_in: 0 })).toEqual([
      "s3_presign_url requires 'expires_in' to be between 1 and 604800 seconds",
    ]);
    expect(checkNode('s3_presign_url', { key: 'k', expires_in: 604801 })).toHaveLength(1);
    expect(checkNode('s3_presign_url', {})).toEqual(["s3_presign_url requires 'key'"]);
  });
});
