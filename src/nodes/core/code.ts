// code (NODES 18.1, CORE 5): runs Lua in a fresh sandboxed environment, off the event loop.
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';

/** CORE 5.2 return conventions: nil -> nothing, object -> its keys, anything else -> `result`. */
export function codeOutput(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (isPlainObject(value)) return value;
  return { result: value };
}

export const code = defineNode({
  name: 'code',
  category: 'Code',
  description: 'Execute inline Lua code with access to the workflow context',
  params: {
    source: p.string({
      description:
        'Lua source: an expression (`ctx.x + 1`) or a block that returns a value; or a Lua function',
    }),
    bytecode_b64: p.string({
      description: 'Set by the loader when `source` is a function (signed; not for hand use)',
    }),
  },
  outputs: {
    '<keys of the returned table>': 'merged into the context',
    result: 'a returned scalar or array',
  },
  check(cfg) {
    return cfg.source === undefined && cfg.bytecode_b64 === undefined
      ? [{ path: '$.source', message: "code node requires 'source' or a function handler" }]
      : [];
  },
  async run(cfg, nc) {
    const value = await nc.services.lua.runCode({
      ...(cfg.bytecode_b64 !== undefined ? { payload: cfg.bytecode_b64 } : { source: cfg.source }),
      ctx: nc.ctx,
      step: nc.step,
      signal: nc.signal,
      log: nc.log,
    });
    return codeOutput(value);
  },
});
