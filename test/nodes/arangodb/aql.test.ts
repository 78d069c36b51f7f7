import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { type ArangoStandIn, startArango, USERS } from '../../services/arangodb.js';
import { freePort } from '../../services/ports.js';

const ENV_KEYS = [
  'ARANGODB_URL',
  'ARANGODB_DATABASE',
  'ARANGODB_TOKEN',
  'ARANGODB_USERNAME',
  'ARANGODB_PASSWORD',
];
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const clearEnv = () => {
  for (const k of ENV_KEYS) delete process.env[k];
};

let arango: ArangoStandIn;
beforeAll(async () => {
  clearEnv();
  arango = await startArango({ token: 'jwt-test-token' });
});
afterAll(async () => {
  await arango.stop();
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});
afterEach(() => {
  arango.requests.length = 0;
  clearEnv();
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

const conn = () => ({ url: `${arango.url}/`, database: 'test', username: 'root', password: 'test-password' });

describe('arangodb_aql', () => {
  test('query with bind variables: result, count, has_more, stats', async () => {
    const out = await runNode(
      'arangodb_aql',
      {
        ...conn(),
        query: 'FOR u IN users FILTER u.name == @name RETURN u',
        bindVars: { name: '${ctx.who}' },
      },
      { who: 'Bob' },
    );
    expect(out.aql_result).toEqual([USERS[1]]);
    expect(arango.requests[0]!.body?.bindVars).toEqual({ name: 'Bob' });
    const out2 = await runNode('arangodb_aql', {
      ...conn(),
      query: 'FOR u IN users FILTER u.age >= @min SORT u.age RETURN u.name',
      bindVars: { min: 30 },
    });
    expect(out2).toMatchObject({
      aql_result: ['Ann', 'Cid'],
      aql_count: 2,
      aql_has_more: false,
      aql_success: true,
    });
    expect((out2.aql_stats as { scannedFull: number }).scannedFull).toBe(USERS.length);
    const req = arango.requests[1]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/_db/test/_api/cursor');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('root:test-password').toString('base64')}`);
    expect(req.body).toEqual({
      query: 'FOR u IN users FILTER u.age >= @min SORT u.age RETURN u.name',
      bindVars: { min: 30 },
    });
  });

  test('the query text is interpolated; batchSize gives a first batch and has_more', async () => {
    const out = await runNode(
      'arangodb_aql',
      { ...conn(), query: 'FOR u IN ${ctx.coll} RETURN u', batchSize: 3, output_key: 'users' },
      { coll: 'users' },
    );
    expect(out.users_count).toBe(3);
    expect(out.users_has_more).toBe(true);
    expect(arango.requests).toHaveLength(1); // no PUT /_api/cursor/<id>: only the first batch is read
    expect(arango.requests[0]!.body).toEqual({ query: 'FOR u IN users RETURN u', batchSize: 3 });
  });

  test('env fallbacks; a token (config or env) wins over basic credentials', async () => {
    process.env.ARANGODB_URL = arango.url;
    process.env.ARANGODB_DATABASE = 'test';
    process.env.ARANGODB_TOKEN = 'jwt-test-token';
    const out = await runNode('arangodb_aql', { query: 'RETURN {"a": 1}', username: 'nobody' });
    expect(out.aql_result).toEqual([{ a: 1 }]);
    expect(arango.requests[0]!.headers.authorization).toBe('Bearer jwt-test-token');
  });

  test('server errors: errorNum, errorMessage and the status line', async () => {
    const syntax = await failure(runNode('arangodb_aql', { ...conn(), query: 'SELEKT * FROM users' }));
    expect(syntax.message).toMatch(/^ArangoDB error 1501: AQL: syntax error.* \(HTTP 400 Bad Request\)$/);
    const coll = await failure(runNode('arangodb_aql', { ...conn(), query: 'FOR x IN nope RETURN x' }));
    expect(coll.message).toMatch(/^ArangoDB error 1203: .*nope.* \(HTTP 404 Not Found\)$/);
    const db = await failure(runNode('arangodb_aql', { ...conn(), database: 'missing', query: 'RETURN 1' }));
    expect(db.message).toBe('ArangoDB error 1228: database not found (HTTP 404 Not Found)');
  });

  test('wrong credentials: 401, no password in the message', async () => {
    const e = await failure(
      runNode('arangodb_aql', { ...conn(), password: 'wrong-secret-pw', query: 'RETURN 1' }),
    );
    expect(e.message).toBe(
      'ArangoDB error 11: not authorized to execute this request (HTTP 401 Unauthorized)',
    );
  });

  test('a non-JSON reply fails to parse, naming the status', async () => {
    const e = await failure(runNode('arangodb_aql', { ...conn(), database: 'broken', query: 'RETURN 1' }));
    expect(e.message).toMatch(/^Failed to parse ArangoDB response \(HTTP 502 Bad Gateway\): /);
  });

  test('missing url, database, query', async () => {
    expect(checkNode('arangodb_aql', {})).toEqual(["arangodb_aql requires 'query'"]);
    const a = await failure(runNode('arangodb_aql', { query: 'RETURN 1' }));
    expect(a.message).toBe("arangodb_aql requires 'url' or ARANGODB_URL env var");
    const b = await failure(runNode('arangodb_aql', { url: arango.url, query: 'RETURN 1' }));
    expect(b.message).toBe("arangodb_aql requires 'database' or ARANGODB_DATABASE env var");
  });

  test('unreachable server and credentials in the URL are masked', async () => {
    const port = await freePort();
    const e = await failure(
      runNode('arangodb_aql', {
        url: `http://root:url-secret-1@127.0.0.1:${port}`,
        database: 'test',
        query: 'RETURN 1',
      }),
    );
    expect(e.message).toBe(
      `ArangoDB request failed: connection refused to http://root:***@127.0.0.1:${port}/_db/test/_api/cursor`,
    );
    const ok = await runNode('arangodb_aql', {
      url: `http://root:test-password@${arango.url.slice('http://'.length)}`,
      database: 'test',
      query: 'RETURN 2',
    });
    expect(ok.aql_result).toEqual([2]);
  });
});
