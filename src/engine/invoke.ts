// Calling a node: defaults, interpolation of the parameters the node declares as interpolated, then run().

import { withDefaults } from '../nodes/params.js';
import type { NodeContext, NodeDefinition, NodeOutput } from '../nodes/types.js';
import { interpolate, interpolateDeep } from './interpolate.js';

/** The config a node's run() receives: defaults filled, I / I* parameters rendered against `ctx`. */
export function prepareConfig(
  def: NodeDefinition,
  config: Record<string, unknown>,
  ctx: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const cfg = withDefaults(def.params, config);
  for (const [name, spec] of Object.entries(def.params)) {
    if (!spec.interpolate) continue;
    const v = cfg[name];
    if (typeof v === 'string') cfg[name] = interpolate(v, ctx);
    else if (spec.interpolate === 'deep' && v !== null && typeof v === 'object')
      cfg[name] = interpolateDeep(v, ctx);
  }
  return cfg;
}

export async function invokeNode(
  def: NodeDefinition,
  config: Record<string, unknown>,
  nc: NodeContext,
): Promise<NodeOutput> {
  // biome-ignore lint/suspicious/noExplicitAny: run() is typed per node; the registry holds the erased type
  return await def.run(prepareConfig(def, config, nc.ctx) as any, nc);
}
