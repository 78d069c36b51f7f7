// Node family 'data': the data transform nodes of NODES 9 (json_parse and json_stringify live in core).
import type { NodeDefinition } from '../types.js';
import { batch, deduplicate } from './arrays.js';
import { csvParse } from './csv-parse.js';
import { csvStringify } from './csv-stringify.js';
import { dataFilter } from './data-filter.js';
import { dataTransform, renameFields, selectFields } from './fields.js';
import { jsonExtractPath } from './json-extract-path.js';

export const nodes: NodeDefinition[] = [
  jsonExtractPath,
  csvParse,
  csvStringify,
  selectFields,
  renameFields,
  dataFilter,
  dataTransform,
  batch,
  deduplicate,
] as NodeDefinition[];
