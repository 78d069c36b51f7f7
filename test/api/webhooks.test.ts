// POST /webhooks/{name}: forwarded vs secret headers (IF-011), reserved keys, body rules, HMAC signature,
// and the webhook configuration checks.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseWebhooks } from '../../src/api/webhooks.js';
import { call, readSse, startServer, type TestServer, tempDir } from './helpers.js';

const AUTH_CHECK = `
local flow = Flow.new("auth_check")
flow:step("check", function(ctx)
  local token = ctx._headers["x-tenant-token"]
  return {
    authorized = token == "tenant-secret-123",
    token_length = #token,
    saw_authorization = ctx._headers["authorization"] ~= nil,
    webhook = ctx._webhook,
    event = ctx.event,
  }
end)
return flow
`;

const SIMPLE = `
local flow = Flow.new("simple_webhook")
flow:step("echo", nodes.template_render({ template = "got \${ctx.event}", output_key = "message" }))
return flow
`;

let srv: TestServer;
const SECRET = 'whsec-test-secret';

beforeAll(async () => {
  const dir = await realpath(tempDir('ironflow-api-hooks-'));
  writeFileSync(join(dir, 'auth_check.lua'), AUTH_CHECK);
  writeFileSync(join(dir, 'simple.lua'), SIMPLE);
  const webhooks = parseWebhooks(
    {
      auth: { flow: 'auth_check.lua', forward_headers: ['X-Tenant-Token'] },
      simple: 'simple.lua',
      signed: {
        flow: 'simple.lua',
        signature: { type: 'hmac_sha256', header: 'X-Signature', secret_env: 'TEST_WEBHOOK_SECRET' },
      },
      gone: 'missing.lua',
    },
    { TEST_WEBHOOK_SECRET: SECRET },
  );
  srv = await startServer({ flowsDir: dir, webhooks });
});
afterAll(() => srv.stop());

const hook = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  call(srv.url, 'POST', `/webhooks/${name}`, body, headers);

describe('webhooks', () => {
  test('forwarded headers reach the flow; credentials never land in the record', async () => {
    const r = await hook(
      'auth',
      { event: 'push' },
      {
        authorization: 'Bearer sk-live-DO-NOT-STORE',
        'x-tenant-token': 'tenant-secret-123',
        cookie: 'sid=COOKIE-VALUE',
      },
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ run_id: expect.any(String), flow_name: 'auth_check', status: 'success' });
    const got = await call(srv.url, 'GET', `/runs/${r.body.run_id}`);
    expect(got.body.ctx).toMatchObject({
      authorized: true,
      token_length: 17,
      saw_authorization: false,
      webhook: 'auth',
      event: 'push',
      _webhook: 'auth',
      _flow_dir: srv.server.api.config.flowsDir,
    });
    expect(got.body.ctx._headers).toBeUndefined();
    for (const secret of ['tenant-secret-123', 'sk-live-DO-NOT-STORE', 'COOKIE-VALUE']) {
      expect(got.text).not.toContain(secret);
    }
    // the run file on disk holds neither
    const files = readdirSync(srv.storeDir).filter((f) => f.startsWith(r.body.run_id));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(join(srv.storeDir, f), 'utf8');
      expect(text).not.toContain('tenant-secret-123');
      expect(text).not.toContain('sk-live-DO-NOT-STORE');
      expect(text).not.toContain('_headers');
    }
    // and no log line either
    expect(srv.logs.join('\n')).not.toContain('sk-live-DO-NOT-STORE');
    expect(srv.logs.join('\n')).not.toContain('tenant-secret-123');
  });

  test('a forwarded header must come once with at least 8 non-whitespace characters', async () => {
    const missing = await hook('auth', { event: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain("'x-tenant-token'");
    const short = await hook('auth', {}, { 'x-tenant-token': 'short' });
    expect(short.status).toBe(400);
  });

  test('reserved keys in the body are refused', async () => {
    for (const key of ['_headers', '_webhook', '_flow_dir']) {
      const r = await hook('simple', { [key]: { a: 1 } });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error: `Webhook request context must not define reserved key '${key}'`,
        code: 'bad_request',
      });
    }
  });

  test('body rules: empty is {}, JSON object only, JSON content types only', async () => {
    const empty = await call(srv.url, 'POST', '/webhooks/simple');
    expect(empty.status).toBe(200);
    expect(empty.body.status).toBe('success');
    const vendor = await hook('simple', JSON.stringify({ event: 'v' }), {
      'content-type': 'application/vnd.github+json',
    });
    expect(vendor.status).toBe(200);
    const arr = await hook('simple', [1, 2]);
    expect(arr.status).toBe(400);
    expect(arr.body.error).toBe('webhook request body must be a JSON object');
    const text = await hook('simple', 'event=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');
    const bad = await hook('simple', '{"event":', {});
    expect(bad.status).toBe(400);
  });

  test('unknown webhook and missing flow file are 404', async () => {
    const r = await hook('nope', {});
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: "Webhook 'nope' not found", code: 'not_found' });
    expect((await hook('gone', {})).status).toBe(404);
  });

  test('HMAC signature: verified over the raw body; any failure is 403 and starts nothing', async () => {
    const raw = '{"event":"signed"}';
    const sig = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const ok = await hook('signed', raw, { 'x-signature': sig });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('success');
    const before = (await call(srv.url, 'GET', '/runs?limit=1000')).body.total;
    for (const headers of [
      {},
      { 'x-signature': 'sha256=deadbeef' },
      { 'x-signature': sig.replace('sha256=', '') },
      { 'x-signature': `sha256=${createHmac('sha256', 'wrong').update(raw).digest('hex')}` },
    ] as Record<string, string>[]) {
      const r = await hook('signed', raw, headers);
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ error: 'Webhook signature verification failed', code: 'forbidden' });
    }
    // a tampered body with the old signature
    expect((await hook('signed', '{"event":"tampered"}', { 'x-signature': sig })).status).toBe(403);
    // checked before the body: malformed JSON with a bad signature is 403, not 400
    expect((await hook('signed', '{"event":', { 'x-signature': 'sha256=00' })).status).toBe(403);
    expect((await call(srv.url, 'GET', '/runs?limit=1000')).body.total).toBe(before);
  });

  test('wait=false, idempotency and SSE work for webhooks too', async () => {
    const key = { 'idempotency-key': `hook-${Date.now()}` };
    const a = await call(srv.url, 'POST', '/webhooks/simple?wait=false', { event: 'bg' }, key);
    expect(a.status).toBe(202);
    const b = await call(srv.url, 'POST', '/webhooks/simple?wait=false', { event: 'bg' }, key);
    expect(b.body.run_id).toBe(a.body.run_id);
    const s = await readSse(`${srv.url}/runs/${a.body.run_id}/events`);
    expect(s.events.map((e) => e.event)).toEqual(['run_started', 'started', 'succeeded', 'finished']);
  });
});

describe('webhook configuration', () => {
  test('credential headers cannot be forwarded', () => {
    for (const h of [
      'Authorization',
      'x-api-key',
      'Cookie',
      'set-cookie',
      'proxy-authorization',
      'x-amz-security-token',
    ]) {
      expect(() => parseWebhooks({ w: { flow: 'a.lua', forward_headers: [h] } })).toThrow(
        /cannot be forwarded/,
      );
    }
  });

  test('entries are checked', () => {
    expect(() => parseWebhooks({ w: 42 })).toThrow(/webhook 'w'/);
    expect(() => parseWebhooks({ w: { flow: 'a.lua', forward_header: ['x-a'] } })).toThrow(/unknown field/);
    expect(() =>
      parseWebhooks(
        { w: { flow: 'a.lua', signature: { type: 'hmac_sha256', header: 'x-s', secret_env: 'NOPE_UNSET' } } },
        {},
      ),
    ).toThrow(/NOPE_UNSET is not set/);
    expect(() =>
      parseWebhooks(
        { w: { flow: 'a.lua', signature: { type: 'md5', header: 'x-s', secret_env: 'S' } } },
        { S: 'x' },
      ),
    ).toThrow(/hmac_sha256/);
    const ok = parseWebhooks({ a: 'a.lua', b: { flow: 'b.lua', forward_headers: ['X-Tenant'] } });
    expect(ok.get('a')).toEqual({ name: 'a', flow: 'a.lua', forwardHeaders: [] });
    expect(ok.get('b')?.forwardHeaders).toEqual(['x-tenant']);
  });
});
