// `ironflow` command line. The everyday commands are part of the start-up bundle (a dynamic import costs a
// file read and a compile before anything runs); the server and run maintenance load only when used.
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.js';
import { inspectCommand } from './commands/inspect.js';
import { listCommand } from './commands/list.js';
import { nodesCommand } from './commands/nodes.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { fail } from './fail.js';

const program = new Command('ironflow')
  .description('IronFlow: run Lua workflows as DAGs, record every run')
  .version(`ironflow ${VERSION}`, '-V, --version', 'print the version')
  .option('--dotenv <path>', 'load environment variables from this file (default: ./.env when present)')
  .option('-C, --config <path>', 'config file (default: ./ironflow.yaml when present)')
  .showHelpAfterError()
  .exitOverride();

const storeOptions = (cmd: Command) =>
  cmd
    .option(
      '--store-dir <dir>',
      'JSON run store directory (env IRONFLOW_STORE_DIR / STORE_DIR; default data/runs)',
    )
    .option(
      '--store <url>',
      'run store: json:DIR, sqlite:PATH, postgres://…, redis://… (env IRONFLOW_STORE)',
    );

storeOptions(
  program
    .command('run')
    .description('run a flow and record it')
    .argument('<flow>', 'flow file (.lua)')
    .option('-c, --context <json>', 'initial context, a JSON object', '{}')
    .option('-v, --verbose', 'show steps before the run, and per-step timing and outputs after it')
    .option('--json', 'print the run record as JSON on stdout (and nothing else there)')
    .option('--strict', 'treat undefined-global warnings as errors'),
).action(async (flow, opts, cmd) => runCommand(flow, { ...cmd.optsWithGlobals(), ...opts }));

program
  .command('validate')
  .description('check a flow without running it; reports every problem')
  .argument('<flow>', 'flow file (.lua)')
  .option('--strict', 'treat undefined-global warnings as errors')
  .option('--json', 'print the report as JSON')
  .action(async (flow, opts, cmd) => validateCommand(flow, { ...cmd.optsWithGlobals(), ...opts }));

storeOptions(
  program
    .command('list')
    .description('list recorded runs, newest first')
    .addOption(new Option('-s, --status <status>', 'only runs with this status'))
    .option('--flow <name>', 'only runs of this flow')
    .option('--limit <n>', 'at most this many runs')
    .option('--format <format>', 'table or json', 'table'),
).action(async (opts, cmd) => listCommand({ ...cmd.optsWithGlobals(), ...opts }));

storeOptions(
  program.command('inspect').description('print a recorded run as JSON').argument('<run_id>', 'run id'),
).action(async (id, opts, cmd) => inspectCommand(id, { ...cmd.optsWithGlobals(), ...opts }));

program
  .command('nodes')
  .description('list the available node types')
  .option('--json', 'print JSON, with each node parameter schema')
  .action(async (opts, cmd) => nodesCommand({ ...cmd.optsWithGlobals(), ...opts }));

storeOptions(
  program
    .command('serve')
    .description('start the REST API server')
    .option('--host <host>', 'address to bind (env HOST; default 0.0.0.0)')
    .option('-p, --port <port>', 'port (env PORT; default 3000)')
    .option('--flows-dir <dir>', 'directory flow files are served from (env FLOWS_DIR)')
    .option('--max-body <bytes>', 'largest request body (env MAX_BODY; default 1048576)'),
).action(async (opts, cmd) =>
  (await import('./commands/serve.js')).serveCommand({ ...cmd.optsWithGlobals(), ...opts }),
);

const runs = program.command('runs').description('manage recorded runs');
runs
  .command('migrate')
  .description('copy every run from one store to another')
  .requiredOption('--from <url>', 'source store')
  .requiredOption('--to <url>', 'destination store')
  .action(async (opts, cmd) =>
    (await import('./commands/runs.js')).migrateCommand({ ...cmd.optsWithGlobals(), ...opts }),
  );
storeOptions(
  runs
    .command('prune')
    .description('delete runs that started before a date')
    .requiredOption('--before <date>', 'RFC 3339 date or time')
    .option('-s, --status <status>', 'only runs with this status'),
).action(async (opts, cmd) =>
  (await import('./commands/runs.js')).pruneCommand({ ...cmd.optsWithGlobals(), ...opts }),
);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; usage errors (unknown option, missing argument) exit 2.
    process.exitCode =
      e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  } else {
    fail(e);
  }
}
