// The query planner of the db nodes: markers, placeholders, quoting rules of each dialect; and URL masking.
import { describe, expect, test } from 'vitest';
import { PlanError, planSql } from '../../../src/nodes/db/sql.js';
import { maskUrl, parseConnection, scrub } from '../../../src/nodes/db/url.js';

const ctxSlot = (path: Array<string | number>, text = false) => ({ kind: 'ctx', path, text });
const param = (index: number) => ({ kind: 'param', index });

describe('planSql (SQLite)', () => {
  test('placeholders in SQL code become markers bound to the value', () => {
    const plan = planSql('SELECT * FROM t WHERE a = ${ctx.a} AND b = ?', 'sqlite', 1);
    expect(plan.text).toBe('SELECT * FROM t WHERE a = ? AND b = ?');
    expect(plan.slots).toEqual([ctxSlot(['a']), param(0)]);
  });
  test('a string made only of a placeholder becomes one marker bound to the text', () => {
    const plan = planSql("INSERT INTO t VALUES ('${ctx.name}', 'x')", 'sqlite', 0);
    expect(plan.text).toBe("INSERT INTO t VALUES (?, 'x')");
    expect(plan.slots).toEqual([ctxSlot(['name'], true)]);
  });
  test('a string with text around placeholders is concatenated', () => {
    const plan = planSql("SELECT 'it''s ${ctx.a}-${ctx.b[0]}!' AS s", 'sqlite', 0);
    expect(plan.text).toBe("SELECT ('it''s ' || ? || '-' || ? || '!') AS s");
    expect(plan.slots).toEqual([ctxSlot(['a'], true), ctxSlot(['b', 0], true)]);
  });
  test('?NNN follows SQLite numbering', () => {
    const plan = planSql('SELECT ?2, ?1, ?', 'sqlite', 3);
    expect(plan.text).toBe('SELECT ?, ?, ?');
    expect(plan.slots).toEqual([param(1), param(0), param(2)]);
  });
  test('markers inside strings, identifiers and comments are text', () => {
    const plan = planSql(
      `SELECT '?', "a?", \`b?\` -- ${'${ctx.x}'} ?\n/* ? ${'${ctx.y}'} */ FROM t`,
      'sqlite',
      0,
    );
    expect(plan.text).toBe('SELECT \'?\', "a?", `b?` --  ?\n/* ?  */ FROM t');
    expect(plan.slots).toEqual([]);
  });
  test('escaped placeholders stay literal', () => {
    const plan = planSql("SELECT '\\${ctx.x}'", 'sqlite', 0);
    expect(plan.text).toBe("SELECT '${ctx.x}'");
  });
  test('a placeholder inside a quoted identifier is refused', () => {
    expect(() => planSql('SELECT * FROM "${ctx.table}"', 'sqlite', 0)).toThrow(PlanError);
    expect(() => planSql('SELECT * FROM "${ctx.table}"', 'sqlite', 0)).toThrow(/quoted identifier/);
  });
  test('the number of ? must match params', () => {
    expect(() => planSql('SELECT ?, ?', 'sqlite', 1)).toThrow(
      "the query uses 2 positional parameter(s) but 'params' has 1 value(s)",
    );
    expect(() => planSql('SELECT 1', 'sqlite', 1)).toThrow(/uses 0 positional/);
  });
});

describe('planSql (PostgreSQL)', () => {
  test('? becomes $n; context placeholders are numbered after params', () => {
    const plan = planSql('SELECT ${ctx.a}, ?, ?', 'postgres', 2);
    expect(plan.text).toBe('SELECT $3, $1, $2');
    expect(plan.slots).toEqual([param(0), param(1), ctxSlot(['a'])]);
  });
  test('$n is kept and ? stays an operator then', () => {
    const plan = planSql("SELECT data ? 'k', $1, ${ctx.x} FROM t", 'postgres', 1);
    expect(plan.text).toBe("SELECT data ? 'k', $1, $2 FROM t");
  });
  test('without params, ? is the jsonb operator; ?| and ?& always are', () => {
    expect(planSql("SELECT d ? 'a', d ?| array['b']", 'postgres', 0).text).toBe(
      "SELECT d ? 'a', d ?| array['b']",
    );
    expect(planSql('SELECT d ?& $1', 'postgres', 1).text).toBe('SELECT d ?& $1');
  });
  test('E strings, dollar quotes and nested comments', () => {
    const plan = planSql(
      "SELECT E'a\\'${ctx.x}', $$?${ctx.y}$$, $t$$1$t$, a$1 /* /* ? */ ? */ FROM t",
      'postgres',
      0,
    );
    expect(plan.text).toBe("SELECT (E'a\\'' || $1), ($$?$$ || $2), $t$$1$t$, a$1 /* /* ? */ ? */ FROM t");
    expect(plan.slots).toEqual([ctxSlot(['x'], true), ctxSlot(['y'], true)]);
  });
  test('$n beyond params is refused with a hint about ?', () => {
    expect(() => planSql('SELECT $2', 'postgres', 1)).toThrow(
      /uses 2 positional parameter\(s\) but 'params' has 1/,
    );
    expect(() => planSql("SELECT d ? 'a', ?", 'postgres', 1)).toThrow(/write \$1, \$2/);
  });
});

describe('connection URLs', () => {
  test('SQLite forms', () => {
    expect(parseConnection('sqlite:/tmp/a.db?mode=rwc')).toMatchObject({
      kind: 'sqlite',
      path: '/tmp/a.db',
      create: true,
    });
    expect(parseConnection('sqlite:///tmp/a.db')).toMatchObject({
      path: '/tmp/a.db',
      create: false,
      defaultMode: true,
    });
    expect(parseConnection('sqlite://data/x%20y.db?mode=ro')).toMatchObject({
      path: 'data/x y.db',
      readonly: true,
    });
    expect(parseConnection('sqlite::memory:')).toMatchObject({ memory: true, path: ':memory:' });
    expect(parseConnection('/var/data/app.db')).toMatchObject({ kind: 'sqlite', path: '/var/data/app.db' });
    expect(() => parseConnection('sqlite:/x.db?mode=wat')).toThrow(/unsupported SQLite mode 'wat'/);
    expect(() => parseConnection('sqlite:/x.db?cache=shared')).toThrow(
      /unsupported SQLite URL option 'cache'/,
    );
  });
  test('PostgreSQL URLs are masked; other schemes are refused without echoing the password', () => {
    const t = parseConnection('postgresql://app:s3cr%40t@db.example:5432/prod?sslmode=require');
    expect(t).toMatchObject({
      kind: 'postgres',
      display: 'postgresql://app:***@db.example:5432/prod?sslmode=require',
    });
    expect(() => parseConnection('mysql://root:hunter2@h/db')).toThrow(
      "Failed to connect to database 'mysql://root:***@h/db': unsupported database URL scheme 'mysql'",
    );
  });
  test('masking and scrubbing', () => {
    expect(maskUrl('postgres://u:p@ss@h/db')).toBe('postgres://u:***@h/db');
    expect(maskUrl('postgres://h/db?user=u&password=pw&x=1')).toBe('postgres://h/db?user=u&password=***&x=1');
    expect(maskUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    const t = parseConnection('postgres://postgres:postgres@h/postgres');
    expect(scrub('at postgres://postgres:postgres@h/postgres: password postgres wrong', t)).toBe(
      'at postgres://postgres:***@h/postgres: password *** wrong',
    );
    expect(scrub('see redis://x:y@z', undefined)).toBe('see redis://x:***@z');
  });
});
