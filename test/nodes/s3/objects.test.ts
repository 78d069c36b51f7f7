// s3_put_object, s3_get_object, s3_delete_object against s3rver (test/services/s3.ts).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { type S3Service, startS3 } from '../../services/s3.js';
import { CountingPool, useAwsEnv } from './env.js';

let s3: S3Service;
let restoreEnv: () => void;
let dir: string;

beforeAll(async () => {
  s3 = await startS3({ extraBuckets: ['other-bucket'] });
  restoreEnv = useAwsEnv(s3.env);
  dir = mkdtempSync(join(tmpdir(), 'ironflow-s3-test-'));
});

afterAll(async () => {
  restoreEnv();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  overrideSetting('IRONFLOW_MAX_S3_OBJECT_BYTES', undefined);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('s3_put_object / s3_get_object', () => {
  test('text round trip with content type, etag and metadata (incl. non-ASCII)', async () => {
    const put = await runNode(
      's3_put_object',
      {
        key: 'docs/${ctx.name}.txt',
        content: 'Hello ${ctx.name} — ünïcode',
        content_type: 'text/plain; charset=utf-8',
        metadata: { author: '${ctx.name}', pages: 3, draft: false, title: 'Café crème' },
        output_key: 'up',
      },
      { name: 'Ann' },
    );
    expect(put).toMatchObject({
      up_bucket: s3.bucket,
      up_key: 'docs/Ann.txt',
      up_content_type: 'text/plain; charset=utf-8',
      up_success: true,
    });
    const md5 = createHash('md5').update('Hello Ann — ünïcode').digest('hex');
    expect(put.up_etag).toBe(`"${md5}"`);

    const got = await runNode('s3_get_object', { key: 'docs/Ann.txt' });
    expect(got).toMatchObject({
      s3_bucket: s3.bucket,
      s3_key: 'docs/Ann.txt',
      s3_content: 'Hello Ann — ünïcode',
      s3_encoding: 'text',
      s3_size: Buffer.byteLength('Hello Ann — ünïcode'),
      s3_content_length: Buffer.byteLength('Hello Ann — ünïcode'),
      s3_content_type: 'text/plain; charset=utf-8',
      s3_etag: `"${md5}"`,
      s3_metadata: { author: 'Ann', pages: '3', draft: 'false', title: 'Café crème' },
      s3_success: true,
    });
    expect(got.s3_last_modified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test('binary base64 payload from a context key, read back as base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13]);
    const put = await runNode(
      's3_put_object',
      { key: 'bin/blob', source_key: 'payload', source_encoding: 'base64' },
      { payload: bytes.toString('base64') },
    );
    expect(put.s3_content_type).toBe('application/octet-stream');
    const got = await runNode('s3_get_object', { key: 'bin/blob', encoding: 'base64' });
    expect(Buffer.from(got.s3_content as string, 'base64')).toEqual(bytes);
    expect(got.s3_size).toBe(8);
    // The same object as text is not UTF-8.
    await expect(runNode('s3_get_object', { key: 'bin/blob' })).rejects.toThrow(
      'Failed to convert response body to UTF-8',
    );
  });

  test('20 MB file round trip, verified by SHA-256', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const path = join(dir, 'big.bin');
    writeFileSync(path, data);
    const put = await runNode('s3_put_object', { key: 'big/20mb.bin', source_path: path });
    expect(put.s3_etag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    const got = await runNode('s3_get_object', { key: 'big/20mb.bin', encoding: 'base64' });
    expect(got.s3_size).toBe(data.length);
    expect(sha256(Buffer.from(got.s3_content as string, 'base64'))).toBe(sha256(data));
  });

  test('source_path wins over source_key and content', async () => {
    const path = join(dir, 'small.txt');
    writeFileSync(path, 'from file');
    await runNode(
      's3_put_object',
      { key: 'prec', source_path: path, content: 'from content', source_key: 'x' },
      { x: 'ctx' },
    );
    expect((await runNode('s3_get_object', { key: 'prec' })).s3_content).toBe('from file');
    await runNode('s3_put_object', { key: 'prec', content: 'from content', source_key: 'x' }, { x: 'ctx' });
    expect((await runNode('s3_get_object', { key: 'prec' })).s3_content).toBe('ctx');
  });

  test('explicit bucket beats S3_BUCKET', async () => {
    await runNode('s3_put_object', { bucket: 'other-bucket', key: 'k', content: 'x' });
    const got = await runNode('s3_get_object', { bucket: 'other-bucket', key: 'k' });
    expect(got.s3_bucket).toBe('other-bucket');
    await expect(runNode('s3_get_object', { key: 'k' })).rejects.toThrow(
      `s3_get_object: object 'k' not found in bucket '${s3.bucket}' (GetObject: NoSuchKey`,
    );
  });

  test('the object-size limit is checked before uploading and before downloading', async () => {
    overrideSetting('IRONFLOW_MAX_S3_OBJECT_BYTES', 1000);
    const before = s3.requests.length;
    await expect(runNode('s3_put_object', { key: 'big/text', content: 'x'.repeat(1001) })).rejects.toThrow(
      "s3_put_object: the payload ('content') is 1001 bytes, larger than the limit of 1000 bytes (IRONFLOW_MAX_S3_OBJECT_BYTES)",
    );
    await expect(
      runNode('s3_put_object', {
        key: 'big/b64',
        content: randomBytes(1500).toString('base64'),
        encoding: 'base64',
      }),
    ).rejects.toThrow('is 1500 bytes, larger than the limit of 1000 bytes');
    const path = join(dir, 'limit.bin');
    writeFileSync(path, randomBytes(4096));
    await expect(runNode('s3_put_object', { key: 'big/file', source_path: path })).rejects.toThrow(
      `s3_put_object: source_path '${path}' is 4096 bytes, larger than the limit`,
    );
    expect(s3.requests.length).toBe(before); // nothing was sent

    overrideSetting('IRONFLOW_MAX_S3_OBJECT_BYTES', undefined);
    await runNode('s3_put_object', { key: 'big/2000', content: 'y'.repeat(2000) });
    overrideSetting('IRONFLOW_MAX_S3_OBJECT_BYTES', 1000);
    await expect(runNode('s3_get_object', { key: 'big/2000' })).rejects.toThrow(
      `s3_get_object: object 'big/2000' in bucket '${s3.bucket}' is 2000 bytes, larger than the limit of 1000 bytes`,
    );
    overrideSetting('IRONFLOW_MAX_S3_OBJECT_BYTES', 0); // 0 disables the check
    expect((await runNode('s3_get_object', { key: 'big/2000' })).s3_size).toBe(2000);
  });
});

describe('s3_delete_object', () => {
  test('deletes; a later get fails with not found', async () => {
    await runNode('s3_put_object', { key: 'del/me', content: 'bye' });
    const out = await runNode('s3_delete_object', { key: 'del/${ctx.k}' }, { k: 'me' }, { step: 'rm' });
    expect(out).toEqual({ s3_bucket: s3.bucket, s3_key: 'del/me', s3_success: true });
    await expect(runNode('s3_get_object', { key: 'del/me' })).rejects.toThrow('not found');
  });
});

describe('errors', () => {
  test('static checks use the node texts', () => {
    expect(checkNode('s3_put_object', { content: 'x' })).toEqual(["s3_put_object requires 'key'"]);
    expect(checkNode('s3_put_object', { key: 'k' })).toEqual([
      "S3 node requires one of 'content', 'source_key', or 'source_path'",
    ]);
    expect(checkNode('s3_put_object', { key: 'k', content: 'x', encoding: 'hex' })).toEqual([
      "s3 payload encoding 'hex' is not supported. Use 'text' or 'base64'",
    ]);
    expect(checkNode('s3_get_object', {})).toEqual(["s3_get_object requires 'key'"]);
    expect(checkNode('s3_delete_object', {})).toEqual(["s3_delete_object requires 'key'"]);
  });

  test('no bucket anywhere', async () => {
    const bucket = process.env.S3_BUCKET;
    delete process.env.S3_BUCKET;
    try {
      await expect(runNode('s3_get_object', { key: 'k' })).rejects.toThrow(
        "s3_get_object requires 'bucket' or S3_BUCKET env var",
      );
      await expect(runNode('s3_get_object', { key: 'k', bucket: '${ctx.none}' })).rejects.toThrow(
        "s3_get_object requires 'bucket' to be non-empty",
      );
    } finally {
      process.env.S3_BUCKET = bucket;
    }
  });

  test('missing bucket and missing key name the operation and the object', async () => {
    await expect(runNode('s3_get_object', { bucket: 'no-such-bucket', key: 'k' })).rejects.toThrow(
      "s3_get_object: bucket 'no-such-bucket' not found (GetObject: NoSuchBucket: The specified bucket does not exist)",
    );
    await expect(
      runNode('s3_put_object', { bucket: 'no-such-bucket', key: 'k', content: 'x' }),
    ).rejects.toThrow("s3_put_object: bucket 'no-such-bucket' not found (PutObject: NoSuchBucket");
    await expect(runNode('s3_get_object', { key: 'nothing/here' })).rejects.toThrow(
      `s3_get_object: object 'nothing/here' not found in bucket '${s3.bucket}' (GetObject: NoSuchKey: The specified key does not exist.)`,
    );
    await expect(runNode('s3_get_object', { key: '${ctx.missing}' })).rejects.toThrow(
      "s3_get_object requires 'key' to be non-empty",
    );
  });

  test('wrong credentials: the server answer, never the secret', async () => {
    const secret = 'very-secret-value-0123456789';
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
    try {
      process.env.AWS_SECRET_ACCESS_KEY = secret;
      const e1 = await runNode('s3_get_object', { key: 'docs/Ann.txt' }).catch((e: Error) => e);
      expect(e1).toBeInstanceOf(Error);
      expect((e1 as Error).message).toBe(
        's3_get_object: GetObject was refused by the server (HTTP 403): SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method. (check the AWS credentials and their permissions)',
      );
      process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWNKEY000000';
      const e2 = (await runNode('s3_list_buckets', {}).catch((e: Error) => e)) as Error;
      expect(e2.message).toContain('ListBuckets was refused by the server (HTTP 403): InvalidAccessKeyId');
      for (const e of [e1 as Error, e2]) {
        expect(e.message).not.toContain(secret);
        expect(e.message).not.toContain('AKIAUNKNOWNKEY000000');
      }
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.key;
    }
  });

  test('unreachable endpoint: masked URL, no password', async () => {
    const err = (await runNode('s3_list_buckets', {
      endpoint_url: 'http://user:hunter2pass@127.0.0.1:1',
    }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /^s3_list_buckets: ListBuckets failed: cannot reach http:\/\/user:\*\*\*@127\.0\.0\.1:1/,
    );
    expect(err.message).not.toContain('hunter2pass');
  });

  test('invalid AWS_S3_FORCE_PATH_STYLE is an error, valid values work', async () => {
    process.env.AWS_S3_FORCE_PATH_STYLE = 'maybe';
    try {
      await expect(runNode('s3_list_buckets', {})).rejects.toThrow(
        "s3_list_buckets: AWS_S3_FORCE_PATH_STYLE must be 1/true/yes/on or 0/false/no/off (got 'maybe')",
      );
      process.env.AWS_S3_FORCE_PATH_STYLE = 'ON';
      expect((await runNode('s3_list_buckets', {})).s3_success).toBe(true);
    } finally {
      delete process.env.AWS_S3_FORCE_PATH_STYLE;
    }
  });

  test('a cancelled step stops the request', async () => {
    const ac = new AbortController();
    ac.abort(new Error('step timed out'));
    await expect(
      runNode('s3_get_object', { key: 'docs/Ann.txt' }, {}, { signal: ac.signal }),
    ).rejects.toThrow('s3_get_object: GetObject was cancelled');
  });
});

describe('client cache', () => {
  test('one client per settings, shared across steps, destroyed at shutdown', async () => {
    const pool = new CountingPool();
    await runNode('s3_list_buckets', {}, {}, { resources: pool });
    await runNode('s3_get_object', { key: 'docs/Ann.txt' }, {}, { resources: pool });
    expect(pool.created).toHaveLength(1);
    await runNode('s3_list_buckets', { region: 'eu-west-1' }, {}, { resources: pool });
    expect(pool.created).toHaveLength(2);
    // New credentials in the environment give a new client (and no secret in the key).
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER-rotated';
    await runNode('s3_list_buckets', {}, {}, { resources: pool }).catch(() => undefined);
    process.env.AWS_SECRET_ACCESS_KEY = saved;
    expect(pool.created).toHaveLength(3);
    expect(pool.created.join(' ')).not.toContain('S3RVER');
    await pool.closeAll();
    expect(pool.closed).toBe(3);
  });
});
