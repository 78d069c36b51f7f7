// db_query and db_exec against a real PostgreSQL (initdb into a temp dir, loopback port).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { ResourcePool } from '../../../src/engine/resources.js';
import { type LogLine, runNode } from '../../helpers/nodes.js';
import { freePort } from '../../services/ports.js';
import { type PgServer, startPostgres } from '../../services/postgres.js';
import { expectRowCap } from './row-cap.js';

let server: PgServer;
let url: string;
let admin: pg.Client;
let resources: ResourcePool;

const exec = (query: string, params?: unknown[], ctx: Record<string, unknown> = {}, conn = url) =>
  runNode('db_exec', { connection: conn, query, ...(params ? { params } : {}) }, ctx, { resources });
const query = (query: string, params?: unknown[], ctx: Record<string, unknown> = {}, conn = url) =>
  runNode('db_query', { connection: conn, query, ...(params ? { params } : {}) }, ctx, { resources });
const rows = async (q: string, params?: unknown[], ctx?: Record<string, unknown>, conn = url) =>
  (await query(q, params, ctx, conn)).rows as Record<string, unknown>[];

/** Client connections the server has for an application_name. */
async function backends(app: string): Promise<number> {
  const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
    app,
  ]);
  return r.rows[0].n;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never became true: ${what}`);
}

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query("CREATE ROLE app LOGIN PASSWORD 's3cr3t-pw'");
  await admin.query('GRANT ALL ON SCHEMA public TO app');
  url = `postgres://app:s3cr3t-pw@127.0.0.1:${server.port}/postgres?application_name=ironflow_test`;
  resources = new ResourcePool();
});

afterAll(async () => {
  await resources?.closeAll();
  await admin?.end();
  await server?.stop();
});

describe('PostgreSQL CRUD', () => {
  test('create, insert, read, update, delete with the spec output keys', async () => {
    expect(
      await exec(
        'CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, age int, active boolean, profile jsonb)',
      ),
    ).toEqual({ rows_affected: 0, db_exec_success: true });
    expect(await exec('INSERT INTO users (name, age, active) VALUES (?, ?, ?)', ['Ann', 31, true])).toEqual({
      rows_affected: 1,
      db_exec_success: true,
    });
    await exec('INSERT INTO users (name, age, active) VALUES ($1, $2, ${ctx.active})', ['Bob', 42], {
      active: false,
    });
    expect(await query('SELECT id, name, age, active FROM users ORDER BY id')).toEqual({
      rows: [
        { id: 1, name: 'Ann', age: 31, active: true },
        { id: 2, name: 'Bob', age: 42, active: false },
      ],
      rows_count: 2,
      rows_success: true,
    });
    expect(await exec('UPDATE users SET age = age + 1 WHERE age > ${ctx.min}', [], { min: 0 })).toEqual({
      rows_affected: 2,
      db_exec_success: true,
    });
    expect((await exec('DELETE FROM users WHERE name = ?', ['Bob'])).rows_affected).toBe(1);
    const out = await runNode(
      'db_query',
      { connection: url, query: 'SELECT count(*) AS n FROM users', output_key: 'c' },
      {},
      { resources },
    );
    expect(out).toEqual({ c: [{ n: 1 }], c_count: 1, c_success: true });
  });

  test('a script without parameters runs whole; RETURNING rows come back from db_query', async () => {
    const out = await exec(`
      CREATE TABLE tags (name text PRIMARY KEY);
      INSERT INTO tags VALUES ('x'), ('y');
      INSERT INTO tags VALUES ('z');
    `);
    expect(out).toEqual({ rows_affected: 3, db_exec_success: true });
    expect(await rows("INSERT INTO tags VALUES ('w') RETURNING name")).toEqual([{ name: 'w' }]);
    expect(await rows("DELETE FROM tags WHERE name = 'w'")).toEqual([]);
  });
});

describe('PostgreSQL transactions', () => {
  test('a transaction must begin and end within one query; no pooled connection stays inside one', async () => {
    await exec('CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL)');
    expect(await exec('BEGIN; INSERT INTO ledger (amount) VALUES (1), (2); COMMIT;')).toEqual({
      rows_affected: 2,
      db_exec_success: true,
    });
    await expect(exec('BEGIN')).rejects.toThrow(
      'db_exec failed: the query left a transaction open, so it was rolled back; a transaction must begin and end within one query',
    );
    await expect(
      exec(
        'BEGIN; INSERT INTO ledger (amount) VALUES (3); INSERT INTO ledger (amount) VALUES (NULL); COMMIT;',
      ),
    ).rejects.toThrow(/db_exec failed: null value in column "amount" .*violates not-null constraint/);
    await exec('INSERT INTO ledger (amount) VALUES ($1)', [4]);
    const { rows: seen } = await admin.query('SELECT amount FROM ledger ORDER BY id');
    expect(seen).toEqual([{ amount: 1 }, { amount: 2 }, { amount: 4 }]);
    const { rows: idle } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ironflow_test' AND state LIKE 'idle in transaction%'",
    );
    expect(idle).toEqual([{ n: 0 }]);
  });

  test('after a failed script the single pooled connection is clean again, every time', async () => {
    // pg reports the error before the server's ReadyForQuery says the transaction is aborted; a connection
    // returned too early would fail the next step with "current transaction is aborted".
    const conn = `postgres://app:s3cr3t-pw@127.0.0.1:${server.port}/postgres?application_name=ironflow_tx`;
    overrideSetting('IRONFLOW_DB_POOL_SIZE', 1);
    try {
      await exec('CREATE TABLE tx_probe (amount int)', [], {}, conn);
      for (let i = 0; i < 25; i++) {
        await expect(
          exec('BEGIN; INSERT INTO tx_probe VALUES (5); SELECT 1 / 0; COMMIT;', [], {}, conn),
        ).rejects.toThrow('db_exec failed: division by zero (SQLSTATE 22012)');
        expect(await rows('SELECT count(*) AS n FROM tx_probe', [], {}, conn)).toEqual([{ n: 0 }]);
      }
    } finally {
      overrideSetting('IRONFLOW_DB_POOL_SIZE', undefined);
    }
  });
});

describe('PostgreSQL parameter types and values', () => {
  test('every JSON type binds; objects and arrays as JSON into jsonb', async () => {
    await exec(
      'CREATE TABLE kinds (id serial, i int, f float8, s text, b boolean, n text, o jsonb, a jsonb)',
    );
    await exec('INSERT INTO kinds (i, f, s, b, n, o, a) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      7,
      1.5,
      'x',
      true,
      null,
      { b: 1, a: [1, 'two'] },
      [1, null, { k: 'v' }],
    ]);
    await exec('INSERT INTO kinds (o, a) VALUES (${ctx.o}, ${ctx.a})', [], { o: { z: true }, a: [] });
    expect(await rows('SELECT i, f, s, b, n, o, a FROM kinds ORDER BY id')).toEqual([
      { i: 7, f: 1.5, s: 'x', b: true, n: null, o: { a: [1, 'two'], b: 1 }, a: [1, null, { k: 'v' }] },
      { i: null, f: null, s: null, b: null, n: null, o: { z: true }, a: [] },
    ]);
    expect(await rows("SELECT o ? 'a' AS has_a FROM kinds WHERE id = $1", [1])).toEqual([{ has_a: true }]);
  });

  test('column values are JSON-friendly', async () => {
    const [r] = await rows(`SELECT
      (SELECT count(*) FROM pg_class WHERE false) AS cnt,
      9223372036854775807::int8 AS big,
      (-42)::int8 AS small,
      12.50::numeric AS dec,
      123456789012345678901234.5::numeric AS bigdec,
      'NaN'::float8 AS nan,
      'Infinity'::float8 AS inf,
      '\\x00ff10'::bytea AS bin,
      ARRAY['\\x01'::bytea] AS bins,
      DATE '2024-02-29' AS d,
      TIMESTAMP '2024-02-29 13:14:15.5' AS ts,
      TIMESTAMPTZ '2024-02-29 13:14:15+00' AS tstz,
      INTERVAL '1 day 2 hours' AS iv,
      '6b1f0b4e-6f1a-4a55-9c67-7d8e4b0f2a11'::uuid AS id,
      ARRAY[1, 2]::int8[] AS ints,
      ARRAY[9223372036854775807]::int8[] AS bigs,
      ARRAY[[1.5, 2.25], [3, 4]]::numeric[] AS grid,
      '{"k":[1,{"x":null}]}'::json AS js`);
    expect(r).toEqual({
      cnt: 0,
      big: '9223372036854775807',
      small: -42,
      dec: 12.5,
      bigdec: '123456789012345678901234.5',
      nan: 'NaN',
      inf: 'Infinity',
      bin: 'AP8Q',
      bins: ['AQ=='],
      d: '2024-02-29',
      ts: '2024-02-29 13:14:15.5',
      tstz: expect.stringMatching(/^2024-02-29 13:14:15\+00$/),
      iv: '1 day 02:00:00',
      id: '6b1f0b4e-6f1a-4a55-9c67-7d8e4b0f2a11',
      ints: [1, 2],
      bigs: ['9223372036854775807'],
      grid: [
        [1.5, 2.25],
        [3, 4],
      ],
      js: { k: [1, { x: null }] },
    });
  });

  test('context placeholders: typed in code, text in strings; params with placeholders', async () => {
    const ctx = { user: { name: 'Ann' }, age: 30, day: '2024-03-01' };
    expect(
      await rows(
        "SELECT ${ctx.age} + 1 AS next, '${ctx.user.name}' AS quoted, 'Hi ${ctx.user.name}, ${ctx.age}!' AS greeting, '${ctx.day}'::date + 1 AS tomorrow, ${ctx.missing}::text IS NULL AS missing_is_null, ? AS p",
        ['${ctx.user.name}'],
        ctx,
      ),
    ).toEqual([
      {
        next: 31,
        quoted: 'Ann',
        greeting: 'Hi Ann, 30!',
        tomorrow: '2024-03-02',
        missing_is_null: true,
        p: 'Ann',
      },
    ]);
  });

  test('a context value cannot inject SQL', async () => {
    await exec('CREATE TABLE accounts (id serial, name text)');
    const evil = "'; DROP TABLE accounts; --";
    const ctx = { name: evil, id: '1 OR 1=1' };
    await exec("INSERT INTO accounts (name) VALUES ('${ctx.name}')", [], ctx);
    await exec('INSERT INTO accounts (name) VALUES (${ctx.name})', [], ctx);
    await exec('INSERT INTO accounts (name) VALUES ($$<${ctx.name}>$$)', [], ctx);
    await exec("INSERT INTO accounts (name) VALUES (E'\\t${ctx.name}')", [], ctx);
    expect(await rows('SELECT name FROM accounts ORDER BY id')).toEqual([
      { name: evil },
      { name: evil },
      { name: `<${evil}>` },
      { name: `\t${evil}` },
    ]);
    await expect(query('SELECT count(*) FROM accounts WHERE id = ${ctx.id}', [], ctx)).rejects.toThrow(
      /db_query failed: invalid input syntax for type integer: "1 OR 1=1" \(SQLSTATE 22P02\)/,
    );
    expect(await rows("SELECT to_regclass('accounts') IS NOT NULL AS still_there")).toEqual([
      { still_there: true },
    ]);
  });

  test('unsupported values name the parameter index', async () => {
    await expect(query('SELECT $1, $2', ['a', Number.POSITIVE_INFINITY])).rejects.toThrow(
      'db_query failed: Unsupported param type at index 1: non-finite number Infinity cannot be bound as a SQL parameter',
    );
  });
});

describe('PostgreSQL pool', () => {
  test('one pool per URL: sequential steps share one connection, concurrent ones stay within the pool size', async () => {
    const app = 'ironflow_reuse';
    const conn = `postgres://app:s3cr3t-pw@127.0.0.1:${server.port}/postgres?application_name=${app}`;
    const pool = new ResourcePool();
    const created: string[] = [];
    const counting = {
      get: <T>(key: string, create: () => T | Promise<T>, close?: (v: T) => void | Promise<void>) =>
        pool.get(
          key,
          () => {
            created.push(key);
            return create();
          },
          close,
        ),
      closeAll: () => pool.closeAll(),
    };
    overrideSetting('IRONFLOW_DB_POOL_SIZE', 3);
    try {
      const run = (q: string) =>
        runNode('db_query', { connection: conn, query: q }, {}, { services: { resources: counting } });
      const pidOf = (out: Record<string, unknown>) => (out.rows as Array<{ pid: number }>)[0]!.pid;
      const pids = new Set<number>();
      for (let i = 0; i < 20; i++) pids.add(pidOf(await run('SELECT pg_backend_pid() AS pid')));
      expect(pids.size).toBe(1);
      expect(await backends(app)).toBe(1);
      const many = await Promise.all(
        Array.from({ length: 12 }, () => run('SELECT pg_backend_pid() AS pid, pg_sleep(0.1)')),
      );
      const concurrentPids = new Set(many.map(pidOf));
      expect(concurrentPids.size).toBe(3);
      expect(await backends(app)).toBe(3);
      expect(created).toEqual([`db:${conn}`]);
    } finally {
      overrideSetting('IRONFLOW_DB_POOL_SIZE', undefined);
      await counting.closeAll();
    }
    // Shutdown closes the pool's connections.
    await eventually(async () => (await backends(app)) === 0, 'connections closed after closeAll');
  });

  test('an aborted step cancels its statement on the server and the connection is reused', async () => {
    const app = 'ironflow_cancel';
    const conn = `postgres://app:s3cr3t-pw@127.0.0.1:${server.port}/postgres?application_name=${app}`;
    const ac = new AbortController();
    const running = runNode(
      'db_query',
      { connection: conn, query: 'SELECT pg_sleep(30)' },
      {},
      { resources, signal: ac.signal },
    );
    await eventually(async () => {
      const r = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
        [app],
      );
      return r.rows[0].n === 1;
    }, 'query running');
    ac.abort(new Error('Task timed out'));
    await expect(running).rejects.toThrow('Task timed out');
    await eventually(async () => {
      const r = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
        [app],
      );
      return r.rows[0].n === 0;
    }, 'query cancelled');
    expect(await rows('SELECT 1 AS one', [], {}, conn)).toEqual([{ one: 1 }]);
    expect(await backends(app)).toBe(1);
  });
});

describe('PostgreSQL errors', () => {
  test('the database message with its SQLSTATE, after the node name', async () => {
    await expect(query('SELEC 1')).rejects.toThrow(
      'db_query failed: syntax error at or near "SELEC" (SQLSTATE 42601)',
    );
    await expect(query('SELECT * FROM nope')).rejects.toThrow(
      'db_query failed: relation "nope" does not exist (SQLSTATE 42P01)',
    );
    await exec('CREATE TABLE uniq (k text UNIQUE)');
    await exec("INSERT INTO uniq VALUES ('a')");
    await expect(exec("INSERT INTO uniq VALUES ('a')")).rejects.toThrow(
      /^db_exec failed: duplicate key value violates unique constraint "uniq_k_key": Key \(k\)=\(a\) already exists\. \(SQLSTATE 23505\)$/,
    );
  });

  test('a refused connection fails at once with the masked URL', async () => {
    const port = await freePort();
    const conn = `postgres://app:s3cr3t-pw@127.0.0.1:${port}/postgres`;
    const logs: LogLine[] = [];
    const err = await runNode(
      'db_query',
      { connection: conn, query: 'SELECT 1' },
      {},
      { resources, logs },
    ).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `Failed to connect to database 'postgres://app:***@127.0.0.1:${port}/postgres': connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(JSON.stringify(logs)).not.toContain('s3cr3t');
  });

  test('a password is never echoed: unknown database, bad URL, password in the query string', async () => {
    const bad = [
      `postgres://app:s3cr3t-pw@127.0.0.1:${server.port}/nodb`,
      'postgresql://app:s3cr3t-pw@127.0.0.1:notaport/db',
      `postgres://127.0.0.1:${server.port}/nodb?user=app&password=s3cr3t-pw`,
      'postgres://app:s3cr3t-pw@[::1/db',
    ];
    for (const conn of bad) {
      const logs: LogLine[] = [];
      const err = (await runNode(
        'db_exec',
        { connection: conn, query: 'SELECT 1' },
        {},
        { resources, logs },
      ).catch((e: Error) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/^Failed to connect to database '/);
      expect(err.message).not.toContain('s3cr3t');
      expect(JSON.stringify(logs)).not.toContain('s3cr3t');
    }
    const err = (await query(
      'SELECT 1',
      [],
      {},
      `postgres://app:s3cr3t-pw@127.0.0.1:${server.port}/nodb`,
    ).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('database "nodb" does not exist');
  });

  test('success logs and outputs carry no password', async () => {
    const logs: LogLine[] = [];
    const out = await runNode(
      'db_query',
      { connection: url, query: 'SELECT 1 AS one' },
      {},
      { resources, logs },
    );
    expect(JSON.stringify(out)).not.toContain('s3cr3t');
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain('s3cr3t');
    expect(JSON.stringify(logs)).toContain('postgres://app:***@127.0.0.1');
  });
});

describe('PostgreSQL large results', () => {
  test('50,000 rows in one query', async () => {
    await exec('CREATE TABLE big (id int PRIMARY KEY, label text, v numeric)');
    expect(
      (await exec("INSERT INTO big SELECT i, 'row ' || i, i / 4.0 FROM generate_series(1, 50000) AS i"))
        .rows_affected,
    ).toBe(50000);
    const out = await query('SELECT id, label, v FROM big ORDER BY id');
    const list = out.rows as Array<Record<string, unknown>>;
    expect(out.rows_count).toBe(50000);
    expect(list[0]).toEqual({ id: 1, label: 'row 1', v: 0.25 });
    expect(list[49999]).toEqual({ id: 50000, label: 'row 50000', v: 12500 });
  });
  test('a result over IRONFLOW_DB_MAX_ROWS fails the step, naming the setting', async () => {
    await exec('CREATE TABLE capped (id int PRIMARY KEY)');
    await exec('INSERT INTO capped SELECT i FROM generate_series(1, 20) AS i');
    await expectRowCap((sql) => query(sql));
  });
});
