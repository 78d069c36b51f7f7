// `ironflow serve` settings (CORE 7.8, IF-017/018/054): precedence flag > env > YAML > default, strict
// values, binding localhost / 127.0.0.1 / ::1, refusing a public bind without a key.
import { mkdirSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { apiConfigDefaults, resolveApiConfig } from '../../src/api/config.js';
import { call, startServer, tempDir } from './helpers.js';

describe('precedence', () => {
  test('flag > env > YAML > default, even when the flag equals the default', async () => {
    const yaml = { host: '127.0.0.1', port: 8080, max_body: 10, _path: 'ironflow.yaml' };
    const def = await resolveApiConfig({}, {}, { HOST: '127.0.0.1' });
    expect(def.port).toBe(3000);
    expect(def.maxBody).toBe(1_048_576);
    expect((await resolveApiConfig({}, yaml, {})).port).toBe(8080);
    expect((await resolveApiConfig({}, yaml, { PORT: '9000' })).port).toBe(9000);
    expect((await resolveApiConfig({ port: '3000' }, yaml, { PORT: '9000' })).port).toBe(3000);
    expect((await resolveApiConfig({}, yaml, { MAX_BODY: '20' })).maxBody).toBe(20);
    expect((await resolveApiConfig({ maxBody: '30' }, yaml, { MAX_BODY: '20' })).maxBody).toBe(30);
  });

  test('invalid values at a higher tier are errors', async () => {
    await expect(resolveApiConfig({ port: 'http' }, {}, LOCAL_ENV)).rejects.toThrow(/--port/);
    await expect(resolveApiConfig({}, { port: 8080 }, { ...LOCAL_ENV, PORT: '70000' })).rejects.toThrow(
      /PORT/,
    );
    await expect(resolveApiConfig({ maxBody: '-1' }, {}, LOCAL_ENV)).rejects.toThrow(/--max-body/);
    await expect(resolveApiConfig({ flowsDir: '/no/such/dir' }, {}, LOCAL_ENV)).rejects.toThrow(/flows_dir/);
    await expect(
      resolveApiConfig({}, {}, { ...LOCAL_ENV, IRONFLOW_CORS_ORIGINS: 'https://a.example/path' }),
    ).rejects.toThrow(/CORS origin/);
  });

  test('flows_dir is canonical; FLOWS_DIR and YAML flows_dir work', async () => {
    const dir = tempDir('ironflow-api-cfg-');
    mkdirSync(join(dir, 'flows'));
    const c = await resolveApiConfig({}, { flows_dir: join(dir, 'flows', '..', 'flows') }, LOCAL_ENV);
    expect(c.flowsDir).toBe(await realpath(join(dir, 'flows')));
    const e = await resolveApiConfig({}, {}, { ...LOCAL_ENV, FLOWS_DIR: join(dir, 'flows') });
    expect(e.flowsDir).toBe(c.flowsDir);
  });

  test('CORS origins from the env (comma-separated) win over YAML', async () => {
    const c = await resolveApiConfig(
      {},
      { cors_origins: ['https://yaml.example'] },
      { ...LOCAL_ENV, IRONFLOW_CORS_ORIGINS: 'https://a.example, https://b.example' },
    );
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect((await resolveApiConfig({}, {}, LOCAL_ENV)).corsOrigins).toEqual([]);
  });
});

const LOCAL_ENV = { HOST: '127.0.0.1' };

describe('allow_adhoc_flows (IF-054)', () => {
  test('only true or false; false requires flows_dir', async () => {
    await expect(
      resolveApiConfig({}, {}, { ...LOCAL_ENV, IRONFLOW_ALLOW_ADHOC_FLOWS: 'off' }),
    ).rejects.toThrow(/IRONFLOW_ALLOW_ADHOC_FLOWS: use true or false/);
    await expect(
      resolveApiConfig({}, {}, { ...LOCAL_ENV, IRONFLOW_ALLOW_ADHOC_FLOWS: 'false' }),
    ).rejects.toThrow(/set flows_dir/);
    const dir = tempDir('ironflow-api-adhoc-');
    const c = await resolveApiConfig(
      { flowsDir: dir },
      { allow_adhoc_flows: true },
      {
        ...LOCAL_ENV,
        IRONFLOW_ALLOW_ADHOC_FLOWS: 'FALSE',
      },
    );
    expect(c.allowAdhocFlows).toBe(false);
    expect((await resolveApiConfig({}, {}, LOCAL_ENV)).allowAdhocFlows).toBe(true);
  });
});

describe('binding (IF-017) and authentication at start-up', () => {
  test('a non-loopback bind without a key is refused unless allowed', async () => {
    await expect(resolveApiConfig({}, {}, {})).rejects.toThrow(
      /Refusing to serve the API without authentication/,
    );
    await expect(resolveApiConfig({ host: '0.0.0.0' }, {}, {})).rejects.toThrow(/IRONFLOW_API_KEY/);
    expect((await resolveApiConfig({ host: '0.0.0.0' }, {}, { IRONFLOW_API_KEY: 'k' })).apiKey).toBe('k');
    expect((await resolveApiConfig({ host: '0.0.0.0' }, { api_key: 'y' }, {})).apiKey).toBe('y');
    const allowed = await resolveApiConfig(
      { host: '0.0.0.0' },
      {},
      { IRONFLOW_ALLOW_UNAUTHENTICATED_API: 'true' },
    );
    expect(allowed.allowUnauthenticated).toBe(true);
    await expect(
      resolveApiConfig({ host: '0.0.0.0' }, { allow_unauthenticated_api: true }, {}),
    ).resolves.toBeDefined();
    await expect(
      resolveApiConfig({ host: '0.0.0.0' }, {}, { IRONFLOW_ALLOW_UNAUTHENTICATED_API: 'yes' }),
    ).rejects.toThrow(/use true or false/);
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]', '127.0.0.2']) {
      await expect(resolveApiConfig({ host }, {}, {})).resolves.toBeDefined();
    }
  });

  test.each(['localhost', '127.0.0.1', '::1'])('--host %s starts and answers', async (host) => {
    const srv = await startServer(apiConfigDefaults({ host, port: 0 }));
    try {
      const r = await call(srv.url, 'GET', '/health');
      expect(r.status).toBe(200);
    } finally {
      await srv.stop();
    }
  });
});
