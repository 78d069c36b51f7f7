// Node family 'composition': flows that run other flows as recorded child runs (NODES 18.2, 20.1).
// The engine side (loading, caching, running and tracking child runs) is src/engine/subflows.ts.
import type { NodeDefinition } from '../types.js';
import { parallelSubworkflows } from './parallel.js';
import { subworkflow } from './subworkflow.js';

export const nodes: NodeDefinition[] = [subworkflow, parallelSubworkflows] as NodeDefinition[];
