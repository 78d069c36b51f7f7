// `ironflow validate FLOW` (CORE 7.4): every problem in one go; exit 1 if any.
import { Engine } from '../../engine/engine.js';
import { luaWasm, preferQuickStart } from '../../lua/wasm.js';
import { MemoryStore } from '../../store/memory.js';
import { FlowLoadError } from '../../util/errors.js';
import { textLogger } from '../../util/logger.js';
import { fail } from '../fail.js';
import { validationReport, warningLines } from '../render.js';
import { type CliGlobals, setup } from '../setup.js';

export async function validateCommand(
  file: string,
  opts: CliGlobals & { strict?: boolean; json?: boolean },
): Promise<void> {
  // Compiling the Lua WASM module takes a while off the main thread: start it before anything else. This
  // thread's Lua only loads the flow, so it need not be optimised (see preferQuickStart).
  preferQuickStart();
  luaWasm().catch(() => {});
  try {
    await setup(opts);
    // Validation never touches the run store.
    const engine = new Engine({
      store: new MemoryStore(),
      logger: textLogger(),
      print: (l) => process.stderr.write(`${l}\n`),
    });
    let loaded: Awaited<ReturnType<Engine['loadFile']>>;
    try {
      loaded = await engine.loadFile(file);
    } catch (e) {
      if (e instanceof FlowLoadError) {
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ valid: false, flow_name: null, steps: null, errors: [e.message] }, null, 2)}\n`,
          );
          process.exitCode = 1;
          return;
        }
        throw new FlowLoadError(`Failed to load flow: ${file}: ${e.message}`);
      }
      throw e;
    }
    const report = engine.check(loaded);
    const errors = [...report.errors];
    if (opts.strict) {
      for (const w of report.warnings.filter((x) => x.code === 'undefined_global'))
        errors.push({ step: w.step, message: w.message });
      report.warnings = report.warnings.filter((x) => x.code !== 'undefined_global');
    }
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            valid: errors.length === 0,
            flow_name: loaded.flow.name,
            steps: loaded.flow.steps.length,
            ...(errors.length ? { errors: errors.map((e) => e.message) } : {}),
            ...(report.warnings.length ? { warnings: report.warnings } : {}),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      process.stderr.write(warningLines(report.warnings));
      process.stdout.write(validationReport(loaded.flow, errors));
    }
    if (errors.length > 0) {
      if (!opts.json) process.stderr.write(`Error: ${errors.length} validation error(s) found\n`);
      process.exitCode = 1;
    }
  } catch (e) {
    fail(e);
  }
}
