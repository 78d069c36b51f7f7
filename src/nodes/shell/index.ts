// Node family 'shell': shell_command (NODES 4).
import type { NodeDefinition } from '../types.js';
import { shellCommand } from './command.js';

export const nodes: NodeDefinition[] = [shellCommand] as NodeDefinition[];
