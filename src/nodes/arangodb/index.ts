// Node family 'arangodb': arangodb_aql (NODES 16.3).
import type { NodeDefinition } from '../types.js';
import { arangodbAql } from './aql.js';

export const nodes: NodeDefinition[] = [arangodbAql] as NodeDefinition[];
