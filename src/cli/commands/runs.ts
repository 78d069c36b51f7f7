// `ironflow runs migrate --from URL --to URL` and `ironflow runs prune --before DATE [--status S]`.
import { RUN_STATUSES, type RunStatus } from '../../engine/types.js';
import type { StateStore } from '../../store/types.js';
import { ConfigError } from '../../util/errors.js';
import { fail } from '../fail.js';
import { type CliGlobals, openCliStore, setup } from '../setup.js';

export async function migrateCommand(opts: CliGlobals & { from: string; to: string }): Promise<void> {
  const open: StateStore[] = [];
  try {
    await setup(opts);
    const { openStore, describeStoreSpec } = await import('../../store/open.js');
    const { migrateRuns } = await import('../../store/migrate.js');
    const from = await openStore(opts.from);
    open.push(from);
    const to = await openStore(opts.to);
    open.push(to);
    const p = await migrateRuns(from, to, (pr) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\r${pr.seen} runs read, ${pr.copied} copied, ${pr.skipped} already there`);
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(
      `Migrated ${p.copied} run(s) from ${describeStoreSpec(opts.from)} to ${describeStoreSpec(opts.to)}` +
        `${p.skipped ? ` (${p.skipped} already present, left as they are)` : ''}\n`,
    );
  } catch (e) {
    fail(e);
  } finally {
    for (const s of open) await s.close();
  }
}

export async function pruneCommand(opts: CliGlobals & { before: string; status?: string }): Promise<void> {
  let store: StateStore | undefined;
  try {
    const config = await setup(opts);
    if (opts.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(opts.status)) {
      throw new ConfigError(`Invalid status filter: ${opts.status}`);
    }
    if (Number.isNaN(Date.parse(opts.before))) {
      throw new ConfigError(
        `--before must be an RFC 3339 date or time (e.g. 2026-01-31 or 2026-01-31T12:00:00Z), got '${opts.before}'`,
      );
    }
    store = await openCliStore(opts, config);
    const { pruneRuns } = await import('../../store/migrate.js');
    const n = await pruneRuns(store, { before: opts.before, status: opts.status as RunStatus | undefined });
    process.stdout.write(`Deleted ${n} run(s) started before ${opts.before}\n`);
  } catch (e) {
    fail(e);
  } finally {
    await store?.close();
  }
}
