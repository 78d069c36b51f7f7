// `ironflow serve` (CORE 7.8): resolve the settings (flag > env > ironflow.yaml > default), open the run
// store, start the REST API (src/api), and on SIGTERM/SIGINT shut down gracefully: stop accepting, let
// running runs finish for IRONFLOW_SHUTDOWN_GRACE_SECONDS, record the rest as stalled, close everything.
// A second signal stops the running runs at once.

import { resolveApiConfig, type ServeFlags } from '../../api/config.js';
import { type ApiServer, buildServer } from '../../api/server.js';
import type { StateStore } from '../../store/types.js';
import { fail } from '../fail.js';
import { type CliGlobals, openCliStore, setup } from '../setup.js';

export type ServeCliOptions = CliGlobals & ServeFlags;

export async function serveCommand(opts: ServeCliOptions): Promise<void> {
  let store: StateStore | undefined;
  let server: ApiServer | undefined;
  try {
    const file = await setup(opts);
    const config = await resolveApiConfig(
      { host: opts.host, port: opts.port, flowsDir: opts.flowsDir, maxBody: opts.maxBody },
      file,
    );
    store = await openCliStore(opts, file);
    server = await buildServer({ config, store });
    const log = server.log;
    if (!config.apiKey) log.warn('no API key configured (IRONFLOW_API_KEY): the API accepts every client');
    for (const addr of await server.listen()) log.info(`IronFlow API server listening on ${addr}`);
    log.info(`run store: ${store.kind} ${store.location}`);
    const running = server;
    await new Promise<void>((resolve, reject) => {
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          log.info(`${sig} received: shutting down (grace ${config.shutdownGraceMs / 1000}s)`);
          running.shutdown().then(resolve, reject);
        } else {
          log.warn(`${sig} received again: stopping running runs now`);
          running.stopRuns();
        }
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    log.info('IronFlow API server stopped');
  } catch (e) {
    await server?.shutdown(0).catch(() => {});
    fail(e);
  } finally {
    await store?.close().catch((e: unknown) => fail(e));
  }
}
