// `ironflow serve`: the REST API server (src/api).
import { fail } from '../fail.js';
import type { CliGlobals } from '../setup.js';

export async function serveCommand(_opts: CliGlobals & Record<string, unknown>): Promise<void> {
  fail(new Error('ironflow serve is not available in this build yet'));
}
