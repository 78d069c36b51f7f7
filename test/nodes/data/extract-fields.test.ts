import { describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';

const doc = {
  data: {
    items: [
      { id: 1, name: 'a', tags: ['x', 'y'] },
      { id: 2, name: null },
    ],
    'odd key': 5,
  },
  list: [[10, 20], [30]],
};

const extract = async (path: string, extra: Record<string, unknown> = {}, source: unknown = doc) =>
  (await runNode('json_extract_path', { source_key: 's', path, output_key: 'out', ...extra }, { s: source }))
    .out;

describe('json_extract_path', () => {
  test('keys and indexes', async () => {
    expect(await extract('data.items[0].name')).toBe('a');
    expect(await extract('data.items[0].tags[1]')).toBe('y');
    expect(await extract('data.items[ 1 ].id')).toBe(2);
    expect(await extract('list[0][1]')).toBe(20);
    expect(await extract('data.odd key')).toBe(5);
    expect(await extract('..data..items[1].id.')).toBe(2);
  });

  test('an index may start the path', async () => {
    expect(await extract('[1].id', {}, [{ id: 'a' }, { id: 'b' }])).toBe('b');
  });

  test('empty or whitespace path is the whole source', async () => {
    expect(await extract('', {}, { a: 1 })).toEqual({ a: 1 });
    expect(await extract('   ', {}, [1])).toEqual([1]);
  });

  test('explicit null stays null; missing gives the default', async () => {
    expect(await extract('data.items[1].name', { default: 'dflt' })).toBeNull();
    expect(await extract('data.nope', { default: 'dflt' })).toBe('dflt');
    expect(await extract('data.nope')).toBeNull();
    expect(await extract('data.items[0].tags', { default: 0 })).toEqual(['x', 'y']);
  });

  test('malformed or non-matching paths are missing', async () => {
    for (const p of [
      'data.items[9]',
      'data.items[-1]',
      'data.items[x]',
      'data.items[0',
      'data.items[0]x',
      'data[0]',
      'list.0',
    ]) {
      expect([p, await extract(p, { default: 'miss' })]).toEqual([p, 'miss']);
    }
  });

  test('required', async () => {
    await expect(extract('data.nope', { required: true })).rejects.toThrow(
      "Path 'data.nope' was not found in 's'",
    );
  });

  test('parse_json', async () => {
    expect(await extract('a.b', { parse_json: true }, '{"a":{"b":"ü"}}')).toBe('ü');
    expect(await extract('a', { parse_json: true }, { a: 1 })).toBe(1);
    expect(await extract('a', {}, '{"a":1}')).toBeNull();
    await expect(extract('a', { parse_json: true }, '{bad')).rejects.toThrow(
      "json_extract_path failed to parse 's' as JSON:",
    );
  });

  test('missing source key and static errors', async () => {
    await expect(
      runNode('json_extract_path', { source_key: 'k', path: 'a', output_key: 'o' }, {}),
    ).rejects.toThrow("Key 'k' not found in context");
    expect(checkNode('json_extract_path', { source_key: 'k' })).toEqual([
      "json_extract_path requires 'path'",
      "json_extract_path requires 'output_key'",
    ]);
  });
});

describe('select_fields', () => {
  test('keeps listed fields in order, skips absent and non-string names', async () => {
    const out = await runNode(
      'select_fields',
      { source_key: 'u', output_key: 'o', fields: ['b', 'zz', 3, 'a'] },
      { u: { a: 1, b: { c: 2 }, d: 3 } },
    );
    expect(out).toEqual({ o: { b: { c: 2 }, a: 1 } });
    expect(Object.keys(out.o as object)).toEqual(['b', 'a']);
  });

  test('errors', async () => {
    await expect(
      runNode('select_fields', { source_key: 'u', output_key: 'o', fields: [] }, { u: [1] }),
    ).rejects.toThrow("Value at 'u' is not an object");
    expect(checkNode('select_fields', { source_key: 'u', output_key: 'o', fields: 'a' })).toEqual([
      "parameter 'fields' must be an array (got string)",
    ]);
    expect(checkNode('select_fields', { source_key: 'u', output_key: 'o' })).toEqual([
      "select_fields requires 'fields'",
    ]);
  });
});

describe('rename_fields', () => {
  test('mapping is old -> new; other fields copied; non-string targets keep the name', async () => {
    const out = await runNode(
      'rename_fields',
      { source_key: 'u', output_key: 'o', mapping: { first_name: 'name', age: 5 } },
      { u: { first_name: 'Ann', age: 30, city: 'Köln' } },
    );
    expect(out.o).toEqual({ name: 'Ann', age: 30, city: 'Köln' });
  });

  test('collisions: the field later in sorted key order wins', async () => {
    const run = (mapping: Record<string, unknown>, u: Record<string, unknown>) =>
      runNode('rename_fields', { source_key: 'u', output_key: 'o', mapping }, { u });
    expect((await run({ a: 'b' }, { a: 1, b: 2 })).o).toEqual({ b: 2 });
    expect((await run({ c: 'b' }, { b: 1, c: 2 })).o).toEqual({ b: 2 });
  });

  test('errors', async () => {
    await expect(
      runNode('rename_fields', { source_key: 'u', output_key: 'o', mapping: {} }, {}),
    ).rejects.toThrow("Key 'u' not found in context");
    expect(checkNode('rename_fields', { source_key: 'u', output_key: 'o', mapping: ['a'] })).toEqual([
      "parameter 'mapping' must be an object (got array)",
    ]);
  });
});

describe('data_transform', () => {
  test('mapping is new <- old; only mapped fields present in the item', async () => {
    const out = await runNode(
      'data_transform',
      {
        source_key: 'rows',
        output_key: 'o',
        mapping: { id: 'user_id', label: 'name', skip: 1, gone: 'missing' },
      },
      { rows: [{ user_id: 1, name: 'a', extra: true }, 'not an object', { user_id: 2 }] },
    );
    expect(out.o).toEqual([{ id: 1, label: 'a' }, {}, { id: 2 }]);
  });

  test('a single object', async () => {
    const out = await runNode(
      'data_transform',
      { source_key: 'u', output_key: 'o', mapping: { n: 'name' } },
      { u: { name: 'x', y: 1 } },
    );
    expect(out.o).toEqual({ n: 'x' });
  });

  test('wrong type', async () => {
    await expect(
      runNode('data_transform', { source_key: 'u', output_key: 'o', mapping: {} }, { u: 'text' }),
    ).rejects.toThrow("Value at 'u' must be an object or array");
  });
});
