// Starting a run from a request (POST /flows/run and webhooks): validate the loaded flow the same way
// `ironflow validate` does (no run record when it fails), start it under a permit, answer 200 with the
// finished status or 202 at once (`wait: false`); and the Idempotency-Key wrapper around both.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../engine/types.js';
import { ValidationError } from '../util/errors.js';
import { canonicalJson } from '../util/json.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import type { RequestedFlow } from './flows.js';
import { IdempotencyKeys, type StoredResponse } from './idempotency.js';
import type { Permit } from './runs.js';

export interface SubmitOptions {
  wait: boolean;
  /** Initial-context keys steps see but records never keep (webhook `_headers`). */
  hiddenKeys?: readonly string[];
}

/** Validate and run a loaded flow; the permit passes to the run (or is released on failure). */
export async function submitRun(
  api: ApiContext,
  permit: Permit,
  requested: RequestedFlow,
  ctx: Context,
  opts: SubmitOptions,
): Promise<StoredResponse> {
  let started: ReturnType<ApiContext['runs']['start']>;
  try {
    const report = api.flows.report(requested.flow);
    if (report.errors.length > 0) throw new ValidationError(report.errors);
    started = api.runs.start(permit, requested.flow.loaded.flow, ctx, opts.hiddenKeys);
  } catch (e) {
    permit.release();
    throw e;
  }
  const flowName = requested.flow.loaded.flow.name;
  if (!opts.wait) {
    await started.created;
    // The id is handed out now: the record must be readable by other processes (e.g. `ironflow inspect`).
    await api.store.persist?.(started.runId);
    return { status: 202, body: { run_id: started.runId, flow_name: flowName, status: 'pending' } };
  }
  const run = await started.done;
  return { status: 200, body: { run_id: run.id, flow_name: run.flow_name, status: run.status } };
}

/**
 * Answer `exec()`'s response, honouring an Idempotency-Key: a repeated key (same route, same request)
 * gets the original response with `Idempotent-Replayed: true` and starts nothing.
 */
export async function withIdempotency(
  api: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  /** What identifies the request (computed only when a key is sent). */
  content: () => string | Buffer,
  exec: () => Promise<StoredResponse>,
): Promise<FastifyReply> {
  const key = IdempotencyKeys.parse(req.headers['idempotency-key']);
  if (key === undefined) {
    const r = await exec();
    return reply.code(r.status).send(r.body);
  }
  const fingerprint = createHash('sha256').update(content()).digest('base64url');
  const claim = api.idempotency.claim(scope, key, fingerprint);
  if (claim.kind === 'mismatch') {
    throw new ApiError(422, 'This Idempotency-Key was already used with a different request');
  }
  if (claim.kind === 'replay') {
    const r = await claim.response;
    return reply.code(r.status).header('idempotent-replayed', 'true').send(r.body);
  }
  try {
    const r = await exec();
    claim.done(r, r.status < 300);
    return reply.code(r.status).send(r.body);
  } catch (e) {
    claim.failed(e);
    throw e;
  }
}

/** The fingerprint content of a parsed JSON body (member order does not matter). */
export function bodyContent(body: unknown): string {
  return canonicalJson(body ?? null);
}
