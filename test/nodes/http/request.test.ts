import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import type { NodeError } from '../../../src/util/errors.js';
import { checkNode, type LogLine, runNode } from '../../helpers/nodes.js';
import { type Httpbin, startHttpbin } from '../../services/httpbin.js';
import { freePort } from '../../services/ports.js';

let bin: Httpbin;
let other: Httpbin;

beforeAll(async () => {
  bin = await startHttpbin();
  other = await startHttpbin();
});
afterAll(async () => {
  await bin.stop();
  await other.stop();
});
afterEach(() => {
  bin.requests.length = 0;
  other.requests.length = 0;
  overrideSetting('IRONFLOW_MAX_HTTP_RESPONSE_BYTES', undefined);
  overrideSetting('IRONFLOW_HTTP_BLOCK_PRIVATE_NETWORK', undefined);
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('outputs', () => {
  test('http_get: status, parsed JSON data, lower-case headers, success', async () => {
    const out = await runNode('http_get', { url: `${bin.url}/json` });
    expect(out.http_status).toBe(200);
    expect(out.http_success).toBe(true);
    expect((out.http_data as { slideshow: { title: string } }).slideshow.title).toBe('Sample Slide Show');
    const headers = out.http_headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    expect(Object.keys(headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(Object.keys(out).sort()).toEqual(['http_data', 'http_headers', 'http_status', 'http_success']);
  });

  test('output_key prefix, text body kept as a string, empty body as ""', async () => {
    const html = await runNode('http_get', { url: `${bin.url}/html`, output_key: 'page' });
    expect(html.page_status).toBe(200);
    expect(html.page_data).toContain('<h1>Herman Melville - Moby-Dick</h1>');
    const empty = await runNode('http_get', { url: `${bin.url}/status/204` });
    expect(empty.http_status).toBe(204);
    expect(empty.http_data).toBe('');
  });

  test('url, header values and body leaves are interpolated', async () => {
    const ctx = { path: 'post', who: 'Ann', n: 3, tag: 'x1' };
    const logs: LogLine[] = [];
    const out = await runNode(
      'http_post',
      {
        url: `${bin.url}/\${ctx.path}?q=\${ctx.n}`,
        headers: { 'X-Tag': 'tag-${ctx.tag}', 'X-Skip': 5, 'X-Obj': { a: 1 } },
        body: { user: '${ctx.who}', list: ['${ctx.n}', 2], b: true },
      },
      ctx,
      { logs },
    );
    expect(out.http_status).toBe(200);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      "http_post: header 'X-Skip' is not a string; not sent",
      "http_post: header 'X-Obj' is not a string; not sent",
    ]);
    const req = bin.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/post?q=3');
    expect(req.headers['x-tag']).toBe('tag-x1');
    expect(req.headers['x-skip']).toBeUndefined(); // DECISIONS 23: non-string values skipped
    expect(req.headers['x-obj']).toBeUndefined();
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body.toString()).toBe('{"b":true,"list":["3",2],"user":"Ann"}');
  });
});

describe('methods and body types', () => {
  test('http_put, http_delete, http_request PATCH (case-insensitive)', async () => {
    await runNode('http_put', { url: `${bin.url}/put`, body: { a: 1 } });
    await runNode('http_delete', { url: `${bin.url}/delete` });
    const out = await runNode('http_request', {
      url: `${bin.url}/patch`,
      method: 'patch',
      body: 'hi',
      body_type: 'text',
    });
    expect(bin.requests.map((r) => r.method)).toEqual(['PUT', 'DELETE', 'PATCH']);
    expect((out.http_data as { data: string }).data).toBe('hi');
  });

  test('http_get ignores a method key; http_request defaults to GET', async () => {
    await runNode('http_get', { url: `${bin.url}/get`, method: 'POST' });
    await runNode('http_request', { url: `${bin.url}/get` });
    expect(bin.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  test('unsupported method and body_type are static errors with the original texts', () => {
    expect(checkNode('http_request', { url: 'http://x.test/', method: 'TRACE' })).toEqual([
      'Unsupported HTTP method: TRACE',
    ]);
    expect(checkNode('http_post', { url: 'http://x.test/', body_type: 'xml' })).toEqual([
      "Unsupported body_type 'xml'. Expected one of: json, form, text",
    ]);
    expect(checkNode('http_post', { url: 'http://x.test/', body_type: 'form', body: 'a=b' })).toEqual([
      "body_type='form' requires 'body' to be an object",
    ]);
    expect(checkNode('http_get', {})).toEqual(["http_get requires 'url'"]);
    expect(checkNode('http_get', { url: 'http://x.test/', max_redirects: 101 })[0]).toMatch(/at most 100/);
    expect(checkNode('http_get', { url: 'http://x.test/', timeout: 0 })[0]).toMatch(/greater than 0/);
  });

  test('form: sorted pairs, RFC 3986 unreserved kept, space as %20, values as text', async () => {
    await runNode('http_post', {
      url: `${bin.url}/post`,
      body_type: 'form',
      body: { z: 'a b&c=d~*', a: 1.5, t: true, n: null, arr: [1, 'x'], 'k é': 'ü' },
    });
    const req = bin.requests[0]!;
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.body.toString()).toBe(
      'a=1.5&arr=%5B1%2C%22x%22%5D&k%20%C3%A9=%C3%BC&n=&t=true&z=a%20b%26c%3Dd~%2A',
    );
  });

  test('text: strings raw, others compact JSON; a given content-type wins (any case)', async () => {
    await runNode(
      'http_post',
      { url: `${bin.url}/post`, body_type: 'text', body: 'plain ${ctx.a}' },
      { a: 1 },
    );
    await runNode('http_post', { url: `${bin.url}/post`, body_type: 'text', body: { b: 2, a: [1] } });
    await runNode('http_post', {
      url: `${bin.url}/post`,
      body_type: 'json',
      body: { a: 1 },
      headers: { 'content-TYPE': 'application/vnd.api+json' },
    });
    expect(bin.requests[0]!.body.toString()).toBe('plain 1');
    expect(bin.requests[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(bin.requests[1]!.body.toString()).toBe('{"a":[1],"b":2}');
    expect(bin.requests[2]!.headers['content-type']).toBe('application/vnd.api+json');
  });

  test('a GET carries its body when one is given (as the original did)', async () => {
    const out = await runNode('http_get', { url: `${bin.url}/anything/search`, body: { q: 'x' } });
    expect((out.http_data as { method: string; data: string }).data).toBe('{"q":"x"}');
    const req = bin.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['content-length']).toBe('9');
  });

  test('the node:http path (GET with a body) keeps timeouts, limits, redirects and status rules', async () => {
    overrideSetting('IRONFLOW_MAX_HTTP_RESPONSE_BYTES', 1000);
    const body = { q: 1 };
    const slow = await failure(runNode('http_get', { url: `${bin.url}/hang`, body, timeout: 0.3 }));
    expect(slow.message).toMatch(/timed out after 0\.3s/);
    const big = await failure(runNode('http_get', { url: `${bin.url}/stream/5000000`, body }));
    expect(big.message).toMatch(/larger than 1000 bytes/);
    const redirected = await runNode('http_get', { url: `${bin.url}/redirect/2`, body });
    expect(redirected.http_status).toBe(200);
    const cross = await failure(
      runNode('http_get', {
        url: `${bin.url}/redirect-to?url=${encodeURIComponent(`${other.url}/get`)}`,
        body,
      }),
    );
    expect(cross.message).toContain('cross-origin');
    const missing = await runNode('http_get', { url: `${bin.url}/status/404`, body, fail_on_status: false });
    expect(missing).toMatchObject({ http_status: 404, http_success: false, http_data: '' });
    const port = await freePort();
    const refused = await failure(runNode('http_get', { url: `http://127.0.0.1:${port}/x`, body }));
    expect(refused.message).toBe(`HTTP request failed: connection refused to http://127.0.0.1:${port}/x`);
  });
});

describe('auth and headers', () => {
  test('bearer (default type, token interpolated)', async () => {
    const out = await runNode(
      'http_get',
      { url: `${bin.url}/bearer`, auth: { token: 'tok-${ctx.t}' } },
      { t: 'abc' },
    );
    expect(out.http_data).toEqual({ authenticated: true, token: 'tok-abc' });
  });

  test('basic (not interpolated, password optional)', async () => {
    const ok = await runNode('http_get', {
      url: `${bin.url}/basic-auth/ann/p%24w`,
      auth: { type: 'basic', username: 'ann', password: 'p$w' },
    });
    expect(ok.http_data).toEqual({ authenticated: true, user: 'ann' });
    await runNode('http_get', {
      url: `${bin.url}/headers`,
      auth: { type: 'basic', username: '${ctx.u}' },
    });
    expect(bin.requests[1]!.headers.authorization).toBe(
      `Basic ${Buffer.from('${ctx.u}:').toString('base64')}`,
    );
  });

  test('api_key: default X-API-Key header, custom header; unknown type sends nothing', async () => {
    const logs: LogLine[] = [];
    await runNode(
      'http_get',
      { url: `${bin.url}/headers`, auth: { type: 'api_key', key: 'k-${ctx.k}' } },
      { k: 1 },
    );
    await runNode('http_get', {
      url: `${bin.url}/headers`,
      auth: { type: 'api_key', key: 'k2', header: 'X-Key' },
    });
    await runNode(
      'http_get',
      { url: `${bin.url}/headers`, auth: { type: 'digest', token: 't' } },
      {},
      { logs },
    );
    await runNode('http_get', { url: `${bin.url}/headers`, auth: { type: 'bearer' } });
    expect(bin.requests[0]!.headers['x-api-key']).toBe('k-1');
    expect(bin.requests[1]!.headers['x-key']).toBe('k2');
    expect(bin.requests[2]!.headers.authorization).toBeUndefined();
    expect(bin.requests[3]!.headers.authorization).toBeUndefined();
    expect(logs.some((l) => l.level === 'warn' && l.msg.includes("auth.type 'digest'"))).toBe(true);
  });

  test('wrong credentials: 401 fails with the status, no secret in the message', async () => {
    const e = await failure(
      runNode('http_get', {
        url: `${bin.url}/basic-auth/ann/right`,
        auth: { type: 'basic', username: 'ann', password: 'wrong-password' },
      }),
    );
    expect(e.message).toBe(`HTTP GET ${bin.url}/basic-auth/ann/right returned status 401`);
  });

  test('credentials in the URL become Basic auth and are masked in messages', async () => {
    const port = bin.port;
    const ok = await runNode('http_get', {
      url: `http://ann:s3cret-pw@127.0.0.1:${port}/basic-auth/ann/s3cret-pw`,
    });
    expect(ok.http_status).toBe(200);
    const e = await failure(
      runNode('http_get', { url: `http://ann:s3cret-pw@127.0.0.1:${port}/status/500` }),
    );
    expect(e.message).toBe(`HTTP GET http://ann:***@127.0.0.1:${port}/status/500 returned status 500`);
  });

  test('invalid header name or value fails without showing the value', async () => {
    const a = await failure(runNode('http_get', { url: `${bin.url}/get`, headers: { 'Bad Name': 'x' } }));
    expect(a.message).toBe("http_get: invalid header name 'Bad Name'");
    const b = await failure(runNode('http_get', { url: `${bin.url}/get`, headers: { 'X-A': 'sec\r\nret' } }));
    expect(b.message).toMatch(/invalid value for header 'X-A'/);
    expect(b.message).not.toContain('sec');
    expect(bin.requests).toHaveLength(0);
  });

  test('non-ASCII header values are sent as UTF-8 bytes', async () => {
    await runNode('http_get', { url: `${bin.url}/headers`, headers: { 'X-Name': 'Zoë €' } });
    const raw = bin.requests[0]!.headers['x-name'] as string;
    expect(Buffer.from(raw, 'latin1').toString('utf8')).toBe('Zoë €');
  });
});

describe('status handling', () => {
  test('non-2xx fails with the original text by default', async () => {
    const e = await failure(runNode('http_get', { url: `${bin.url}/status/404?token=abc123` }));
    expect(e.message).toBe(`HTTP GET ${bin.url}/status/404?token=*** returned status 404`);
    // A status failure can be retried (polling until a resource exists); a bad config cannot.
    expect((e as NodeError).retryable).toBe(true);
    const bad = await failure(runNode('http_get', { url: `${bin.url}/get`, headers: { 'Bad Name': 'x' } }));
    expect((bad as NodeError).retryable).toBe(false);
  });

  test('fail_on_status = false records the response and if_http_status can route on it', async () => {
    const out = await runNode('http_get', {
      url: `${bin.url}/status/418`,
      fail_on_status: false,
      output_key: 'r',
    });
    expect(out).toMatchObject({ r_status: 418, r_data: '', r_success: false });
    expect(out.r_headers).toBeTypeOf('object');
    const route = await runNode('if_http_status', { status_key: 'r_status' }, out, { step: 'route' });
    expect(route._route_route).toBe('error');
    expect(route._status_class_route).toBe('4xx');
  });
});

describe('redirects', () => {
  test('same-origin redirects are followed; no Referer is generated', async () => {
    const out = await runNode('http_get', { url: `${bin.url}/redirect/3` });
    expect(out.http_status).toBe(200);
    expect(bin.requests.map((r) => r.path)).toEqual(['/redirect/3', '/redirect/2', '/redirect/1', '/get']);
    expect(bin.requests.every((r) => r.headers.referer === undefined)).toBe(true);
  });

  test('max_redirects limits the chain; a loop stops after the limit', async () => {
    const e = await failure(runNode('http_get', { url: `${bin.url}/redirect/3`, max_redirects: 2 }));
    expect(e.message).toMatch(/too many redirects \(more than max_redirects = 2\)/);
    bin.requests.length = 0;
    const loop = await failure(runNode('http_get', { url: `${bin.url}/loop` }));
    expect(loop.message).toMatch(/max_redirects = 10/);
    expect(bin.requests).toHaveLength(11);
  });

  test('max_redirects = 0 returns the 3xx itself', async () => {
    const e = await failure(runNode('http_get', { url: `${bin.url}/redirect/1`, max_redirects: 0 }));
    expect(e.message).toMatch(/returned status 302$/);
    const out = await runNode('http_get', {
      url: `${bin.url}/redirect/1`,
      max_redirects: 0,
      fail_on_status: false,
    });
    expect(out.http_status).toBe(302);
    expect((out.http_headers as Record<string, string>).location).toBe('/get');
  });

  test('303 after POST continues as GET without body; 307 repeats the POST', async () => {
    bin.route('/see-other', (_q, res) => {
      res.writeHead(303, { Location: '/anything/after' });
      res.end();
    });
    bin.route('/temp', (_q, res) => {
      res.writeHead(307, { Location: '/anything/again' });
      res.end();
    });
    await runNode('http_post', { url: `${bin.url}/see-other`, body: { a: 1 } });
    await runNode('http_post', { url: `${bin.url}/temp`, body: { a: 2 } });
    const [, after, , again] = bin.requests;
    expect(after!.method).toBe('GET');
    expect(after!.body.length).toBe(0);
    expect(after!.headers['content-type']).toBeUndefined();
    expect(again!.method).toBe('POST');
    expect(again!.body.toString()).toBe('{"a":2}');
  });

  test('cross-origin redirects are refused by default', async () => {
    const target = `${other.url}/get`;
    const e = await failure(
      runNode('http_get', { url: `${bin.url}/redirect-to?url=${encodeURIComponent(target)}` }),
    );
    expect(e.message).toContain('refused a cross-origin redirect');
    expect(e.message).toContain('allow_cross_origin_redirects');
    expect(other.requests).toHaveLength(0);
  });

  test('allow_cross_origin_redirects follows them, but never with auth, headers or body', async () => {
    const url = `${bin.url}/redirect-to?url=${encodeURIComponent(`${other.url}/get`)}&status_code=307`;
    const out = await runNode('http_get', { url, allow_cross_origin_redirects: true });
    expect(out.http_status).toBe(200);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.headers.referer).toBeUndefined();
    for (const extra of [
      { auth: { token: 'secret-token-1' } },
      { headers: { 'X-A': '1' } },
      { body: { a: 1 } },
    ]) {
      const node = 'body' in extra ? 'http_post' : 'http_get';
      const e = await failure(runNode(node, { url, allow_cross_origin_redirects: true, ...extra }));
      expect(e.message).toContain('never followed when auth, headers or body are set');
      expect(e.message).not.toContain('secret-token-1');
    }
    expect(other.requests).toHaveLength(1);
  });

  test('localhost and 127.0.0.1 are different origins', async () => {
    const url = `${bin.url}/redirect-to?url=${encodeURIComponent(`http://localhost:${bin.port}/get`)}`;
    const e = await failure(runNode('http_get', { url }));
    expect(e.message).toContain('cross-origin');
  });
});

describe('transport failures', () => {
  test('connection refused names the masked URL', async () => {
    const port = await freePort();
    const e = await failure(
      runNode('http_get', { url: `http://u:pw-123456@127.0.0.1:${port}/x`, auth: { token: 'tok-987654' } }),
    );
    expect(e.message).toBe(`HTTP request failed: connection refused to http://u:***@127.0.0.1:${port}/x`);
  });

  test('a timeout names the limit', async () => {
    const e = await failure(runNode('http_get', { url: `${bin.url}/hang`, timeout: 0.3 }));
    expect(e.message).toBe(
      `HTTP request failed: timed out after 0.3s (the 'timeout' parameter) waiting for ${bin.url}/hang`,
    );
  });

  test('the timeout covers reading the body', async () => {
    bin.route('/slow-body', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
    });
    const e = await failure(runNode('http_get', { url: `${bin.url}/slow-body`, timeout: 0.3 }));
    expect(e.message).toMatch(/timed out after 0\.3s/);
  });

  test('the step signal cancels a request in flight', async () => {
    const ac = new AbortController();
    const p = runNode('http_get', { url: `${bin.url}/hang` }, {}, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('step cancelled')), 100);
    const e = await failure(p);
    expect(e.message).toBe('step cancelled');
  });

  test('a malformed URL names the parameter (static and after interpolation)', async () => {
    expect(checkNode('http_get', { url: 'not a url' })).toEqual([
      "http_get: parameter 'url' is not a valid URL: 'not a url'",
    ]);
    expect(checkNode('http_get', { url: 'ftp://x.test/f' })[0]).toMatch(/must be an http/);
    const e = await failure(runNode('http_post', { url: '${ctx.u}' }, { u: 'http//user:pw@nope' }));
    expect(e.message).toBe("http_post: parameter 'url' is not a valid URL: 'http//user:***@nope'");
  });

  test('responses over IRONFLOW_MAX_HTTP_RESPONSE_BYTES fail early', async () => {
    overrideSetting('IRONFLOW_MAX_HTTP_RESPONSE_BYTES', 1_048_576);
    const ok = await runNode('http_get', { url: `${bin.url}/bytes/1048576` });
    expect((ok.http_data as string).length).toBe(1_048_576);
    const declared = await failure(runNode('http_get', { url: `${bin.url}/bytes/1048577` }));
    expect(declared.message).toBe(
      `HTTP request failed: the response from ${bin.url}/bytes/1048577 is larger than 1048576 bytes (IRONFLOW_MAX_HTTP_RESPONSE_BYTES)`,
    );
    const streamed = await failure(runNode('http_get', { url: `${bin.url}/stream/104857600` }));
    expect(streamed.message).toMatch(/larger than 1048576 bytes/);
  });
});

describe('block_private_network', () => {
  test('loopback, localhost, mapped IPv6 and metadata addresses are refused before connecting', async () => {
    const urls = [
      `${bin.url}/get`,
      `http://localhost:${bin.port}/get`,
      `http://[::ffff:127.0.0.1]:${bin.port}/get`,
      `http://0x7f.1:${bin.port}/get`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[fd00::1]/',
    ];
    for (const url of urls) {
      const e = await failure(runNode('http_get', { url, block_private_network: true }));
      expect(e.message).toMatch(/^HTTP request blocked: .* is a local or private network address/);
    }
    expect(bin.requests).toHaveLength(0);
  });

  test('off by default; IRONFLOW_HTTP_BLOCK_PRIVATE_NETWORK forces it on', async () => {
    expect((await runNode('http_get', { url: `${bin.url}/get` })).http_status).toBe(200);
    overrideSetting('IRONFLOW_HTTP_BLOCK_PRIVATE_NETWORK', true);
    const e = await failure(runNode('http_get', { url: `${bin.url}/get` }));
    expect(e.message).toMatch(/blocked/);
  });
});
