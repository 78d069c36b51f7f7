// A real PostgreSQL server for tests: initdb into a temp dir, listen on a free loopback port, stop after.
// Needs Debian's postgresql package (.ci/run installs it). As root, the server runs as user `postgres`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

export interface PgServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stop and start again on the same port and data (for restart tests). */
  restart(): Promise<void>;
  /** Stop without restarting (the data directory is kept until stop()). */
  kill(): Promise<void>;
  start(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
}

const asRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[]): void {
  const full = asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args;
  const r = spawnSync(asRoot ? 'runuser' : cmd, full, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startPostgres(): Promise<PgServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-pg-'));
  const data = join(dir, 'data');
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const log = join(dir, 'server.log');
  const start = async () => {
    run(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
    await waitFor(() => portOpen(port), 15000, 'PostgreSQL');
  };
  const kill = async () => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
  };
  await start();
  if (asRoot) chownSync(dir, 101, 104);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
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

/** Service entry for example sidecars (`"services": ["postgres"]`): gives DATABASE_URL. */
export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const pg = await startPostgres();
  return { env: { DATABASE_URL: pg.url }, stop: pg.stop };
}
