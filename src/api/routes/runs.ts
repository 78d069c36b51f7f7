// GET /runs, GET /runs/{id}, DELETE /runs/{id}, GET /runs/{id}/events (CORE 8.4; ids checked before any
// store access, IF-014).
import type { FastifyInstance } from 'fastify';
import { type RunInfo, type RunStatus, TERMINAL_RUN_STATUSES } from '../../engine/types.js';
import { assertRunId } from '../../store/ids.js';
import { StoreError } from '../../util/errors.js';
import type { ApiContext } from '../context.js';
import { conflict, notFound } from '../errors.js';
import {
  Deleted,
  ErrorBody,
  EventsHeaders,
  RunIdParams,
  RunInfo as RunInfoSchema,
  RunList,
  RunsQuery,
} from '../schemas.js';
import { streamRunEvents } from '../sse.js';

interface ListQuery {
  status?: RunStatus;
  flow_name?: string;
  limit?: number;
  cursor?: string;
}

const error = (description: string) => ({ description, schema: ErrorBody });

/** The stored run, with a store miss as 404 `Run '{id}' not found`. */
async function readRun(api: ApiContext, id: string): Promise<RunInfo> {
  try {
    return await api.store.getRun(id);
  } catch (e) {
    if (e instanceof StoreError && e.kind === 'not_found') throw notFound(`Run '${id}' not found`);
    throw e;
  }
}

export function runRoutes(app: FastifyInstance, api: ApiContext): void {
  api.routes.add(
    app,
    {
      method: 'GET',
      url: '/runs',
      tag: 'runs',
      summary: 'List runs, newest first, one page at a time',
      description:
        '`total` is the number of runs in this page (the store is never read whole); follow `next_cursor` ' +
        'until it is null to read every run.',
      querystring: RunsQuery,
      responses: {
        200: { description: 'One page of run summaries', schema: RunList },
        400: error('Unknown status, bad limit or cursor'),
      },
    },
    async (req) => {
      const q = req.query as ListQuery;
      const page = await api.store.listRuns({
        status: q.status,
        flowName: q.flow_name,
        limit: q.limit ?? 50,
        cursor: q.cursor || undefined,
      });
      return { runs: page.runs, total: page.runs.length, next_cursor: page.nextCursor ?? null };
    },
  );

  api.routes.add(
    app,
    {
      method: 'GET',
      url: '/runs/:id',
      tag: 'runs',
      summary: 'Read a run',
      params: RunIdParams,
      responses: {
        200: { description: 'The full run record', schema: RunInfoSchema },
        400: error('Not a valid run id'),
        404: error('No such run'),
      },
    },
    async (req) => {
      const id = assertRunId((req.params as { id: string }).id);
      return readRun(api, id);
    },
  );

  api.routes.add(
    app,
    {
      method: 'DELETE',
      url: '/runs/:id',
      tag: 'runs',
      summary: 'Delete a finished run (and its child runs)',
      params: RunIdParams,
      responses: {
        200: { description: 'Deleted', schema: Deleted },
        400: error('Not a valid run id'),
        404: error('No such run'),
        409: error('The run has not finished'),
      },
    },
    async (req) => {
      const id = assertRunId((req.params as { id: string }).id);
      const run = await readRun(api, id);
      if (api.runs.isActive(id) || !TERMINAL_RUN_STATUSES.has(run.status)) {
        throw conflict(`Run '${id}' is still ${run.status}; delete it once it has finished`);
      }
      if (!(await api.store.deleteRun(id))) throw notFound(`Run '${id}' not found`);
      return { deleted: id };
    },
  );

  api.routes.add(
    app,
    {
      method: 'GET',
      url: '/runs/:id/events',
      tag: 'runs',
      summary: "Stream a run's events (Server-Sent Events)",
      description:
        'Events: run_started, started, retried, succeeded, failed, skipped (also cancelled steps), finished; ' +
        "`data` is JSON. A live run's earlier events are replayed first; a finished run sends its final " +
        'state; the stream ends after `finished`.',
      params: RunIdParams,
      headers: EventsHeaders,
      responses: {
        200: {
          description: 'text/event-stream',
          schema: { type: 'string' },
          contentType: 'text/event-stream',
        },
        400: error('Not a valid run id'),
        404: error('No such run'),
      },
    },
    async (req, reply) => {
      const id = assertRunId((req.params as { id: string }).id);
      const last = Number.parseInt(String(req.headers['last-event-id'] ?? '0'), 10);
      const stored = api.hub.has(id) ? undefined : await readRun(api, id);
      streamRunEvents(reply, id, stored, Number.isFinite(last) ? last : 0, {
        hub: api.hub,
        store: api.store,
        streams: api.streams,
        pollMs: api.ssePollMs,
        log: api.log,
      });
      return reply;
    },
  );
}
