// POST /webhooks/{name} (CORE 8.6): the signature is checked over the exact raw body before anything else,
// then the body becomes the context, the listed headers an execution-only `_headers` overlay.
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../engine/types.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { ErrorBody, RunAccepted, RunHeaders, WebhookParams } from '../schemas.js';
import { submitRun, withIdempotency } from '../submit.js';
import { forwardedHeaders, verifySignature, webhookBody } from '../webhooks.js';

const error = (description: string) => ({ description, schema: ErrorBody });

/** Register in its own plugin scope: the body stays raw bytes (any content type) for the signature. */
export async function webhookRoutes(app: FastifyInstance, api: ApiContext): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  api.routes.add(
    app,
    {
      method: 'POST',
      url: '/webhooks/:name',
      tag: 'webhooks',
      summary: 'Run the flow of a webhook declared in ironflow.yaml',
      description:
        'The JSON object body is the initial context (empty body: {}); `_webhook` and `_flow_dir` are added, ' +
        'and the headers listed in forward_headers are visible to steps as `_headers` but never recorded. ' +
        'With a signature configured, a missing or wrong signature is 403 and nothing runs. ' +
        'Add ?wait=false for a 202 answer while the run goes on.',
      params: WebhookParams,
      querystring: {
        type: 'object',
        properties: { wait: { type: 'boolean', description: 'false: answer 202 at once (default true).' } },
      },
      headers: RunHeaders,
      responses: {
        200: { description: 'The run finished (any status)', schema: RunAccepted },
        202: { description: 'Accepted (?wait=false)', schema: RunAccepted },
        400: error('Body not a JSON object, a reserved key, a missing forwarded header, a flow that fails'),
        403: error('Signature verification failed'),
        404: error('Unknown webhook, or its flow file is missing'),
        413: error('Body too large'),
        415: error('Body is not JSON'),
        503: error('At IRONFLOW_MAX_CONCURRENT_RUNS or shutting down'),
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const spec = api.config.webhooks.get(name);
      if (!spec) throw notFound(`Webhook '${name}' not found`);
      const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
      if (spec.signature) verifySignature(spec.signature, raw, req.headers);
      const body = webhookBody(raw, req.headers['content-type']);
      const headers = forwardedHeaders(spec, req.raw.rawHeaders);
      const wait = (req.query as { wait?: boolean }).wait !== false;
      return withIdempotency(
        api,
        req,
        reply,
        `POST /webhooks/${name}`,
        () => raw,
        async () => {
          const permit = api.runs.reserve();
          let requested: Awaited<ReturnType<typeof api.flows.loadFile>>;
          try {
            requested = await api.flows.loadFile(spec.flow);
          } catch (e) {
            permit.release();
            if (e instanceof ApiError && e.status === 404) {
              // The configured path is the server's business: log it, do not show it.
              api.log.warn(`webhook '${name}': flow file not found: ${spec.flow}`);
              throw notFound(`Flow file not found for webhook '${name}'`);
            }
            throw e;
          }
          const ctx: Context = { ...body, _headers: headers, _webhook: name };
          if (requested.flowDir !== undefined) ctx._flow_dir = requested.flowDir;
          return submitRun(api, permit, requested, ctx, { wait, hiddenKeys: ['_headers'] });
        },
      );
    },
  );
}
