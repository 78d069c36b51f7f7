// What the route modules share: the server's configuration and the objects built from it.
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../nodes/types.js';
import type { StateStore } from '../store/types.js';
import type { ApiConfig } from './config.js';
import type { FlowSources } from './flows.js';
import type { IdempotencyKeys } from './idempotency.js';
import type { RouteTable } from './openapi.js';
import type { RunManager } from './runs.js';
import type { EventHub, SseStreams } from './sse.js';

export interface ApiContext {
  config: ApiConfig;
  engine: Engine;
  store: StateStore;
  flows: FlowSources;
  runs: RunManager;
  hub: EventHub;
  streams: SseStreams;
  idempotency: IdempotencyKeys;
  routes: RouteTable;
  log: Logger;
  /** Poll interval of event streams that follow another process's run. */
  ssePollMs: number;
}
