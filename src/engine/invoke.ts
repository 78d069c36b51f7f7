// Calling a node: defaults, interpolation of the parameters the node declares as interpolated, then run().

import type { NodeContext, NodeDefinition, NodeOutput } from '../nodes/types.js';
import { interpolate, interpolateDeep } from './interpolate.js';

interface Prepared {
  defaults: Array<[string, unknown]>;
  interpolated: Array<[string, boolean]>;
}
const prepared = new WeakMap<NodeDefinition, Prepared>();

function preparedOf(def: NodeDefinition): Prepared {
  let p = prepared.get(def);
  if (!p) {
    p = { defaults: [], interpolated: [] };
    for (const [name, spec] of Object.entries(def.params)) {
      if (spec.default !== undefined) p.defaults.push([name, spec.default]);
      if (spec.interpolate) p.interpolated.push([name, spec.interpolate === 'deep']);
    }
    prepared.set(def, p);
  }
  return p;
}

/** The config a node's run() receives: defaults filled, I / I* parameters rendered against `ctx`. */
export function prepareConfig(
  def: NodeDefinition,
  config: Record<string, unknown>,
  ctx: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const { defaults, interpolated } = preparedOf(def);
  const cfg: Record<string, unknown> = { ...config };
  for (const [name, d] of defaults) {
    if (cfg[name] === undefined || cfg[name] === null) {
      cfg[name] = Array.isArray(d) ? [...d] : d !== null && typeof d === 'object' ? { ...d } : d;
    }
  }
  for (const [name, deep] of interpolated) {
    const v = cfg[name];
    if (typeof v === 'string') cfg[name] = interpolate(v, ctx);
    else if (deep && v !== null && typeof v === 'object') cfg[name] = interpolateDeep(v, ctx);
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
