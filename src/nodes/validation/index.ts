// Node family 'validation': JSON Schema validation (NODES 19.4, 19.5). Ajv loads on first use.
import type { NodeDefinition } from '../types.js';
import { jsonValidate, validateSchema } from './schema.js';

export const nodes: NodeDefinition[] = [validateSchema, jsonValidate] as NodeDefinition[];
