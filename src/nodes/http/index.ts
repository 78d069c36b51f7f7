// Node family 'http': http_request and http_get/post/put/delete (NODES 3).
import type { NodeDefinition } from '../types.js';
import { httpDelete, httpGet, httpPost, httpPut, httpRequest } from './request.js';

export const nodes: NodeDefinition[] = [
  httpRequest,
  httpGet,
  httpPost,
  httpPut,
  httpDelete,
] as NodeDefinition[];
