// API key (CORE 8.7, IF-044), CORS, and the start-up refusal on a public bind without a key.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startServer, type TestServer, THREE_STEPS } from './helpers.js';

const KEY = 'test-api-key-0123456789abcdef';

describe('API key', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ apiKey: KEY });
  });
  afterAll(() => srv.stop());

  test('missing or wrong key is 401 with the documented body; /health stays open', async () => {
    const expected = { error: 'missing or invalid API authentication', code: 'unauthorized' };
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${KEY}` },
      { 'x-api-key': `${KEY}x` },
      { 'x-api-key': '' },
      { authorization: KEY },
    ] as Record<string, string>[]) {
      for (const [m, path] of [
        ['GET', '/runs'],
        ['GET', '/nodes'],
        ['POST', '/flows/run'],
        ['GET', '/openapi.json'],
        ['GET', '/no/such/path'],
      ] as const) {
        const r = await call(srv.url, m, path, m === 'POST' ? { source: THREE_STEPS } : undefined, headers);
        expect(r.status, `${m} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body).toEqual(expected);
      }
    }
    const h = await call(srv.url, 'GET', '/health');
    expect(h.status).toBe(200);
  });

  test('both header forms are accepted', async () => {
    const bearer = await call(srv.url, 'GET', '/runs', undefined, { authorization: `Bearer ${KEY}` });
    expect(bearer.status).toBe(200);
    const x = await call(srv.url, 'GET', '/runs', undefined, { 'x-api-key': KEY });
    expect(x.status).toBe(200);
    const run = await call(srv.url, 'POST', '/flows/run', { source: THREE_STEPS }, { 'x-api-key': KEY });
    expect(run.body.status).toBe('success');
  });

  test('the key never reaches the logs', () => {
    expect(srv.logs.join('\n')).not.toContain(KEY);
  });
});

describe('CORS', () => {
  test('no CORS headers by default', async () => {
    const srv = await startServer();
    try {
      const r = await call(srv.url, 'GET', '/health', undefined, { origin: 'https://evil.example' });
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      const pre = await fetch(`${srv.url}/runs`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await srv.stop();
    }
  });

  test('exactly the configured origins; preflight works with an API key', async () => {
    const srv = await startServer({ corsOrigins: ['https://app.example'], apiKey: KEY });
    try {
      const ok = await call(srv.url, 'GET', '/health', undefined, { origin: 'https://app.example' });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const no = await call(srv.url, 'GET', '/health', undefined, { origin: 'https://evil.example' });
      expect(no.headers.get('access-control-allow-origin')).toBeNull();
      const pre = await fetch(`${srv.url}/runs`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(pre.status).toBeLessThan(300);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    } finally {
      await srv.stop();
    }
  });
});
