// The REST API server (CORE 8): builds a Fastify instance from resolved options, so `ironflow serve`
// listens on the configured address and tests start it on port 0. Cross-cutting behaviour lives here:
// JSON body parsing, schema validation, API key, CORS, request logging, 503 while shutting down, and the
// graceful shutdown itself.

import cors from '@fastify/cors';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { type Logger as Pino, pino } from 'pino';
import { checkSettings } from '../config/settings.js';
import { Engine } from '../engine/engine.js';
import type { NodeRegistry } from '../nodes/registry.js';
import type { Logger } from '../nodes/types.js';
import type { StateStore } from '../store/types.js';
import { errorChain } from '../util/errors.js';
import { configuredLevel } from '../util/logger.js';
import { ApiKeyCheck, isOpenPath, stripCredentials } from './auth.js';
import { type ApiConfig, checkBindSecurity } from './config.js';
import type { ApiContext } from './context.js';
import { ApiError, badRequest, installErrorHandling, unavailable } from './errors.js';
import { FlowCache, FlowSources } from './flows.js';
import { IdempotencyKeys } from './idempotency.js';
import { LoadPool } from './load-pool.js';
import { RouteTable } from './openapi.js';
import { flowRoutes } from './routes/flows.js';
import { metaRoutes } from './routes/meta.js';
import { runRoutes } from './routes/runs.js';
import { webhookRoutes } from './routes/webhooks.js';
import { RunManager, SHUTDOWN_REASON, stallAbandonedRuns } from './runs.js';
import { A } from './settings.js';
import { EventHub, SseStreams } from './sse.js';

export interface ServerOptions {
  config: ApiConfig;
  store: StateStore;
  /** pino logger for requests and the engine (default: JSON lines on stderr at IRONFLOW_LOG / RUST_LOG). */
  pino?: Pino;
  registry?: NodeRegistry;
  /** Mark runs a previous process left pending/running as stalled before serving (default true). */
  stallAbandoned?: boolean;
}

export interface ApiServer {
  app: FastifyInstance;
  api: ApiContext;
  log: Logger;
  /** Listen on config.host/port; returns the bound addresses (`127.0.0.1:3000`, `[::1]:3000`). */
  listen(): Promise<string[]>;
  /**
   * Stop accepting, let running runs finish for `graceMs` (default IRONFLOW_SHUTDOWN_GRACE_SECONDS), stop the
   * rest as stalled, end event streams, close the server, the Lua workers and flush the store. The store
   * itself stays open (its owner closes it).
   */
  shutdown(graceMs?: number): Promise<void>;
  /** Stop every running run now (a second signal during shutdown). */
  stopRuns(): void;
}

/** Our Logger interface over pino. */
export function pinoLogger(p: Pino): Logger {
  return {
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
  };
}

export function defaultPino(): Pino {
  const level = configuredLevel();
  return pino({ level: level === 'off' ? 'silent' : level }, pino.destination({ fd: 2, sync: false }));
}

export async function buildServer(opts: ServerOptions): Promise<ApiServer> {
  const { config, store } = opts;
  const p = opts.pino ?? defaultPino();
  const log = pinoLogger(p);
  const engine = new Engine({
    store,
    registry: opts.registry,
    logger: log,
    print: (line) => log.info(`<lua print> ${line}`),
  });
  // A server lists every node and validates any flow: load all node families up front, and check their
  // settings before accepting requests.
  await engine.registry.loadAll();
  checkSettings();
  const pool = new LoadPool({
    size: A.maxConcurrentFlowLoads.get(),
    queueLimit: A.flowLoadQueue.get(),
    nodeNames: engine.registry.names(),
    log,
  });
  const cache = new FlowCache(pool, A.flowCacheEntries.get(), A.flowCacheBytes.get());
  const hub = new EventHub();
  const routes = new RouteTable();
  const api: ApiContext = {
    config,
    engine,
    store,
    flows: new FlowSources(cache, engine, config.flowsDir, log),
    runs: new RunManager(engine, hub, config.maxConcurrentRuns, log),
    hub,
    streams: new SseStreams(),
    idempotency: new IdempotencyKeys(A.idempotencyTtlSeconds.get() * 1000, A.idempotencyMaxKeys.get()),
    routes,
    log,
    ssePollMs: A.ssePollMs.get(),
  };

  if (opts.stallAbandoned !== false) await stallAbandonedRuns(store, log);

  const app = Fastify({
    loggerInstance: p,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBody,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    routerOptions: { maxParamLength: 1000, ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  installValidators(app);
  installJsonParser(app);
  installErrorHandling(app, log, (path) => routes.methodsFor(path));

  let closing = false;
  if (config.corsOrigins.length > 0) {
    const any = config.corsOrigins.includes('*');
    await app.register(cors, {
      origin: any ? '*' : config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'Idempotency-Key', 'Last-Event-ID'],
      exposedHeaders: ['X-Error-ID', 'Idempotent-Replayed', 'Retry-After'],
      maxAge: 600,
    });
  }
  const keyCheck = config.apiKey ? new ApiKeyCheck(config.apiKey) : undefined;
  // One hook for every request: refuse while shutting down, check the API key, drop credential headers.
  app.addHook('onRequest', (req, reply, done) => {
    const open = isOpenPath(req.url.split('?', 1)[0]!);
    try {
      if (closing && !open) {
        reply.header('connection', 'close');
        throw unavailable('The server is shutting down');
      }
      if (keyCheck && !open) keyCheck.check(req.headers);
    } catch (e) {
      done(e as Error);
      return;
    }
    stripCredentials(req.headers, req.raw.rawHeaders);
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    p.info(
      {
        reqId: req.id,
        method: req.method,
        url: req.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });

  flowRoutes(app, api);
  runRoutes(app, api);
  metaRoutes(app, api);
  await app.register(async (scope) => webhookRoutes(scope, api));
  await app.ready();
  pool.warm();

  let shutdownP: Promise<void> | undefined;
  return {
    app,
    api,
    log,
    async listen() {
      await checkBindSecurity(config);
      await app.listen({ host: config.host, port: config.port });
      return app
        .addresses()
        .map((a) =>
          typeof a === 'string'
            ? a
            : a.family === 'IPv6'
              ? `[${a.address}]:${a.port}`
              : `${a.address}:${a.port}`,
        );
    },
    shutdown(graceMs = config.shutdownGraceMs) {
      shutdownP ??= (async () => {
        closing = true;
        const graceEnds = Date.now() + graceMs;
        const closed = app.close();
        await api.runs.shutdown(graceMs);
        api.streams.endAll();
        app.server.closeIdleConnections();
        await closed;
        await pool.close();
        // Fire-and-forget child runs get what is left of the grace period, then are recorded as stalled.
        await engine.close({ graceMs: Math.max(0, graceEnds - Date.now()), reason: SHUTDOWN_REASON });
        try {
          await store.flush();
        } catch (e) {
          log.error(`run store flush failed at shutdown: ${errorChain(e)}`);
        }
      })();
      return shutdownP;
    },
    stopRuns() {
      api.runs.stopAll();
      engine.stopDetachedChildren(SHUTDOWN_REASON);
    },
  };
}

/** Body schemas: no type coercion (a number is not a string); query and path: coerce ("10" → 10). */
function installValidators(app: FastifyInstance): void {
  const strict = new Ajv({ coerceTypes: false, useDefaults: false, allErrors: false, strict: false });
  const coercing = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object),
  );
}

const JSON_TYPE = /^application\/(?:json|[^\s;/]+\+json)\s*(?:;|$)/i;

/** JSON bodies (application/json and application/*+json); `__proto__` keys are refused. */
function installJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string' }, (_req, body: string, done) => {
    if (!/\S/.test(body)) {
      done(badRequest('The request body is empty; send a JSON object'), undefined);
      return;
    }
    try {
      done(null, parseJson(body));
    } catch (e) {
      done(e instanceof ApiError ? e : badRequest(`Malformed JSON body: ${(e as Error).message}`), undefined);
    }
  });
}

function parseJson(text: string): unknown {
  if (!text.includes('"__proto__"')) return JSON.parse(text);
  return JSON.parse(text, (k, v) => {
    if (k === '__proto__') throw badRequest("Malformed JSON body: the member '__proto__' is not allowed");
    return v;
  });
}
