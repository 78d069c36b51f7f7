// A Redis server with an append-only file synced on every write, so committed data survives a SIGKILL
// (test/services/redis.ts runs without persistence, where a restart empties the server).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../services/ports.js';
import type { RedisServer } from '../services/redis.js';

/** AUTH (when needed) and PING; true on PONG, false on anything else or after a second. */
function ping(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    s.on('connect', () => s.write(password ? `AUTH ${password}\r\nPING\r\n` : 'PING\r\n'));
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('+PONG')) done(true);
      else if (got.split('\r\n').length > (password ? 2 : 1)) done(false);
    });
    s.on('error', () => done(false));
  });
}

export async function startDurableRedis(password?: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-redis-aof-'));
  let proc: ChildProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push('--appendonly', 'yes', '--appendfsync', 'always');
  if (password) args.push('--requirepass', password);
  const start = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    proc.on('error', () => {});
    await waitFor(() => ping(port, password), 10000, 'Redis');
  };
  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: password ? `redis://:${password}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    port,
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
