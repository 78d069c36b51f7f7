// Child process of bench/api.bench.mjs: the API server (from dist/) on a free loopback port with a JSON
// store in a temp directory, request logging on (pino, info) into /dev/null. Prints one JSON line
// {"addr","storeDir"} when listening; on SIGTERM shuts down gracefully, flushes the store and exits.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';

const { buildServer } = await import('../../dist/api/server.js');
const { apiConfigDefaults } = await import('../../dist/api/config.js');
const { JsonStore } = await import('../../dist/store/json.js');
const { MemoryStore } = await import('../../dist/store/memory.js');

// API_BENCH_STORE=memory isolates the API and engine cost from the store's (diagnosis only).
const storeDir = process.env.API_BENCH_STORE_DIR ?? mkdtempSync(join(tmpdir(), 'ironflow-api-bench-'));
const store =
  process.env.API_BENCH_STORE === 'memory' ? new MemoryStore() : await new JsonStore(storeDir).open();
const log = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
const server = await buildServer({
  config: apiConfigDefaults({ host: '127.0.0.1', port: 0 }),
  store,
  pino: log,
});
const [addr] = await server.listen();
process.stdout.write(`${JSON.stringify({ addr, storeDir })}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  server
    .shutdown(10_000)
    .then(() => store.close())
    .then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`shutdown failed: ${e?.stack ?? e}\n`);
        process.exit(1);
      },
    );
});

// The load generator asks for our CPU time (to compare cost per request independently of machine load).
process.on('message', (m) => {
  if (m === 'cpu') process.send(process.cpuUsage());
});
