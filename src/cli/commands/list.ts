// `ironflow list` (CORE 7.5): runs newest first, as a table or JSON.
import { RUN_STATUSES, type RunInfo, type RunStatus } from '../../engine/types.js';
import type { RunSummary, StateStore } from '../../store/types.js';
import { ConfigError } from '../../util/errors.js';
import { fail } from '../fail.js';
import { runsTable } from '../render.js';
import { type CliGlobals, openCliStore, setup } from '../setup.js';

export interface ListCliOptions extends CliGlobals {
  status?: string;
  flow?: string;
  limit?: string;
  format?: string;
}

async function collect(
  store: StateStore,
  status: RunStatus | undefined,
  flow: string | undefined,
  limit: number,
): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({
      status,
      flowName: flow,
      cursor,
      limit: Math.min(1000, limit - out.length),
    });
    out.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor && out.length < limit);
  return out;
}

export async function listCommand(opts: ListCliOptions): Promise<void> {
  let store: StateStore | undefined;
  try {
    const config = await setup(opts);
    let status: RunStatus | undefined;
    if (opts.status !== undefined) {
      if (!(RUN_STATUSES as readonly string[]).includes(opts.status))
        throw new ConfigError(`Invalid status filter: ${opts.status}`);
      status = opts.status as RunStatus;
    }
    let limit = Number.POSITIVE_INFINITY;
    if (opts.limit !== undefined) {
      limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new ConfigError(`--limit must be a positive integer, got '${opts.limit}'`);
    }
    store = await openCliStore(opts, config);
    const runs = await collect(store, status, opts.flow, limit);
    if (opts.format === 'json') {
      const full: RunInfo[] = [];
      for (const r of runs) full.push(await store.getRun(r.id));
      process.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
    } else process.stdout.write(runsTable(runs));
  } catch (e) {
    fail(e);
  } finally {
    await store?.close();
  }
}
