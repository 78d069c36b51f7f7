// db_query and db_exec against a real SQLite file in a temp dir.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ResourcePool } from '../../../src/engine/resources.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { expectRowCap } from './row-cap.js';

/** A ResourcePool that counts how many resources it created, per key. */
class CountingPool extends ResourcePool {
  readonly created = new Map<string, number>();
  override get<T>(key: string, create: () => T | Promise<T>, close?: (v: T) => void | Promise<void>) {
    return super.get(
      key,
      () => {
        this.created.set(key, (this.created.get(key) ?? 0) + 1);
        return create();
      },
      close,
    );
  }
}

let dir: string;
let url: string;
let resources: CountingPool;

const exec = (query: string, params?: unknown[], ctx: Record<string, unknown> = {}, conn = url) =>
  runNode('db_exec', { connection: conn, query, ...(params ? { params } : {}) }, ctx, { resources });
const query = (query: string, params?: unknown[], ctx: Record<string, unknown> = {}, conn = url) =>
  runNode('db_query', { connection: conn, query, ...(params ? { params } : {}) }, ctx, { resources });
const rows = async (q: string, params?: unknown[], ctx?: Record<string, unknown>) =>
  (await query(q, params, ctx)).rows as Record<string, unknown>[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ironflow-db-'));
  url = `sqlite:${join(dir, 'app.db')}?mode=rwc`;
  resources = new CountingPool();
});

afterAll(async () => {
  await resources.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite CRUD', () => {
  test('create, insert, read, update, delete with the spec output keys', async () => {
    expect(
      await exec(
        'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER, active BOOLEAN, profile JSON)',
      ),
    ).toEqual({ rows_affected: 0, db_exec_success: true });
    expect(await exec('INSERT INTO users (name, age, active) VALUES (?, ?, ?)', ['Ann', 31, true])).toEqual({
      rows_affected: 1,
      db_exec_success: true,
    });
    await exec('INSERT INTO users (name, age, active) VALUES (${ctx.name}, ${ctx.age}, ${ctx.active})', [], {
      name: 'Bob',
      age: 42,
      active: false,
    });
    const out = await runNode(
      'db_query',
      { connection: url, query: 'SELECT id, name, age, active FROM users ORDER BY id', output_key: 'people' },
      {},
      { resources },
    );
    expect(out).toEqual({
      people: [
        { id: 1, name: 'Ann', age: 31, active: true },
        { id: 2, name: 'Bob', age: 42, active: false },
      ],
      people_count: 2,
      people_success: true,
    });
    expect(await exec('UPDATE users SET age = age + 1 WHERE age > ?', [0])).toEqual({
      rows_affected: 2,
      db_exec_success: true,
    });
    expect(await rows('SELECT age FROM users ORDER BY id')).toEqual([{ age: 32 }, { age: 43 }]);
    expect((await exec('DELETE FROM users WHERE name = ?', ['Bob'])).rows_affected).toBe(1);
    expect(await query('SELECT count(*) AS n FROM users')).toEqual({
      rows: [{ n: 1 }],
      rows_count: 1,
      rows_success: true,
    });
    expect(await query('SELECT * FROM users WHERE id = ?', [999])).toEqual({
      rows: [],
      rows_count: 0,
      rows_success: true,
    });
  });

  test('db_query on a statement without rows returns none; RETURNING rows come back', async () => {
    await exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    expect(await query("INSERT INTO notes (body) VALUES ('a')")).toEqual({
      rows: [],
      rows_count: 0,
      rows_success: true,
    });
    expect(await rows("INSERT INTO notes (body) VALUES ('b') RETURNING id, body")).toEqual([
      { id: 2, body: 'b' },
    ]);
    expect((await exec("UPDATE notes SET body = 'c' RETURNING id")).rows_affected).toBe(2);
  });

  test('a script without parameters runs whole; rows_affected sums its changes', async () => {
    const out = await exec(`
      CREATE TABLE tags (name TEXT PRIMARY KEY);
      INSERT INTO tags VALUES ('x'), ('y');
      -- a comment; with a semicolon
      INSERT INTO tags VALUES ('z');
    `);
    expect(out).toEqual({ rows_affected: 3, db_exec_success: true });
    expect(await rows('SELECT name FROM tags ORDER BY name')).toEqual([
      { name: 'x' },
      { name: 'y' },
      { name: 'z' },
    ]);
  });
});

describe('SQLite transactions', () => {
  test('a transaction must begin and end within one query; the shared handle is never left inside one', async () => {
    await exec('CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)');
    expect(
      await exec(
        'BEGIN; INSERT INTO ledger (amount) VALUES (1); INSERT INTO ledger (amount) VALUES (2); COMMIT;',
      ),
    ).toEqual({
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
    ).rejects.toThrow('db_exec failed: NOT NULL constraint failed: ledger.amount');
    // The failed script's first insert was rolled back, and later statements autocommit as usual.
    await exec('INSERT INTO ledger (amount) VALUES (4);  -- trailing comment');
    const other = new ResourcePool();
    try {
      const seen = await runNode(
        'db_query',
        { connection: url, query: 'SELECT amount FROM ledger ORDER BY id' },
        {},
        { resources: other },
      );
      expect(seen.rows).toEqual([{ amount: 1 }, { amount: 2 }, { amount: 4 }]);
    } finally {
      await other.closeAll();
    }
  });

  test('a query with parameters must be one statement', async () => {
    await expect(exec('INSERT INTO ledger (amount) VALUES (?); SELECT 1', [5])).rejects.toThrow(
      'db_exec failed: The supplied SQL string contains more than one statement: a query with parameters must be one statement',
    );
  });
});

describe('SQLite parameter types and binding forms', () => {
  test('every JSON type binds with its SQL type', async () => {
    const r = await rows(
      'SELECT typeof(?) AS i, typeof(?) AS f, typeof(?) AS s, typeof(?) AS b, typeof(?) AS n, ? AS o, ? AS a, ? / 2 AS div',
      [7, 1.5, 'x', true, null, { b: 1, a: [1, 'two'] }, [1, null], 5],
    );
    expect(r).toEqual([
      {
        i: 'integer',
        f: 'real',
        s: 'text',
        b: 'integer',
        n: 'null',
        o: '{"a":[1,"two"],"b":1}',
        a: '[1,null]',
        div: 2,
      },
    ]);
    const bools = await rows('SELECT ? AS t, ? AS f', [true, false]);
    expect(bools).toEqual([{ t: 1, f: 0 }]);
  });

  test('JSON text stored from an object reads back parsed from a JSON column', async () => {
    await exec('CREATE TABLE docs (id INTEGER PRIMARY KEY, body JSON, flag BOOLEAN, raw BLOB)');
    await exec('INSERT INTO docs (body, flag) VALUES (?, ?)', [{ k: [1, 2], s: 'v' }, true]);
    await exec('INSERT INTO docs (body, flag) VALUES (${ctx.doc}, ${ctx.flag})', [], {
      doc: ['x'],
      flag: false,
    });
    await exec("INSERT INTO docs (body, flag) VALUES ('not json', 'yes')");
    await exec("INSERT INTO docs (body, flag, raw) VALUES (NULL, 'nope', x'00ff10')");
    expect(await rows('SELECT body, flag, raw FROM docs ORDER BY id')).toEqual([
      { body: { k: [1, 2], s: 'v' }, flag: true, raw: null },
      { body: ['x'], flag: false, raw: null },
      { body: 'not json', flag: true, raw: null },
      { body: null, flag: false, raw: 'AP8Q' },
    ]);
  });

  test('integers beyond 2^53 come out as exact text; floats and BLOBs are JSON-friendly', async () => {
    expect(
      await rows(
        "SELECT 9007199254740991 AS safe, 9223372036854775807 AS big, -9007199254740993 AS neg, 0.25 AS f, x'48690a' AS b",
      ),
    ).toEqual([
      { safe: 9007199254740991, big: '9223372036854775807', neg: '-9007199254740993', f: 0.25, b: 'SGkK' },
    ]);
  });

  test('?NNN, context placeholders in code and in strings, params with placeholders', async () => {
    const ctx = { user: { name: 'Ann', tags: ['a', 'b'] }, age: 30, nothing: null };
    const r = await rows(
      "SELECT ?2 AS second, ?1 AS first, ${ctx.age} + 1 AS next, '${ctx.user.name}' AS quoted, 'Hi ${ctx.user.name}, ${ctx.age}!' AS greeting, ${ctx.user.tags[1]} AS tag, ${ctx.missing} IS NULL AS missing_is_null, '${ctx.missing}' AS missing_text",
      ['one', 'two'],
      ctx,
    );
    expect(r).toEqual([
      {
        second: 'two',
        first: 'one',
        next: 31,
        quoted: 'Ann',
        greeting: 'Hi Ann, 30!',
        tag: 'b',
        missing_is_null: 1,
        missing_text: '',
      },
    ]);
    const p = await rows(
      'SELECT typeof(?) AS whole, ? AS text, ? AS obj, ? IS NULL AS nul, ? AS literal',
      ['${ctx.age}', 'age=${ctx.age}', '${ctx.user}', '${ctx.nothing}', '\\${ctx.age}'],
      ctx,
    );
    expect(p).toEqual([
      {
        whole: 'integer',
        text: 'age=30',
        obj: '{"name":"Ann","tags":["a","b"]}',
        nul: 1,
        literal: '${ctx.age}',
      },
    ]);
  });

  test('a context value cannot inject SQL', async () => {
    await exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)');
    const evil = "'; DROP TABLE accounts; --";
    const ctx = { name: evil, id: '1 OR 1=1' };
    await exec("INSERT INTO accounts (name) VALUES ('${ctx.name}')", [], ctx);
    await exec('INSERT INTO accounts (name) VALUES (${ctx.name})', [], ctx);
    await exec('INSERT INTO accounts (name) VALUES (?)', ['x${ctx.name}'], ctx);
    await exec("INSERT INTO accounts (name) VALUES ('[${ctx.name}]')", [], ctx);
    expect(await rows('SELECT name FROM accounts ORDER BY id')).toEqual([
      { name: evil },
      { name: evil },
      { name: `x${evil}` },
      { name: `[${evil}]` },
    ]);
    expect(await rows('SELECT count(*) AS n FROM accounts WHERE id = ${ctx.id}', [], ctx)).toEqual([
      { n: 0 },
    ]);
    expect(await rows("SELECT count(*) AS n FROM accounts WHERE name = '${ctx.name}'", [], ctx)).toEqual([
      { n: 2 },
    ]);
    expect(
      await rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"),
    ).toHaveLength(1);
  });

  test('a placeholder cannot name a table', async () => {
    await expect(query('SELECT * FROM "${ctx.t}"', [], { t: 'accounts' })).rejects.toThrow(
      /db_query failed: a \$\{ctx…\} placeholder cannot be used inside a quoted identifier/,
    );
  });

  test('unsupported values name the parameter index', async () => {
    await expect(query('SELECT ?, ?', [1, Number.NaN])).rejects.toThrow(
      'db_query failed: Unsupported param type at index 1: non-finite number NaN cannot be bound as a SQL parameter',
    );
    await expect(exec('SELECT ?', [() => 1])).rejects.toThrow(
      /Unsupported param type at index 0: a function/,
    );
    await expect(exec('SELECT ?', [new Date()])).rejects.toThrow(
      /Unsupported param type at index 0: a Date object/,
    );
  });

  test('the parameter count must match', async () => {
    await expect(query('SELECT ?, ?', [1])).rejects.toThrow(
      "db_query failed: the query uses 2 positional parameter(s) but 'params' has 1 value(s)",
    );
  });
});

describe('SQLite connection handling', () => {
  test('one handle per file, reused across steps, in WAL mode with a busy timeout and foreign keys', async () => {
    const file = join(dir, 'reuse.db');
    const pool = new CountingPool();
    try {
      for (const conn of [`sqlite:${file}?mode=rwc`, `sqlite://${file}`, `sqlite:${file}`, file]) {
        await runNode(
          'db_exec',
          { connection: conn, query: 'CREATE TABLE IF NOT EXISTS t (x)' },
          {},
          { resources: pool },
        );
      }
      const prag = async (q: string) =>
        (await runNode('db_query', { connection: file, query: q }, {}, { resources: pool })).rows;
      expect(await prag('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await prag('PRAGMA busy_timeout')).toEqual([{ timeout: 5000 }]);
      expect(await prag('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      expect([...pool.created.entries()]).toEqual([[`db:sqlite:rw:${file}`, 1]]);
    } finally {
      await pool.closeAll();
    }
  });

  test('mode=ro opens read-only; the default mode does not create the file', async () => {
    const ro = `sqlite:${join(dir, 'app.db')}?mode=ro`;
    expect((await query('SELECT count(*) AS n FROM users', [], {}, ro)).rows_success).toBe(true);
    await expect(exec("INSERT INTO users (name) VALUES ('z')", [], {}, ro)).rejects.toThrow(
      'db_exec failed: attempt to write a readonly database',
    );
    const missing = join(dir, 'missing.db');
    await expect(query('SELECT 1', [], {}, `sqlite:${missing}`)).rejects.toThrow(
      `Failed to connect to database 'sqlite:${missing}': unable to open database file (the file does not exist; add ?mode=rwc to the URL to create it)`,
    );
    expect(existsSync(missing)).toBe(false);
    await expect(query('SELECT 1', [], {}, `sqlite:${join(dir, 'no/such/dir.db')}?mode=rwc`)).rejects.toThrow(
      /^Failed to connect to database '.*': Cannot open database because the directory does not exist/,
    );
  });

  test('sqlite::memory: is one shared in-memory database', async () => {
    await exec('CREATE TABLE m (x)', [], {}, 'sqlite::memory:');
    await exec('INSERT INTO m VALUES (1)', [], {}, 'sqlite::memory:');
    expect((await query('SELECT x FROM m', [], {}, 'sqlite::memory:')).rows).toEqual([{ x: 1 }]);
  });

  test('an aborted step does not run its statement', async () => {
    const ac = new AbortController();
    ac.abort(new Error('step timed out'));
    await expect(
      runNode(
        'db_exec',
        { connection: url, query: 'CREATE TABLE never (x)' },
        {},
        { resources, signal: ac.signal },
      ),
    ).rejects.toThrow('step timed out');
    expect(await rows("SELECT name FROM sqlite_master WHERE name = 'never'")).toEqual([]);
  });
});

describe('SQLite errors', () => {
  test('the database message, after the node name', async () => {
    await expect(query('SELEC 1')).rejects.toThrow('db_query failed: near "SELEC": syntax error');
    await expect(query('SELECT * FROM nope')).rejects.toThrow('db_query failed: no such table: nope');
    await expect(exec('INSERT INTO nope VALUES (1)')).rejects.toThrow('db_exec failed: no such table: nope');
    await exec('CREATE TABLE uniq (k TEXT UNIQUE)');
    await exec("INSERT INTO uniq VALUES ('a')");
    await expect(exec("INSERT INTO uniq VALUES ('a')")).rejects.toThrow(
      'db_exec failed: UNIQUE constraint failed: uniq.k',
    );
  });

  test('unsupported URLs', async () => {
    await expect(query('SELECT 1', [], {}, 'mysql://root:hunter2@localhost/db')).rejects.toThrow(
      "Failed to connect to database 'mysql://root:***@localhost/db': unsupported database URL scheme 'mysql'",
    );
    await expect(query('SELECT 1', [], {}, 'mysql://root:hunter2@localhost/db')).rejects.not.toThrow(
      /hunter2/,
    );
  });

  test('static checks use the spec texts', () => {
    expect(checkNode('db_query', {})).toEqual([
      "db node requires 'connection' (database URL string)",
      "db_query requires 'query' parameter",
    ]);
    expect(checkNode('db_exec', { connection: 'sqlite::memory:' })).toEqual([
      "db_exec requires 'query' parameter",
    ]);
    expect(checkNode('db_exec', { connection: 1, query: 'x' })).toEqual([
      "parameter 'connection' must be a string (got number)",
    ]);
    expect(
      checkNode('db_query', { connection: 'x', query: 'SELECT ${ctx.a or 1}', params: ['${ctx.b c}'] }),
    ).toEqual([expect.stringMatching(/invalid placeholder/), expect.stringMatching(/invalid placeholder/)]);
    expect(checkNode('db_query', { connection: 'x', query: 'SELECT 1', params: 'a' })).toEqual([
      "parameter 'params' must be an array (got string)",
    ]);
  });
});

describe('SQLite large results', () => {
  test('50,000 rows in one query', async () => {
    await exec('CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT, v REAL)');
    const ins = await exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO big (label, v) SELECT 'row ' || i, i / 4.0 FROM n",
    );
    expect(ins.rows_affected).toBe(50000);
    const out = await query('SELECT id, label, v FROM big ORDER BY id');
    const list = out.rows as Array<Record<string, unknown>>;
    expect(out.rows_count).toBe(50000);
    expect(list[0]).toEqual({ id: 1, label: 'row 1', v: 0.25 });
    expect(list[49999]).toEqual({ id: 50000, label: 'row 50000', v: 12500 });
  });
  test('a result over IRONFLOW_DB_MAX_ROWS fails the step, naming the setting', async () => {
    await exec('CREATE TABLE capped (id INTEGER PRIMARY KEY)');
    await exec(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) INSERT INTO capped (id) SELECT i FROM n',
    );
    await expectRowCap((sql) => query(sql));
  });
});
