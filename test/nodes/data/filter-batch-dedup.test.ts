import { describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';

const people = [
  { name: 'Ann', age: 31, city: 'Zürich', vip: true },
  { name: 'Bob', age: 17, city: 'Paris', vip: null },
  { name: 'Cem', age: '40', city: 'Berlin' },
  { name: 'Dee', age: 31.0, tags: ['a', 'b'] },
  'not an object',
  null,
];

const filter = async (op: string, field: string, value?: unknown) => {
  const cfg: Record<string, unknown> = { source_key: 'p', output_key: 'out', field, op };
  if (value !== undefined) cfg.value = value;
  const out = await runNode('data_filter', cfg, { p: people });
  expect(out.out_count).toBe((out.out as unknown[]).length);
  return (out.out as Array<{ name?: string } | string | null>).map((x) =>
    x !== null && typeof x === 'object' ? x.name : x,
  );
};

describe('data_filter', () => {
  test('eq / neq use deep equality; absent fields are dropped', async () => {
    expect(await filter('eq', 'age', 31)).toEqual(['Ann', 'Dee']);
    expect(await filter('eq', 'tags', ['a', 'b'])).toEqual(['Dee']);
    expect(await filter('neq', 'age', 31)).toEqual(['Bob', 'Cem']);
    expect(await filter('eq', 'city', 'Zürich')).toEqual(['Ann']);
  });

  test('numeric comparisons need numbers on both sides', async () => {
    expect(await filter('gt', 'age', 18)).toEqual(['Ann', 'Dee']);
    expect(await filter('lt', 'age', 18)).toEqual(['Bob']);
    expect(await filter('gte', 'age', 31)).toEqual(['Ann', 'Dee']);
    expect(await filter('lte', 'age', 17)).toEqual(['Bob']);
    expect(await filter('gt', 'age', '18')).toEqual([]);
  });

  test('contains needs strings', async () => {
    expect(await filter('contains', 'city', 'ri')).toEqual(['Ann', 'Bob']);
    expect(await filter('contains', 'tags', 'a')).toEqual([]);
  });

  test('exists / not_exists treat null as absent; non-objects have no fields', async () => {
    expect(await filter('exists', 'vip')).toEqual(['Ann']);
    expect(await filter('not_exists', 'vip')).toEqual(['Bob', 'Cem', 'Dee', 'not an object', null]);
  });

  test('ops other than exists need a value; null is a value', async () => {
    expect(await filter('eq', 'age')).toEqual([]);
    expect(await filter('eq', 'vip', null)).toEqual(['Bob']);
    expect(await filter('neq', 'vip', null)).toEqual(['Ann']);
    expect(await filter('gt', 'vip', null)).toEqual([]);
  });

  test('empty array and errors', async () => {
    const out = await runNode(
      'data_filter',
      { source_key: 'p', output_key: 'o', field: 'x', op: 'exists' },
      { p: [] },
    );
    expect(out).toEqual({ o: [], o_count: 0 });
    await expect(
      runNode('data_filter', { source_key: 'p', output_key: 'o', field: 'x', op: 'eq', value: 1 }, { p: {} }),
    ).rejects.toThrow("Value at 'p' is not an array");
    await expect(
      runNode('data_filter', { source_key: 'q', output_key: 'o', field: 'x', op: 'eq', value: 1 }, {}),
    ).rejects.toThrow("Key 'q' not found in context");
  });

  test('static errors', () => {
    expect(checkNode('data_filter', { source_key: 'p', output_key: 'o', field: 'x' })).toEqual([
      "data_filter requires 'op' (eq, neq, gt, lt, gte, lte, contains, exists)",
    ]);
    expect(checkNode('data_filter', { source_key: 'p', output_key: 'o', field: 'x', op: 'like' })[0]).toMatch(
      /parameter 'op' must be one of eq, neq, gt, lt, gte, lte, contains, exists, not_exists \(got 'like'\)/,
    );
    expect(checkNode('data_filter', { source_key: 'p', output_key: 'o', op: 'eq' })).toEqual([
      "data_filter requires 'field'",
    ]);
  });
});

describe('batch', () => {
  test('chunks with a shorter last batch', async () => {
    const out = await runNode('batch', { source_key: 'a', output_key: 'b', size: 2 }, { a: [1, 2, 3, 4, 5] });
    expect(out).toEqual({ b: [[1, 2], [3, 4], [5]], b_count: 3 });
  });

  test('empty array and size larger than the array', async () => {
    expect(await runNode('batch', { source_key: 'a', output_key: 'b', size: 3 }, { a: [] })).toEqual({
      b: [],
      b_count: 0,
    });
    expect(await runNode('batch', { source_key: 'a', output_key: 'b', size: 10 }, { a: ['x'] })).toEqual({
      b: [['x']],
      b_count: 1,
    });
  });

  test('static errors with the NODES texts', () => {
    const base = { source_key: 'a', output_key: 'b' };
    expect(checkNode('batch', base)).toEqual(["batch requires 'size' (positive integer)"]);
    expect(checkNode('batch', { ...base, size: 0 })).toEqual(["batch 'size' must be greater than 0"]);
    expect(checkNode('batch', { ...base, size: -2 })).toEqual(["batch requires 'size' (positive integer)"]);
    expect(checkNode('batch', { ...base, size: 1.5 })).toEqual([
      "parameter 'size' must be an integer (got number)",
    ]);
    expect(checkNode('batch', { ...base, size: '2' })).toEqual([
      "parameter 'size' must be an integer (got string)",
    ]);
  });

  test('wrong type', async () => {
    await expect(
      runNode('batch', { source_key: 'a', output_key: 'b', size: 2 }, { a: 'abc' }),
    ).rejects.toThrow("Value at 'a' is not an array");
  });

  test('100k items', async () => {
    const a = Array.from({ length: 100_000 }, (_, i) => i);
    const out = await runNode('batch', { source_key: 'a', output_key: 'b', size: 999 }, { a });
    expect(out.b_count).toBe(101);
    expect((out.b as number[][])[100]).toHaveLength(100_000 - 100 * 999);
  });
});

describe('deduplicate', () => {
  test('whole items, key order ignored, first kept', async () => {
    const out = await runNode(
      'deduplicate',
      { source_key: 'a', output_key: 'u' },
      { a: [{ a: 1, b: 2 }, { b: 2, a: 1 }, 1, '1', 1, null, null, [1, 2], [2, 1]] },
    );
    expect(out).toEqual({ u: [{ a: 1, b: 2 }, 1, '1', null, [1, 2], [2, 1]], u_removed: 3 });
  });

  test('by key: JSON identity, items lacking the key share one identity', async () => {
    const out = await runNode(
      'deduplicate',
      { source_key: 'a', output_key: 'u', key: 'id' },
      { a: [{ id: 1, n: 'a' }, { id: '1' }, { id: 1, n: 'b' }, { x: 1 }, { y: 2 }, 'str', { id: null }] },
    );
    expect(out).toEqual({ u: [{ id: 1, n: 'a' }, { id: '1' }, { x: 1 }, { id: null }], u_removed: 3 });
  });

  test('empty array; no _count key', async () => {
    expect(await runNode('deduplicate', { source_key: 'a', output_key: 'u' }, { a: [] })).toEqual({
      u: [],
      u_removed: 0,
    });
  });

  test('errors', async () => {
    await expect(runNode('deduplicate', { source_key: 'a', output_key: 'u' }, {})).rejects.toThrow(
      "Key 'a' not found in context",
    );
    await expect(
      runNode('deduplicate', { source_key: 'a', output_key: 'u' }, { a: { x: 1 } }),
    ).rejects.toThrow("Value at 'a' is not an array");
    expect(checkNode('deduplicate', { source_key: 'a', output_key: 'u', key: 5 })).toEqual([
      "parameter 'key' must be a string (got number)",
    ]);
  });

  test('100k rows', async () => {
    const a = Array.from({ length: 100_000 }, (_, i) => ({ id: i % 1000, v: `ü${i}` }));
    const out = await runNode('deduplicate', { source_key: 'a', output_key: 'u', key: 'id' }, { a });
    expect(out.u_removed).toBe(99_000);
    expect((out.u as unknown[])[999]).toEqual({ id: 999, v: 'ü999' });
  });
});
