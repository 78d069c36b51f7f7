// Every node family registers here. Family modules are light (schemas and small functions); anything heavy
// (SDKs, codecs, drivers) is imported inside a node's run(), so start-up never pays for it.

import { nodes as ai } from './ai/index.js';
import { nodes as arangodb } from './arangodb/index.js';
import { nodes as cache } from './cache/index.js';
import { nodes as composition } from './composition/index.js';
import { nodes as core } from './core/index.js';
import { nodes as data } from './data/index.js';
import { nodes as db } from './db/index.js';
import { nodes as docs } from './docs/index.js';
import { nodes as files } from './files/index.js';
import { nodes as http } from './http/index.js';
import { nodes as images } from './images/index.js';
import { nodes as markdown } from './markdown/index.js';
import { nodes as notify } from './notify/index.js';
import { nodes as s3 } from './s3/index.js';
import { nodes as s3vector } from './s3vector/index.js';
import { nodes as shell } from './shell/index.js';
import type { NodeDefinition } from './types.js';
import { nodes as validation } from './validation/index.js';

export class NodeRegistry {
  private readonly byName = new Map<string, NodeDefinition>();

  constructor(defs: Iterable<NodeDefinition>) {
    for (const d of defs) this.add(d);
  }

  add(def: NodeDefinition): void {
    if (this.byName.has(def.name)) throw new Error(`node '${def.name}' is registered twice`);
    this.byName.set(def.name, def);
  }

  get(name: string): NodeDefinition | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** All nodes sorted by name (as `ironflow nodes` and GET /nodes list them). */
  list(): NodeDefinition[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  names(): string[] {
    return this.list().map((d) => d.name);
  }
}

const families: NodeDefinition[][] = [
  core,
  data,
  validation,
  files,
  shell,
  cache,
  markdown,
  http,
  notify,
  db,
  arangodb,
  s3,
  s3vector,
  ai,
  docs,
  images,
  composition,
];

/** The built-in registry. */
export const registry = new NodeRegistry(families.flat());
