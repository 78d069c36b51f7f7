// GET /nodes, GET /health and GET /openapi.json.
import type { FastifyInstance } from 'fastify';
import { paramsJsonSchema } from '../../nodes/params.js';
import { VERSION } from '../../version.js';
import type { ApiContext } from '../context.js';
import { Health, NodeList } from '../schemas.js';

export function metaRoutes(app: FastifyInstance, api: ApiContext): void {
  let nodes: string | undefined;
  api.routes.add(
    app,
    {
      method: 'GET',
      url: '/nodes',
      tag: 'meta',
      summary: 'List node types with their parameter schemas',
      responses: { 200: { description: 'Every node type, sorted by name', schema: NodeList } },
    },
    async (_req, reply) => {
      nodes ??= JSON.stringify(nodeList(api));
      return reply.type('application/json; charset=utf-8').send(nodes);
    },
  );

  const health = JSON.stringify({ status: 'ok', version: VERSION });
  api.routes.add(
    app,
    {
      method: 'GET',
      url: '/health',
      tag: 'meta',
      auth: false,
      summary: 'Liveness (never needs the API key)',
      responses: { 200: { description: 'The server answers', schema: Health } },
    },
    async (_req, reply) => reply.type('application/json; charset=utf-8').send(health),
  );

  let doc: string | undefined;
  api.routes.add(
    app,
    {
      method: 'GET',
      url: '/openapi.json',
      tag: 'meta',
      summary: 'This API as an OpenAPI 3.1 document',
      responses: { 200: { description: 'The document', schema: { type: 'object' } } },
    },
    async (_req, reply) => {
      doc ??= JSON.stringify(api.routes.document({ apiKey: api.config.apiKey !== undefined }));
      return reply.type('application/json; charset=utf-8').send(doc);
    },
  );
}

function nodeList(api: ApiContext) {
  const list = api.engine.registry.list().map((d) => ({
    node_type: d.name,
    description: d.description,
    category: d.category,
    parameters: paramsJsonSchema(d.params),
    ...(d.outputs ? { outputs: d.outputs } : {}),
  }));
  return { nodes: list, total: list.length };
}
