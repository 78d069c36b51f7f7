import { expect, test } from 'vitest';
import { LuaState } from '../../src/lua/state.js';

test('smoke', async () => {
  const lines: string[] = [];
  const st = await LuaState.create({
    memoryLimit: 64 << 20,
    conversion: { maxDepth: 64, maxNodes: 100000 },
    print: (l) => lines.push(l),
  });
  st.loadChunk(
    'local a = ... ; print("hi", a.x, #a.arr, string.upper("x"), os, io, require, load, string.dump, collectgarbage); return {y = a.x + 1, arr = a.arr, e = json_array({}), n = json_null, s = "a\\0b"}',
    '=t',
  );
  // set env
  st.pushNewEnv();
  st.w.X.lua_setupvalue(st.L, -2, 1);
  st.pushJs({ x: 41, arr: [1, 2, null] });
  st.pcall(1, 1);
  const out = st.popJs();
  expect(out).toEqual({ y: 42, arr: [1, 2, null], e: [], n: null, s: 'a\0b' });
  expect(lines[0]).toBe('hi\t41\t3\tX\tnil\tnil\tnil\tnil\tnil\tnil');
  expect(st.top).toBe(0);
});
