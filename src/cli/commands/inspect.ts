// `ironflow inspect RUN_ID` (CORE 7.6): the full run record as JSON.
import { isValidRunId } from '../../store/ids.js';
import type { StateStore } from '../../store/types.js';
import { ConfigError, errorChain, StoreError } from '../../util/errors.js';
import { fail } from '../fail.js';
import { type CliGlobals, openCliStore, setup } from '../setup.js';

export async function inspectCommand(id: string, opts: CliGlobals): Promise<void> {
  let store: StateStore | undefined;
  try {
    // An invalid id never reaches the store (IF-014).
    if (!isValidRunId(id)) {
      throw new ConfigError(
        `Invalid run id '${id}': use 1-128 letters, digits, '-' or '_', starting and ending with a letter or digit`,
      );
    }
    const config = await setup(opts);
    store = await openCliStore(opts, config);
    try {
      const run = await store.getRun(id);
      process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    } catch (e) {
      if (e instanceof StoreError && e.kind === 'not_found')
        throw new StoreError('not_found', `Run '${id}' not found: ${errorChain(e)}`);
      throw e;
    }
  } catch (e) {
    fail(e);
  } finally {
    await store?.close();
  }
}
