// The route table: every route is declared once with its schemas; the declaration registers it with
// Fastify (which validates body, query and path with the same schemas), answers 405 for a known path with
// the wrong method, and becomes a path of the OpenAPI 3.1 document served at GET /openapi.json.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { VERSION } from '../version.js';
import { ErrorBody } from './schemas.js';

type Schema = Record<string, unknown>;

export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** Fastify form: `/runs/:id`. */
  url: string;
  summary: string;
  description?: string;
  tag: string;
  /** false for routes that never need the API key. */
  auth?: boolean;
  body?: Schema;
  querystring?: Schema;
  params?: Schema;
  /** Documented only (headers are read by the handlers). */
  headers?: Schema;
  responses: Record<number, { description: string; schema?: Schema; contentType?: string }>;
}

export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

export class RouteTable {
  readonly specs: RouteSpec[] = [];
  private readonly patterns: Array<{ re: RegExp; method: string }> = [];

  /** Register `spec` on `app` (a plugin scope) and remember it for 405s and the document. */
  add(app: FastifyInstance, spec: RouteSpec, handler: Handler): void {
    this.specs.push(spec);
    const re = new RegExp(`^${spec.url.replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`);
    this.patterns.push({ re, method: spec.method });
    app.route({
      method: spec.method as HTTPMethods,
      url: spec.url,
      schema: {
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.querystring ? { querystring: spec.querystring } : {}),
        ...(spec.params ? { params: spec.params } : {}),
      },
      handler,
    });
  }

  /** Methods registered for a concrete path (for 405 and its Allow header). */
  methodsFor(path: string): string[] {
    const out = new Set<string>();
    for (const p of this.patterns) {
      if (p.re.test(path)) {
        out.add(p.method);
        if (p.method === 'GET') out.add('HEAD');
      }
    }
    return [...out];
  }

  /** The OpenAPI 3.1 document of every declared route. */
  document(opts: { apiKey: boolean }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const s of this.specs) {
      const path = s.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      const op: Record<string, unknown> = {
        operationId: operationId(s),
        summary: s.summary,
        ...(s.description ? { description: s.description } : {}),
        tags: [s.tag],
      };
      const params = [
        ...parameters(s.params, 'path'),
        ...parameters(s.querystring, 'query'),
        ...parameters(s.headers, 'header'),
      ];
      if (params.length > 0) op.parameters = params;
      if (s.body) {
        op.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
      }
      const responses: Record<string, unknown> = {};
      for (const [code, r] of Object.entries(s.responses)) {
        responses[code] = {
          description: r.description,
          ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
        };
      }
      if (s.auth !== false && opts.apiKey) {
        responses['401'] = { description: 'Missing or wrong API key', content: json(ErrorBody) };
      } else if (s.auth === false) {
        op.security = [];
      }
      responses.default = { description: 'Error', content: json(ErrorBody) };
      op.responses = responses;
      paths[path] = { ...paths[path], [s.method.toLowerCase()]: op };
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'IronFlow API',
        version: VERSION,
        description: 'Run Lua flows as DAGs of steps and read their recorded runs.',
      },
      paths,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      ...(opts.apiKey ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
    };
  }
}

const json = (schema: Schema) => ({ 'application/json': { schema } });

function operationId(s: RouteSpec): string {
  const words = s.url
    .split('/')
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `by_${w.slice(1)}` : w.replace(/[^A-Za-z0-9]+/g, '_')));
  return `${s.method.toLowerCase()}_${words.join('_')}`;
}

function parameters(schema: Schema | undefined, where: 'path' | 'query' | 'header'): unknown[] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, p]) => {
    const { description, ...rest } = p;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
