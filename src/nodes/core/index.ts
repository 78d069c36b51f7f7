// The nodes of the engine spine: utility, JSON, timing, code and routing.
import type { NodeDefinition } from '../types.js';
import { code } from './code.js';
import { delay } from './delay.js';
import { foreach } from './foreach.js';
import { jsonParse, jsonStringify } from './json.js';
import { ifBodyContains, ifHttpStatus, ifNode, switchNode } from './routing.js';
import { hash, log, templateRender } from './utility.js';

export const nodes: NodeDefinition[] = [
  log,
  templateRender,
  hash,
  jsonParse,
  jsonStringify,
  delay,
  code,
  foreach,
  ifNode,
  switchNode,
  ifHttpStatus,
  ifBodyContains,
] as NodeDefinition[];
