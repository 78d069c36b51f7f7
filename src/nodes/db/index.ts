// Node family 'db': SQL on SQLite and PostgreSQL (NODES 16.1, 16.2).
import type { NodeDefinition } from '../types.js';
import { dbExec, dbQuery } from './nodes.js';

export const nodes: NodeDefinition[] = [dbQuery, dbExec] as NodeDefinition[];
