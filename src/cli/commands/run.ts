// `ironflow run FLOW` (CORE 7.3).
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { Engine } from '../../engine/engine.js';
import { processResources } from '../../engine/resources.js';
import type { Context } from '../../engine/types.js';
import { luaWasm, preferQuickStart } from '../../lua/wasm.js';
import { ConfigError, FlowLoadError, ValidationError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { textLogger } from '../../util/logger.js';
import { fail } from '../fail.js';
import { Progress } from '../progress.js';
import { flowHeader, runSummary, stepsListing, validationReport, warningLines } from '../render.js';
import { type CliGlobals, openCliStore, setup } from '../setup.js';

export interface RunCliOptions extends CliGlobals {
  context: string;
  verbose?: boolean;
  json?: boolean;
  strict?: boolean;
}

function parseContext(text: string): Context {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`Failed to parse --context JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(v))
    throw new ConfigError('Failed to parse --context JSON: the context must be a JSON object');
  return v;
}

/** Write and wait until the stream has taken everything (large --json records must not be cut). */
function writeAll(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', () => resolve());
  });
}

export async function runCommand(file: string, opts: RunCliOptions): Promise<void> {
  // Compiling the Lua WASM module takes a while off the main thread: start it before anything else. This
  // thread's Lua only loads the flow, so it need not be optimised (see preferQuickStart).
  preferQuickStart();
  luaWasm().catch(() => {});
  let engine: Engine | undefined;
  const progress = new Progress();
  try {
    const config = await setup(opts);
    const ctx = parseContext(opts.context);
    // Human output goes to stdout, except with --json, where stdout carries only the record.
    const human = opts.json ? process.stderr : process.stdout;
    const store = await openCliStore(opts, config);
    engine = new Engine({
      store,
      logger: textLogger(),
      print: (line) => human.write(`${line}\n`),
    });
    let loaded: Awaited<ReturnType<Engine['loadFile']>>;
    try {
      loaded = await engine.loadFile(file);
    } catch (e) {
      if (e instanceof FlowLoadError) throw new FlowLoadError(`Failed to load flow: ${file}: ${e.message}`);
      throw e;
    }
    const report = engine.check(loaded);
    const errors = [...report.errors];
    if (opts.strict) {
      for (const w of report.warnings.filter((x) => x.code === 'undefined_global'))
        errors.push({ step: w.step, message: w.message });
      report.warnings = report.warnings.filter((x) => x.code !== 'undefined_global');
    }
    if (errors.length > 0) {
      human.write(validationReport(loaded.flow, errors));
      throw new ValidationError(errors);
    }
    process.stderr.write(warningLines(report.warnings));
    human.write(flowHeader(loaded.flow));
    if (opts.verbose) human.write(stepsListing(loaded.flow));
    ctx._flow_dir = dirname(realpathSync(file));
    // Ctrl-C (or SIGTERM) ends the run as `cancelled`, recorded; a second one exits at once.
    const stop = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) process.exit(130);
      progress.stop();
      process.stderr.write(`\n${sig}: cancelling the run (press Ctrl-C again to exit at once)\n`);
      stop.abort({ status: 'cancelled', message: `cancelled by ${sig}` });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const run = await engine.execute(loaded.flow, ctx, { onEvent: progress.onEvent, signal: stop.signal });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
    // --json prints exactly what the store recorded (the same as `ironflow inspect`).
    if (opts.json)
      await writeAll(process.stdout, `${JSON.stringify(await engine.store.getRun(run.id), null, 2)}\n`);
    else human.write(runSummary(run, Boolean(opts.verbose)));
    if (run.status !== 'success') {
      process.stderr.write(`Error: Workflow run ${run.id} finished with status ${run.status}\n`);
      process.exitCode = 1;
    }
  } catch (e) {
    progress.stop();
    // Validation problems were printed above; the summary line says how many.
    if (e instanceof ValidationError) {
      process.stderr.write(`Error: ${e.issues.length} validation error(s) found\n`);
      process.exitCode = 1;
    } else fail(e);
  } finally {
    await engine?.close();
    await engine?.store.close();
    // Connection pools and clients nodes opened (databases, S3) would keep the process alive.
    await processResources.closeAll();
  }
}
