import { describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../helpers/nodes.js';

describe('template_render', () => {
  test('renders placeholders, objects as sorted compact JSON', async () => {
    const out = await runNode(
      'template_render',
      { template: 'Hi ${ctx.user.name} ${ctx.n} ${ctx.o} $${ctx.amt}', output_key: 'g' },
      {
        user: { name: 'Ann' },
        n: 42,
        o: { b: 1, a: [1, 'x'] },
        amt: 750,
      },
    );
    expect(out).toEqual({ g: 'Hi Ann 42 {"a":[1,"x"],"b":1} $750' });
  });
  test('requires template and output_key', () => {
    expect(checkNode('template_render', {})).toEqual([
      "template_render requires 'template'",
      "template_render requires 'output_key'",
    ]);
  });
});

describe('hash', () => {
  test('sha256 of input, algorithm echoed as given', async () => {
    const out = await runNode('hash', { input: 'abc', algorithm: 'SHA-256' });
    expect(out).toEqual({
      hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      hash_algorithm: 'SHA-256',
    });
  });
  test('non-string source is canonical JSON', async () => {
    const a = await runNode('hash', { source_key: 'v', algorithm: 'md5' }, { v: { b: 1, a: 2 } });
    const b = await runNode('hash', { input: '{"a":2,"b":1}', algorithm: 'md5' });
    expect(a.hash).toBe(b.hash);
  });
  test('unknown algorithm is a static error', () => {
    expect(checkNode('hash', { input: 'x', algorithm: 'crc32' })[0]).toMatch(/must be one of/);
  });
});

describe('routing', () => {
  test('if_node grammar', async () => {
    const ctx = { amount: 150, name: 'bob', flag: true, nul: null, nested: { x: 'a>b' } };
    const cases: Array<[string, boolean]> = [
      ['ctx.amount > 100', true],
      ['ctx.amount <= 100', false],
      ['ctx.amount == 150', true],
      ['ctx.name == "bob"', true],
      ["ctx.name != 'bob'", false],
      ['ctx.missing != 1', true],
      ['ctx.missing == 1', false],
      ['ctx.flag', true],
      ['ctx.flag == true', true],
      ['ctx.nul', false],
      ['ctx.nul exists', true],
      ['ctx.nested.x == "a>b"', true],
      ['ctx.nope exists', false],
    ];
    for (const [condition, want] of cases) {
      const out = await runNode('if_node', { condition }, ctx, { step: 'chk' });
      expect([condition, out._condition_result_chk]).toEqual([condition, want]);
      expect(out._route_chk).toBe(want ? 'true' : 'false');
    }
  });
  test('switch_node', async () => {
    const out = await runNode(
      'switch_node',
      { value: 'ctx.code', cases: { '200': 'ok' } },
      { code: 200 },
      { step: 's' },
    );
    expect(out).toEqual({ _route_s: 'ok', _switch_value_s: '200' });
    const miss = await runNode('switch_node', { value: 'tier', cases: { gold: 'g' } }, {}, { step: 's' });
    expect(miss).toEqual({ _route_s: 'default', _switch_value_s: '' });
  });
  test('if_http_status routes by code, class, default', async () => {
    const routes = { '404': 'missing', '5xx': 'retry', default: 'other' };
    const r = async (status: unknown) =>
      (
        await runNode(
          'if_http_status',
          { status_key: 'resp.status', routes },
          { resp: { status } },
          { step: 'p' },
        )
      )._route_p;
    expect(await r(404)).toBe('missing');
    expect(await r('503')).toBe('retry');
    expect(await r(200)).toBe('other');
    await expect(r(70000)).rejects.toThrow('fit in u16');
  });
  test('if_body_contains', async () => {
    const out = await runNode(
      'if_body_contains',
      { source_key: 'b', pattern: 'OK', case_sensitive: false },
      { b: 'all ok' },
      { step: 'c' },
    );
    expect(out).toEqual({ _route_c: 'true', _contains_c: true });
  });
});
