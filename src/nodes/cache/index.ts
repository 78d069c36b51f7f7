// Node family 'cache': cache_set and cache_get with memory and file backends (NODES 12).
import type { NodeDefinition } from '../types.js';
import { cacheGet, cacheSet } from './nodes.js';

export const nodes: NodeDefinition[] = [cacheSet, cacheGet] as NodeDefinition[];
