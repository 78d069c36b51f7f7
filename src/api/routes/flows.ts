// POST /flows/run and POST /flows/validate (CORE 8.2, 8.3).
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../engine/types.js';
import type { ApiContext } from '../context.js';
import { type FlowSourceFields, selectSource } from '../flows.js';
import {
  ErrorBody,
  FlowRunBody,
  FlowValidateBody,
  RunAccepted,
  RunHeaders,
  ValidateResult,
} from '../schemas.js';
import { bodyContent, submitRun, withIdempotency } from '../submit.js';

interface RunBody extends FlowSourceFields {
  context?: Context | null;
  wait?: boolean;
}

interface ValidateBody extends FlowSourceFields {
  strict?: boolean;
}

const error = (description: string) => ({ description, schema: ErrorBody });

export function flowRoutes(app: FastifyInstance, api: ApiContext): void {
  api.routes.add(
    app,
    {
      method: 'POST',
      url: '/flows/run',
      tag: 'flows',
      summary: 'Run a flow',
      description:
        'Loads the flow (inline source or a file under flows_dir), validates it like `ironflow validate` and runs it. ' +
        'By default the response comes when the run has finished (a failed run is still 200); with "wait": false ' +
        'the answer is 202 with the run id and the run continues in the background.',
      body: FlowRunBody,
      headers: RunHeaders,
      responses: {
        200: { description: 'The run finished (any status)', schema: RunAccepted },
        202: { description: 'Accepted ("wait": false); the run goes on', schema: RunAccepted },
        400: error('No or several sources, bad base64, a flow that fails to load or validate'),
        403: error('Inline source while allow_adhoc_flows is false'),
        404: error('Flow file not found (or outside flows_dir)'),
        413: error('Body or flow source too large'),
        415: error('Body is not JSON'),
        422: error('A member of the wrong type, or an Idempotency-Key reused with a different request'),
        503: error('At IRONFLOW_MAX_CONCURRENT_RUNS, too many flow loads, or shutting down'),
      },
    },
    async (req, reply) => {
      const body = req.body as RunBody;
      return withIdempotency(
        api,
        req,
        reply,
        'POST /flows/run',
        () => bodyContent(body),
        async () => {
          const sel = selectSource(body, api.config.allowAdhocFlows);
          const permit = api.runs.reserve();
          let requested: Awaited<ReturnType<typeof api.flows.load>>;
          try {
            requested = await api.flows.load(sel);
          } catch (e) {
            permit.release();
            throw e;
          }
          const ctx: Context = { ...(body.context ?? {}) };
          if (requested.flowDir !== undefined) ctx._flow_dir = requested.flowDir;
          return submitRun(api, permit, requested, ctx, { wait: body.wait !== false });
        },
      );
    },
  );

  api.routes.add(
    app,
    {
      method: 'POST',
      url: '/flows/validate',
      tag: 'flows',
      summary: 'Validate a flow without running it',
      description:
        'Always 200 once the source is selected: `valid` with `errors` (omitted when empty) and `warnings` ' +
        '(undefined globals, with line and column). With "strict": true warnings make the flow invalid.',
      body: FlowValidateBody,
      responses: {
        200: { description: 'The validation report', schema: ValidateResult },
        400: error('No or several sources, bad base64'),
        403: error('Inline source while allow_adhoc_flows is false'),
        404: error('Flow file not found (or outside flows_dir)'),
        413: error('Body or flow source too large'),
        503: error('Too many flow loads'),
      },
    },
    async (req) => {
      const body = req.body as ValidateBody;
      const sel = selectSource(body, api.config.allowAdhocFlows);
      const r = await api.flows.loadForValidation(sel);
      if ('loadError' in r) return { valid: false, flow_name: null, steps: null, errors: [r.loadError] };
      const report = api.flows.report(r.flow);
      const errors = report.errors.map((e) => e.message);
      if (body.strict) {
        for (const w of report.warnings) if (w.code === 'undefined_global') errors.push(w.message);
      }
      const flow = r.flow.loaded.flow;
      return {
        valid: errors.length === 0,
        flow_name: flow.name,
        steps: flow.steps.length,
        ...(errors.length > 0 ? { errors } : {}),
        ...(report.warnings.length > 0 ? { warnings: report.warnings } : {}),
      };
    },
  );
}
