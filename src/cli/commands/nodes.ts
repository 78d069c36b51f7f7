// `ironflow nodes` (CORE 7.7): name and description; --json adds each node's category and parameter schema.

import { checkSettings } from '../../config/settings.js';
import { paramsJsonSchema } from '../../nodes/params.js';
import { registry } from '../../nodes/registry.js';
import { fail } from '../fail.js';
import { nodesTable } from '../render.js';
import { type CliGlobals, setup } from '../setup.js';

export async function nodesCommand(opts: CliGlobals & { json?: boolean }): Promise<void> {
  try {
    await setup(opts);
    await registry.loadAll();
    checkSettings();
    if (opts.json) {
      const nodes = registry.list().map((d) => ({
        node_type: d.name,
        category: d.category,
        description: d.description,
        parameters: paramsJsonSchema(d.params),
        ...(d.outputs ? { outputs: d.outputs } : {}),
      }));
      process.stdout.write(`${JSON.stringify({ nodes, total: nodes.length }, null, 2)}\n`);
    } else process.stdout.write(nodesTable(registry));
  } catch (e) {
    fail(e);
  }
}
