// `ironflow runs migrate` and `ironflow runs prune`.
import { fail } from '../fail.js';
import type { CliGlobals } from '../setup.js';

export async function migrateCommand(_opts: CliGlobals & Record<string, unknown>): Promise<void> {
  fail(new Error('ironflow runs migrate is not available in this build yet'));
}

export async function pruneCommand(_opts: CliGlobals & Record<string, unknown>): Promise<void> {
  fail(new Error('ironflow runs prune is not available in this build yet'));
}
