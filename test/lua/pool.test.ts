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
