// Run flow source through the real engine (loader, validation, scheduler, Lua workers) on a memory store.
import { Engine } from '../../src/engine/engine.js';
import type { RunEvent } from '../../src/engine/events.js';
import type { Context, RunInfo } from '../../src/engine/types.js';
import type { Logger } from '../../src/nodes/types.js';
import { MemoryStore } from '../../src/store/memory.js';

export interface Captured {
  logs: string[];
  prints: string[];
  events: RunEvent[];
}

export function testEngine(opts: { concurrency?: number } = {}): {
  engine: Engine;
  store: MemoryStore;
  out: Captured;
} {
  const out: Captured = { logs: [], prints: [], events: [] };
  const logger: Logger = {
    debug: () => {},
    info: (m) => out.logs.push(`info ${m}`),
    warn: (m) => out.logs.push(`warn ${m}`),
    error: (m) => out.logs.push(`error ${m}`),
  };
  const store = new MemoryStore();
  const engine = new Engine({
    store,
    logger,
    print: (l) => out.prints.push(l),
    concurrency: opts.concurrency,
  });
  return { engine, store, out };
}

export async function runSource(
  engine: Engine,
  source: string,
  ctx: Context = {},
  events?: RunEvent[],
): Promise<RunInfo> {
  const loaded = await engine.loadSource(source, 'test.lua');
  return engine.run(loaded, ctx, { onEvent: events ? (e) => events.push(e) : undefined });
}
