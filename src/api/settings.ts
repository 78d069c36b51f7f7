// Named limits of the API server (`ironflow serve`). Declared here so `setup()` checks them at start-up
// together with every other setting; values come from the environment (ironflow.yaml has no fields for them).
import { defineSetting } from '../config/settings.js';

export const A = {
  maxConcurrentRuns: defineSetting<number>({
    env: 'IRONFLOW_MAX_CONCURRENT_RUNS',
    kind: 'int',
    min: 0,
    default: 0,
    description:
      'Runs the API server executes at once (synchronous and background, webhooks included); more get 503. 0 = unlimited.',
  }),
  maxConcurrentFlowLoads: defineSetting<number>({
    env: 'IRONFLOW_MAX_CONCURRENT_FLOW_LOADS',
    kind: 'int',
    min: 1,
    max: 64,
    default: 2,
    description: 'Flow files the API server evaluates at once (one worker thread each).',
  }),
  flowLoadQueue: defineSetting<number>({
    env: 'IRONFLOW_FLOW_LOAD_QUEUE',
    kind: 'int',
    min: 0,
    default: 64,
    description:
      'Flow loads that may wait for a free load worker; beyond that run and validate requests get 503.',
  }),
  flowCacheEntries: defineSetting<number>({
    env: 'IRONFLOW_FLOW_CACHE_ENTRIES',
    kind: 'int',
    min: 0,
    default: 256,
    description:
      'Parsed flows the API server keeps, keyed by a hash of their source (least recently used go first). 0 disables the cache.',
  }),
  flowCacheBytes: defineSetting<number>({
    env: 'IRONFLOW_FLOW_CACHE_BYTES',
    kind: 'int',
    min: 0,
    default: 64 * 1024 * 1024,
    description: 'Total flow source size the parsed-flow cache may hold.',
  }),
  shutdownGraceSeconds: defineSetting<number>({
    env: 'IRONFLOW_SHUTDOWN_GRACE_SECONDS',
    kind: 'number',
    min: 0,
    default: 30,
    description:
      'On SIGTERM/SIGINT, how long running runs may finish before they are stopped and recorded as stalled.',
  }),
  idempotencyTtlSeconds: defineSetting<number>({
    env: 'IRONFLOW_IDEMPOTENCY_TTL_SECONDS',
    kind: 'number',
    min: 1,
    default: 86_400,
    description: 'How long an Idempotency-Key is remembered (in this server process only).',
  }),
  idempotencyMaxKeys: defineSetting<number>({
    env: 'IRONFLOW_IDEMPOTENCY_MAX_KEYS',
    kind: 'int',
    min: 1,
    default: 10_000,
    description: 'Idempotency keys remembered at most; the oldest are forgotten first.',
  }),
  apiKey: defineSetting<string>({
    env: 'IRONFLOW_API_KEY',
    kind: 'string',
    default: '',
    description:
      'API key every route except /health requires (Authorization: Bearer <key> or X-API-Key). YAML: api_key.',
  }),
  corsOrigins: defineSetting<string>({
    env: 'IRONFLOW_CORS_ORIGINS',
    kind: 'string',
    default: '',
    description:
      'Comma-separated origins allowed by CORS (`*` for any); none by default. YAML: cors_origins.',
  }),
  allowAdhocFlows: defineSetting<string>({
    env: 'IRONFLOW_ALLOW_ADHOC_FLOWS',
    kind: 'string',
    default: '',
    description:
      'true or false (default true): accept inline flow source on /flows/run and /flows/validate. YAML: allow_adhoc_flows.',
  }),
  allowUnauthenticatedApi: defineSetting<string>({
    env: 'IRONFLOW_ALLOW_UNAUTHENTICATED_API',
    kind: 'string',
    default: '',
    description:
      'true or false (default false): serve without an API key on a non-loopback address. YAML: allow_unauthenticated_api.',
  }),
  ssePollMs: defineSetting<number>({
    env: 'IRONFLOW_SSE_POLL_MS',
    kind: 'int',
    min: 50,
    default: 500,
    description:
      'How often GET /runs/{id}/events reads the store for a run that another process is executing.',
  }),
};
