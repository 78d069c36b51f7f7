// Node family 'arangodb' (see docs/contributing.md for how a family is laid out).
import type { NodeDefinition } from '../types.js';

export const nodes: NodeDefinition[] = [];
