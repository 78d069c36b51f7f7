// foreach (NODES 9.12): map every item of an array through a Lua function, in one Lua job.
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireArray } from '../util.js';

export const foreach = defineNode({
  name: 'foreach',
  category: 'Data transform',
  description: 'Map an array through a Lua function',
  params: {
    source_key: p.string({ description: 'Context key of the array', required: true }),
    transform: p.any({ description: 'Lua function `function(item, index) ... end` (index is 1-based)' }),
    transform_bytecode_b64: p.string({
      description: 'Set by the loader from `transform` (signed; not for hand use)',
    }),
    output_key: p.string({ description: 'Context key of the results', default: 'foreach_results' }),
    filter_nulls: p.boolean({ description: 'Drop nil results (false keeps them as null)', default: true }),
  },
  outputs: { '{output_key}': 'the results', '{output_key}_count': 'number of results' },
  check(cfg) {
    return typeof cfg.transform_bytecode_b64 === 'string'
      ? []
      : [{ path: '$.transform', message: "foreach requires 'transform' to be a function" }];
  },
  async run(cfg, nc) {
    const items = requireArray(nc.ctx, cfg.source_key);
    const results = await nc.services.lua.runForeach({
      payload: cfg.transform_bytecode_b64 as string,
      items,
      filterNulls: cfg.filter_nulls,
      ctx: nc.ctx,
      step: nc.step,
      signal: nc.signal,
      log: nc.log,
    });
    return { [cfg.output_key]: results, [`${cfg.output_key}_count`]: results.length };
  },
});
