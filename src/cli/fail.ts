// The one place that turns an error into what the CLI prints: `Error: <message chain>` on stderr, exit 1.
// A user error never shows a stack trace; an unexpected one shows its stack only with IRONFLOW_DEBUG=1.
import { errorChain, IronflowError, ValidationError } from '../util/errors.js';

export function fail(e: unknown): void {
  if (e instanceof ValidationError) {
    for (const i of e.issues) process.stderr.write(`  - ${i.message}\n`);
  }
  process.stderr.write(`Error: ${errorChain(e)}\n`);
  if (!(e instanceof IronflowError) && process.env.IRONFLOW_DEBUG === '1' && e instanceof Error) {
    process.stderr.write(`${e.stack}\n`);
  }
  process.exitCode = 1;
}
