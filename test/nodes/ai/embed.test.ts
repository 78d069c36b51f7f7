import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { ResourcePool } from '../../../src/engine/resources.js';
import { checkNode, type LogLine, runNode } from '../../helpers/nodes.js';
import { type OpenAIStandIn, startOpenAI, topicVector } from '../../services/openai.js';
import { useProviderEnv } from './env.js';

let s: OpenAIStandIn;
beforeAll(async () => {
  s = await startOpenAI({
    clients: { 'ironflow-test': 'client-secret-0123456789', 'second-client': 'second-secret-9876543210' },
  });
});
afterAll(async () => {
  await s.stop();
});
useProviderEnv(() => s.env);
beforeEach(() => {
  s.reset();
  s.setTokenExpiresIn(3600);
});

describe('ai_embed openai', () => {
  test('one text: request shape and outputs', async () => {
    const out = await runNode('ai_embed', { input_key: 'q' }, { q: 'My cat sleeps.' });
    const [req] = s.requestsFor('embeddings');
    expect(req!.path).toBe('/v1/embeddings');
    expect(req!.headers.authorization).toBe(`Bearer ${s.env.OPENAI_API_KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({ model: 'text-embedding-3-small', input: ['My cat sleeps.'] });
    expect(out).toEqual({
      embed_embeddings: [topicVector('My cat sleeps.')],
      embed_count: 1,
      embed_dimension: 8,
      embed_model: 'text-embedding-3-small',
      embed_success: true,
    });
  });
  test('an array gives one vector per item in order; non-strings are JSON text', async () => {
    const out = await runNode(
      'ai_embed',
      { input_key: 'items', model: 'text-embedding-3-large', output_key: 'vec', api_key: '${ctx.key}' },
      { items: ['rocket launch', { b: 1, a: 'soup' }, 42], key: s.env.OPENAI_API_KEY },
    );
    expect(s.requestsFor('embeddings')[0]!.body).toEqual({
      model: 'text-embedding-3-large',
      input: ['rocket launch', '{"a":"soup","b":1}', '42'],
    });
    expect(out.vec_count).toBe(3);
    expect(out.vec_embeddings).toEqual([
      topicVector('rocket launch'),
      topicVector('{"a":"soup","b":1}'),
      topicVector('42'),
    ]);
  });
  test('an empty array needs no request and no credentials', async () => {
    delete process.env.OPENAI_API_KEY;
    const out = await runNode('ai_embed', { input_key: 'items' }, { items: [] });
    expect(out).toEqual({
      embed_embeddings: [],
      embed_count: 0,
      embed_dimension: 0,
      embed_model: '',
      embed_success: true,
    });
    expect(s.requests).toHaveLength(0);
  });
  test('batch_size spreads texts over requests, keeping order', async () => {
    const items = ['cat', 'rocket', 'soup', 'bank', 'rain'];
    const out = await runNode('ai_embed', { input_key: 'items', batch_size: 2 }, { items });
    expect(s.requestsFor('embeddings').map((r) => (r.body as { input: string[] }).input)).toEqual([
      ['cat', 'rocket'],
      ['soup', 'bank'],
      ['rain'],
    ]);
    expect(out.embed_embeddings).toEqual(items.map(topicVector));
  });
  test('2,048 texts fit in one request; 2,049 take two', async () => {
    const items = Array.from({ length: 2049 }, (_, i) => `text ${i}`);
    await runNode('ai_embed', { input_key: 'items' }, { items: items.slice(0, 2048) });
    expect(s.requestsFor('embeddings')).toHaveLength(1);
    s.reset();
    const out = await runNode('ai_embed', { input_key: 'items' }, { items });
    expect(s.requestsFor('embeddings').map((r) => (r.body as { input: string[] }).input.length)).toEqual([
      2048, 1,
    ]);
    expect(out.embed_count).toBe(2049);
  });
  test('errors: missing key, missing credentials, HTTP status, malformed reply', async () => {
    await expect(runNode('ai_embed', { input_key: 'nope' }, {})).rejects.toThrow(
      "ai_embed: input_key 'nope' not found in context",
    );
    s.enqueue('embeddings', { status: 429, body: { error: { message: 'Rate limit reached' } } });
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: 'x' })).rejects.toThrow(
      'OpenAI API error (429): Rate limit reached',
    );
    s.enqueue('embeddings', { status: 502, raw: '<html>bad gateway</html>' });
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: 'x' })).rejects.toThrow(
      'OpenAI API error (502): <html>bad gateway</html>',
    );
    s.enqueue('embeddings', { raw: '{"data": [' });
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: 'x' })).rejects.toThrow('not JSON');
    s.enqueue('embeddings', { body: { data: [] } });
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: 'x' })).rejects.toThrow(
      'ai_embed: provider returned 0 embeddings for 1 texts',
    );
    delete process.env.OPENAI_API_KEY;
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: 'x' })).rejects.toThrow(
      "ai_embed (openai) requires 'api_key' or OPENAI_API_KEY env var",
    );
  });
  test('a refused key never appears in the error or the logs', async () => {
    const key = 'sk-wrong-secret-value-123';
    const logs: LogLine[] = [];
    const err = await runNode('ai_embed', { input_key: 'q', api_key: key }, { q: 'x' }, { logs }).catch(
      (e) => e,
    );
    expect(String(err.message)).toContain('OpenAI API error (401): Incorrect API key provided: ***');
    expect(String(err.message)).not.toContain(key);
    expect(JSON.stringify(logs)).not.toContain(key);
  });
  test('static checks', () => {
    expect(checkNode('ai_embed', {})).toEqual(["ai_embed requires 'input_key'"]);
    expect(checkNode('ai_embed', { input_key: 'q', provider: 'OpenAI' })).toEqual([
      "ai_embed: unsupported provider 'OpenAI'",
    ]);
  });
  test('the text-size limit is checked before any request', async () => {
    overrideSetting('IRONFLOW_MAX_AI_INPUT_BYTES', 10);
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: ['12345', 'é12345'] })).rejects.toThrow(
      'ai_embed: the input text is 12 bytes, over the limit of 10 bytes (IRONFLOW_MAX_AI_INPUT_BYTES)',
    );
    expect(s.requests).toHaveLength(0);
  });
  test('the node timeout ends a slow request', async () => {
    s.enqueue('embeddings', { delayMs: 3000, body: {} });
    await expect(runNode('ai_embed', { input_key: 'q', timeout: 0.2 }, { q: 'x' })).rejects.toThrow(
      /ai_embed: request to openai \(http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings\) timed out after 0\.2s/,
    );
  });
  test('a cancelled step aborts the request with the step abort reason', async () => {
    s.enqueue('embeddings', { delayMs: 3000, body: {} });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('run cancelled')), 100);
    await expect(runNode('ai_embed', { input_key: 'q' }, { q: 'x' }, { signal: ac.signal })).rejects.toThrow(
      'run cancelled',
    );
  });
});

describe('ai_embed ollama', () => {
  test('POST /api/embed with the default model, no auth', async () => {
    const out = await runNode('ai_embed', { input_key: 'q', provider: 'ollama' }, { q: ['cat', 'moon'] });
    const [req] = s.requestsFor('ollama_embed');
    expect(req!.body).toEqual({ model: 'nomic-embed-text', input: ['cat', 'moon'] });
    expect(req!.headers.authorization).toBeUndefined();
    expect(out.embed_embeddings).toEqual([topicVector('cat'), topicVector('moon')]);
    expect(out.embed_model).toBe('nomic-embed-text');
  });
  test('OLLAMA_HOST without a scheme works; errors keep the Ollama text', async () => {
    process.env.OLLAMA_HOST = s.url.replace('http://', '');
    await runNode('ai_embed', { input_key: 'q', provider: 'ollama' }, { q: 'x' });
    expect(s.requestsFor('ollama_embed')).toHaveLength(1);
    s.enqueue('ollama_embed', { status: 404, body: { error: 'model "nomic-embed-text" not found' } });
    await expect(runNode('ai_embed', { input_key: 'q', provider: 'ollama' }, { q: 'x' })).rejects.toThrow(
      'Ollama error (404): model "nomic-embed-text" not found',
    );
  });
});

describe('ai_embed oauth', () => {
  const oauth = (extra: Record<string, unknown> = {}) => ({ input_key: 'q', provider: 'oauth', ...extra });

  test('client-credentials form, bearer token, default model', async () => {
    process.env.OAUTH_SCOPE = 'api://embed/.default read';
    const out = await runNode('ai_embed', oauth(), { q: 'cat' });
    const [tok] = s.requestsFor('token');
    expect(tok!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tok!.raw).toBe(
      'grant_type=client_credentials&client_id=ironflow-test&client_secret=client-secret-0123456789&scope=api%3A%2F%2Fembed%2F.default%20read',
    );
    const [emb] = s.requestsFor('embeddings');
    expect(emb!.headers.authorization).toBe('Bearer tok-ironflow-test-1');
    expect(out.embed_model).toBe('openai-text-embedding-3-small');
  });

  test('the token is cached process-wide and keyed by client and secret', async () => {
    const pool = new ResourcePool();
    await runNode('ai_embed', oauth(), { q: 'a' }, { resources: pool });
    await runNode('ai_embed', oauth(), { q: 'b' }, { resources: pool });
    expect(s.tokenRequests()).toBe(1);
    // Another client of the same identity provider gets its own token.
    const second = { client_id: 'second-client', client_secret: 'second-secret-9876543210' };
    await runNode('ai_embed', oauth(second), { q: 'c' }, { resources: pool });
    await runNode('ai_embed', oauth(second), { q: 'd' }, { resources: pool });
    expect(s.tokenRequests('second-client')).toBe(1);
    expect(s.requestsFor('embeddings').map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-ironflow-test-1',
      'Bearer tok-ironflow-test-1',
      'Bearer tok-second-client-2',
      'Bearer tok-second-client-2',
    ]);
    // Same client id with a different secret is a different cache entry (and here a refused one).
    const err = await runNode(
      'ai_embed',
      oauth({ client_secret: 'not-the-secret' }),
      { q: 'e' },
      { resources: pool },
    ).catch((e) => e);
    expect(err.message).toBe('OAuth token request failed (401): {"error":"invalid_client"}');
    expect(s.tokenRequests()).toBe(3);
    // A different token URL too.
    await runNode(
      'ai_embed',
      oauth({ token_url: `${s.url}/token?tenant=b` }),
      { q: 'f' },
      { resources: pool },
    );
    expect(s.tokenRequests()).toBe(4);
    // And a different scope.
    await runNode('ai_embed', oauth({ scope: 'embeddings.read' }), { q: 'f2' }, { resources: pool });
    await runNode('ai_embed', oauth({ scope: 'embeddings.read' }), { q: 'f3' }, { resources: pool });
    expect(s.tokenRequests()).toBe(5);
    // Resources are per process: a new pool starts empty.
    await runNode('ai_embed', oauth(), { q: 'g' }, { resources: new ResourcePool() });
    expect(s.tokenRequests()).toBe(6);
  });

  test('expires_in is honoured: a token within 60 s of expiry is replaced', async () => {
    s.setTokenExpiresIn(30);
    const pool = new ResourcePool();
    await runNode('ai_embed', oauth(), { q: 'a' }, { resources: pool });
    await runNode('ai_embed', oauth(), { q: 'b' }, { resources: pool });
    expect(s.tokenRequests()).toBe(2);
    s.setTokenExpiresIn(61);
    await runNode('ai_embed', oauth(), { q: 'c' }, { resources: pool });
    await runNode('ai_embed', oauth(), { q: 'd' }, { resources: pool });
    expect(s.tokenRequests()).toBe(3);
  });

  test('concurrent steps share one token request', async () => {
    const pool = new ResourcePool();
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => runNode('ai_embed', oauth(), { q: `t${i}` }, { resources: pool })),
    );
    expect(s.tokenRequests()).toBe(1);
    expect(s.requestsFor('embeddings')).toHaveLength(5);
  });

  test('a revoked cached token is replaced once', async () => {
    const pool = new ResourcePool();
    await runNode('ai_embed', oauth(), { q: 'a' }, { resources: pool });
    s.revokeTokens();
    const out = await runNode('ai_embed', oauth(), { q: 'b' }, { resources: pool });
    expect(out.embed_count).toBe(1);
    expect(s.tokenRequests()).toBe(2);
    expect(s.requestsFor('embeddings').map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-ironflow-test-1',
      'Bearer tok-ironflow-test-1',
      'Bearer tok-ironflow-test-2',
    ]);
  });

  test('missing settings name the env var; token errors hide the secret', async () => {
    delete process.env.OAUTH_CLIENT_SECRET;
    await expect(runNode('ai_embed', oauth(), { q: 'a' })).rejects.toThrow(
      "ai_embed (oauth) requires 'client_secret' or OAUTH_CLIENT_SECRET env var",
    );
    delete process.env.OAUTH_BASE_URL;
    await expect(runNode('ai_embed', oauth(), { q: 'a' })).rejects.toThrow(
      "ai_embed (oauth) requires 'base_url' or OAUTH_BASE_URL env var",
    );
    process.env.OAUTH_BASE_URL = s.env.OAUTH_BASE_URL!;
    process.env.OAUTH_CLIENT_SECRET = 'echoed-secret-value';
    s.enqueue('token', { status: 400, raw: 'bad request for client_secret=echoed-secret-value' });
    const err = await runNode('ai_embed', oauth(), { q: 'a' }).catch((e) => e);
    expect(err.message).toBe('OAuth token request failed (400): bad request for client_secret=***');
    s.enqueue('token', { body: { access_token: 'x-token' } });
    await expect(runNode('ai_embed', oauth(), { q: 'a' })).rejects.toThrow(
      "Failed to parse OAuth token response: missing or invalid 'expires_in'",
    );
  });
});
