// `ironflow serve` as a user runs it (the built binary in a child process): settings precedence, start-up
// refusals, the webhooks example, and SIGTERM during a run.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { JsonStore } from '../../src/store/json.js';
import { BIN, EXAMPLES } from '../helpers/cli.js';
import { freePort } from '../services/ports.js';
import { call, delayFlow, tempDir } from './helpers.js';

interface Serving {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number>;
  /** Resolves with the first address logged as listening. */
  listening: Promise<string>;
}

function serve(args: string[], opts: { cwd: string; env?: Record<string, string> }): Serving {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  for (const k of [
    'HOST',
    'PORT',
    'FLOWS_DIR',
    'MAX_BODY',
    'IRONFLOW_API_KEY',
    'STORE_DIR',
    'IRONFLOW_STORE_DIR',
  ]) {
    if (!opts.env || !(k in opts.env)) delete env[k];
  }
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: opts.cwd, env, stdio: 'pipe' });
  let err = '';
  let onListen: (addr: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    onListen = resolve;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    const m = /IronFlow API server listening on (\S+?)"/.exec(err);
    if (m) onListen(m[1]!);
  });
  child.stdout!.resume();
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, stderr: () => err, exited, listening };
}

async function started(s: Serving): Promise<string> {
  const addr = await Promise.race([
    s.listening,
    s.exited.then((code) => {
      throw new Error(`serve exited with ${code}: ${s.stderr()}`);
    }),
  ]);
  return `http://${addr}`;
}

describe('ironflow serve', () => {
  test('refuses to start: public bind without a key, a bad IRONFLOW_ALLOW_ADHOC_FLOWS', async () => {
    const cwd = tempDir();
    const pub = serve(['--host', '0.0.0.0', '--port', '0'], { cwd });
    expect(await pub.exited).toBe(1);
    expect(pub.stderr()).toContain('Error: Refusing to serve the API without authentication');
    const adhoc = serve(['--host', '127.0.0.1', '--port', '0'], {
      cwd,
      env: { IRONFLOW_ALLOW_ADHOC_FLOWS: 'off' },
    });
    expect(await adhoc.exited).toBe(1);
    expect(adhoc.stderr()).toContain('IRONFLOW_ALLOW_ADHOC_FLOWS');
  });

  test('PORT from ./.env is honoured and --port beats ironflow.yaml (IF-018)', async () => {
    const cwd = tempDir();
    const envPort = await freePort();
    writeFileSync(join(cwd, '.env'), `PORT=${envPort}\nHOST=127.0.0.1\n`);
    const a = serve([], { cwd });
    const url = await started(a);
    expect(url).toBe(`http://127.0.0.1:${envPort}`);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);

    const flagPort = await freePort();
    writeFileSync(join(cwd, 'ironflow.yaml'), `host: 127.0.0.1\nport: ${envPort}\n`);
    const b = serve(['--port', String(flagPort)], { cwd });
    expect(await started(b)).toBe(`http://127.0.0.1:${flagPort}`);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });

  test('the 15-webhooks example works as docs/api.md describes', async () => {
    const cwd = tempDir();
    cpSync(join(EXAMPLES, '15-webhooks'), cwd, { recursive: true });
    const port = await freePort();
    const s = serve(['--port', String(port)], { cwd, env: { WEBHOOK_SECRET: 'change-me' } });
    const url = await started(s);
    try {
      const simple = await call(url, 'POST', '/webhooks/simple', {
        event: 'push',
        repository: 'acme/shop',
        commits: 3,
      });
      expect(simple.body).toMatchObject({ flow_name: 'simple_webhook', status: 'success' });
      const run = await call(url, 'GET', `/runs/${simple.body.run_id}`);
      expect(run.body.ctx.summary).toBe('push on acme/shop: 3 commit(s)');
      expect(run.body.ctx.received_by).toBe('simple');

      const tenant = await call(
        url,
        'POST',
        '/webhooks/tenant',
        { action: 'deploy', service: 'billing' },
        {
          'x-tenant-token': 'tenant-demo-token-123',
          authorization: 'Bearer not-for-flows',
        },
      );
      expect(tenant.body.status).toBe('success');
      const t = await call(url, 'GET', `/runs/${tenant.body.run_id}`);
      expect(t.body.ctx.decision).toBe('accepted');
      expect(t.text).not.toContain('tenant-demo-token-123');
      expect(t.text).not.toContain('not-for-flows');
      const wrong = await call(
        url,
        'POST',
        '/webhooks/tenant',
        { action: 'deploy', service: 'billing' },
        {
          'x-tenant-token': 'somebody-else-token',
        },
      );
      expect((await call(url, 'GET', `/runs/${wrong.body.run_id}`)).body.ctx.decision).toBe('rejected');

      const body = '{"event":"release","repository":"acme/shop","commits":1}';
      const sig = `sha256=${createHmac('sha256', 'change-me').update(body).digest('hex')}`;
      const signed = await call(url, 'POST', '/webhooks/signed', body, { 'x-hub-signature-256': sig });
      expect(signed.body.status).toBe('success');
      const unsigned = await call(url, 'POST', '/webhooks/signed', body);
      expect(unsigned.status).toBe(403);
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
    expect(s.stderr()).not.toContain('tenant-demo-token-123');
    expect(s.stderr()).toContain('"msg":"request"');
  });

  test('SIGTERM during a run: the run is recorded stalled after the grace period, the process exits 0', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const s = serve(['--host', '127.0.0.1', '--port', String(port), '--store-dir', 'runs'], {
      cwd,
      env: { IRONFLOW_SHUTDOWN_GRACE_SECONDS: '0.3' },
    });
    const url = await started(s);
    const long = await call(url, 'POST', '/flows/run', { source: delayFlow(60, 'too_long'), wait: false });
    const short = await call(url, 'POST', '/flows/run', { source: delayFlow(0.1, 'quick'), wait: false });
    expect(long.status).toBe(202);
    await new Promise((r) => setTimeout(r, 400));
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('recorded as stalled');
    const store = await new JsonStore(join(cwd, 'runs')).open();
    try {
      expect((await store.getRun(long.body.run_id)).status).toBe('stalled');
      expect((await store.getRun(short.body.run_id)).status).toBe('success');
      expect((await store.listRuns({ status: 'running' })).runs).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
