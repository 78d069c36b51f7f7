// The one place that turns errors into HTTP responses (CORE 8.1, IF-013). Every error body is
// `{"error": "<safe message>", "code": "<code>"}`; an unexpected error is a 500 with an `error_id` (also in
// the X-Error-ID header) and its details go only to the log.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../nodes/types.js';
import { errorChain, StoreError, ValidationError } from '../util/errors.js';

export const API_ERROR_CODES = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  503: 'service_unavailable',
  500: 'internal_error',
} as const;

export type ApiStatus = keyof typeof API_ERROR_CODES;
export type ApiErrorCode = (typeof API_ERROR_CODES)[ApiStatus];

/** An error whose message is safe to show to the client. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  constructor(
    readonly status: ApiStatus,
    message: string,
    /** Extra members of the error body (e.g. `errors` of a validation failure). */
    readonly extra?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.code = API_ERROR_CODES[status];
    this.name = 'ApiError';
  }
}

export const badRequest = (msg: string, extra?: Record<string, unknown>) => new ApiError(400, msg, extra);
export const notFound = (msg: string) => new ApiError(404, msg);
export const forbidden = (msg: string) => new ApiError(403, msg);
export const conflict = (msg: string) => new ApiError(409, msg);
export const unavailable = (msg: string) => new ApiError(503, msg, undefined, { 'retry-after': '1' });

export interface ErrorResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Map anything thrown by a handler (or by Fastify itself) to a response; log what must be logged. */
export function errorResponse(
  err: unknown,
  log: Logger,
  fields: Record<string, unknown> = {},
  query?: unknown,
): ErrorResponse {
  const safe = toApiError(err, query);
  if (safe) {
    return {
      status: safe.status,
      body: { error: safe.message, code: safe.code, ...safe.extra },
      headers: safe.headers ?? {},
    };
  }
  const id = randomUUID();
  const e = err as Error | undefined;
  log.error(`internal error ${id}: ${errorChain(err)}`, {
    ...fields,
    error_id: id,
    ...(e?.stack ? { stack: e.stack } : {}),
  });
  return {
    status: 500,
    body: { error: 'Internal server error', code: 'internal_error', error_id: id },
    headers: { 'x-error-id': id },
  };
}

/** The client-safe form of an error, or undefined for an internal error (500). */
function toApiError(err: unknown, query: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ValidationError) {
    const messages = err.issues.map((i) => i.message);
    return badRequest(`Flow validation failed: ${messages.join('; ')}`, { errors: messages });
  }
  if (err instanceof StoreError) {
    if (err.kind === 'invalid_input') return badRequest(err.message);
    if (err.kind === 'not_found') return notFound(err.message);
    if (err.kind === 'conflict') return conflict(err.message);
    return undefined; // backend and corruption errors may name paths and hosts: log only
  }
  const fe = err as Partial<FastifyError> | undefined;
  if (fe && typeof fe.code === 'string' && fe.code.startsWith('FST_')) return fastifyError(fe, query);
  return undefined;
}

function fastifyError(fe: Partial<FastifyError>, query: unknown): ApiError | undefined {
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'Request body is larger than the server accepts (max_body)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'Unsupported Content-Type: send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('The request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest('The Content-Length header does not match the body');
    case 'FST_ERR_VALIDATION':
      return validationError(fe, query);
    default: {
      const status = fe.statusCode;
      if (status && status >= 400 && status < 500) {
        const known = status in API_ERROR_CODES ? (status as ApiStatus) : 400;
        return new ApiError(known, fe.message ?? 'Bad request');
      }
      return undefined;
    }
  }
}

/** A request that breaks a route schema: body → 422 (a JSON value of the wrong shape), else 400. */
function validationError(fe: Partial<FastifyError>, query: unknown): ApiError {
  const where = fe.validationContext ?? 'body';
  const first = fe.validation?.[0];
  const path = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
  const detail = first ? `${path ? `'${path}' ` : ''}${first.message ?? 'is invalid'}` : (fe.message ?? '');
  if (where === 'body') return new ApiError(422, `Invalid request body: ${detail}`);
  if (where === 'querystring' && path === 'status') {
    // The exact v1.8 text, with the statuses this build records.
    const given = String((query as { status?: unknown } | undefined)?.status ?? '');
    return badRequest(`Invalid status '${given}'. Use: ${STATUS_LIST}`);
  }
  return badRequest(`Invalid ${where === 'querystring' ? 'query parameter' : where}: ${detail}`);
}

export const STATUS_LIST = 'pending, running, success, failed, stalled, cancelled';

/** Send an error response from any handler or hook. */
export function sendError(reply: FastifyReply, err: unknown, log: Logger): FastifyReply {
  const req = reply.request;
  const r = errorResponse(err, log, { reqId: req.id, method: req.method, url: req.url }, req.query);
  reply.code(r.status).headers(r.headers);
  return reply.send(r.body);
}

/** Install the error handler (every thrown error) and the 404/405 handler. */
export function installErrorHandling(
  app: FastifyInstance,
  log: Logger,
  allowedMethods: (path: string) => string[],
): void {
  app.setErrorHandler((err, _req: FastifyRequest, reply) => sendError(reply, err, log));
  app.setNotFoundHandler((req, reply) => {
    const full = req.url.split('?', 1)[0] ?? '/';
    const path = full.length > 200 ? `${full.slice(0, 200)}…` : full;
    const allowed = allowedMethods(full);
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      return sendError(
        reply,
        new ApiError(405, `Method ${req.method} is not allowed on ${path}`, undefined, {
          allow: allowed.join(', '),
        }),
        log,
      );
    }
    return sendError(reply, notFound(`No route for ${req.method} ${path}`), log);
  });
}
