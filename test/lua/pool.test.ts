import { afterAll, expect, test } from 'vitest';
import { PooledLuaRunner } from '../../src/lua/runner.js';
import { silentLogger } from '../../src/nodes/types.js';

const runner = new PooledLuaRunner({
  size: 2,
  memoryLimit: 64 << 20,
  conversion: { maxDepth: 64, maxNodes: 100000 },
  maxMs: 3000,
  log: silentLogger,
  print: () => {},
});
afterAll(() => runner.close());

test('runs code in a worker, reads big ctx lazily, kills runaways', async () => {
  const big = Array.from({ length: 30000 }, (_, i) => ({ id: i, name: `item ${i}` }));
  const ctx = { flag: 7, items: big };
  const sig = new AbortController().signal;
  expect(await runner.runCode({ source: 'ctx.flag + 1', ctx, step: 's', signal: sig })).toBe(8);
  expect(
    await runner.runCode({
      source: 'local n = 0 for k in pairs(ctx) do n = n + 1 end return n',
      ctx,
      step: 's',
      signal: sig,
    }),
  ).toBe(2);
  expect(await runner.runCode({ source: '#ctx.items', ctx, step: 's', signal: sig })).toBe(30000);
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('timed out')), 200);
  await expect(
    runner.runCode({
      source: 'while true do pcall(function() while true do end end) end',
      ctx,
      step: 's',
      signal: ac.signal,
    }),
  ).rejects.toThrow('timed out');
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(new Error('timed out 2')), 200);
  await expect(
    runner.runCode({
      source: "return ('a'):rep(100):find(('a-'):rep(40)..'b')",
      ctx,
      step: 's',
      signal: ac2.signal,
    }),
  ).rejects.toThrow('timed out 2');
  expect(await runner.runCode({ source: '1+1', ctx, step: 's', signal: sig })).toBe(2);
  await expect(runner.runCode({ source: 'error("boom")', ctx, step: 's', signal: sig })).rejects.toThrow(
    'Code execution failed: step[s].source:1: boom',
  );
});

test('values larger than the shared lane (1 MiB) cross both ways intact', async () => {
  const pad = 'x'.repeat(200);
  const items = Array.from({ length: 6000 }, (_, i) => ({ id: i, name: `naïve ${i} ✓ ${pad}`, tags: ['a'] }));
  const sig = new AbortController().signal;
  const out = (await runner.runCode({
    source:
      'local r = {} for i, it in ipairs(ctx.items) do r[i] = { id = it.id, name = it.name .. "!" } end return r',
    ctx: { items },
    step: 'big',
    signal: sig,
  })) as { id: number; name: string }[];
  expect(JSON.stringify(items).length).toBeGreaterThan(1 << 20);
  expect(out).toHaveLength(6000);
  expect(out[5999]).toEqual({ id: 5999, name: `naïve 5999 ✓ ${pad}!` });
  // The lane keeps working for small messages afterwards.
  expect(await runner.runCode({ source: '2 * 21', ctx: {}, step: 's', signal: sig })).toBe(42);
});

test('a value over IRONFLOW_MAX_CONVERSION_NODES names the value and where the limit was reached', async () => {
  const items = Array.from({ length: 40000 }, (_, i) => ({ id: i, tags: ['a', 'b'] }));
  await expect(
    runner.runCode({ source: '#ctx.items', ctx: { items }, step: 's', signal: new AbortController().signal }),
  ).rejects.toThrow(
    /ctx\.items has more than 100000 values in all \(IRONFLOW_MAX_CONVERSION_NODES\); the limit was reached at ctx\.items\[\d+\]/,
  );
});
