// shell_command (NODES 4.1): runs a program directly (no shell), captures stdout/stderr/exit code.
// A non-zero exit, the node's own timeout and an aborted step all fail the step while keeping the
// captured output (DECISIONS 13: committed to the context and shown to on_error as `_error_output`).
import { stat } from 'node:fs/promises';
import { NodeError } from '../../util/errors.js';
import { formatSeconds, isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { type ProcessResult, runProcess, SpawnError } from './process.js';
import { shellSettings } from './settings.js';

function spawnMessage(cmd: string, e: SpawnError): string {
  const where = cmd.includes('/') ? '' : ' in PATH';
  switch (e.errno) {
    case 'ENOENT':
      return `Failed to execute command '${cmd}': not found${where}`;
    case 'EACCES':
      return `Failed to execute command '${cmd}': permission denied (not executable)`;
    default:
      return `Failed to execute command '${cmd}': ${e.message}`;
  }
}

async function checkCwd(cwd: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(cwd)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NodeError(`shell_command: cwd '${cwd}' not found`);
    throw new NodeError(`shell_command: cannot use cwd '${cwd}': ${(e as Error).message}`);
  }
  if (!isDir) throw new NodeError(`shell_command: cwd '${cwd}' is not a directory`);
}

export const shellCommand = defineNode({
  name: 'shell_command',
  category: 'Shell',
  description: 'Run a program (no shell) and capture its stdout, stderr and exit code',
  params: {
    cmd: p.string({
      description: 'Program name (looked up in PATH) or path; nothing is interpolated',
      required: true,
    }),
    args: p.oneOf<unknown[]>(['array', 'object'], {
      description: 'Arguments, passed as they are (no shell parsing); non-string items are dropped',
      default: [],
    }),
    cwd: p.string({
      description: 'Working directory of the program (relative to the engine working directory)',
    }),
    env: p.object({
      description:
        'Variables added to the inherited environment (non-string values are skipped); to pass a dynamic value, set a variable and use sh -c',
    }),
    timeout: p.number({
      description: 'Seconds before the program and everything it started is killed',
      default: 60,
      exclusiveMinimum: 0,
    }),
    output_key: p.string({ description: 'Prefix of the output keys', default: 'shell' }),
  },
  outputs: {
    '{output_key}_stdout':
      'standard output (UTF-8, invalid bytes replaced; capped, see IRONFLOW_MAX_SHELL_OUTPUT_BYTES)',
    '{output_key}_stderr': 'standard error (same rules)',
    '{output_key}_code': 'exit code (-1 when ended by a signal)',
    '{output_key}_success': 'true (on failure the same keys are kept with false, and the step fails)',
  },
  check(cfg) {
    // An empty Lua table arrives as {}: accept it as "no arguments", reject any other object.
    if (isPlainObject(cfg.args) && Object.keys(cfg.args).length > 0) {
      return [{ path: '$.args', message: "parameter 'args' must be an array of strings (got object)" }];
    }
    return [];
  },
  async run(cfg, nc) {
    const cmd = cfg.cmd;
    if (typeof cmd !== 'string') throw new NodeError("shell_command requires 'cmd' parameter");
    if (cmd === '') throw new NodeError("shell_command: 'cmd' is empty");
    const args = Array.isArray(cfg.args) ? cfg.args.filter((a): a is string => typeof a === 'string') : [];
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (isPlainObject(cfg.env)) {
      for (const [k, v] of Object.entries(cfg.env)) if (typeof v === 'string') env[k] = v;
    }
    const timeout = cfg.timeout;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new NodeError("shell_command 'timeout' must be a number of seconds greater than zero");
    }
    if (cfg.cwd !== undefined) await checkCwd(cfg.cwd);
    if (nc.signal.aborted) {
      throw new NodeError(`Command '${cmd}' was not started: the step was aborted`, {
        retryable: false,
        cause: nc.signal.reason,
      });
    }

    let res: ProcessResult;
    try {
      res = await runProcess({
        cmd,
        args,
        cwd: cfg.cwd,
        env,
        timeoutMs: timeout * 1000,
        signal: nc.signal,
        maxOutputBytes: shellSettings.maxOutputBytes.get(),
        limitSetting: shellSettings.maxOutputBytes.env,
      });
    } catch (e) {
      if (e instanceof SpawnError) throw new NodeError(spawnMessage(cmd, e), { cause: e });
      throw e;
    }

    const ok = cfg.output_key;
    const output: Record<string, unknown> = {
      [`${ok}_stdout`]: res.stdout,
      [`${ok}_stderr`]: res.stderr,
      [`${ok}_code`]: res.code,
      [`${ok}_success`]: res.outcome === 'exited' && res.code === 0,
    };
    if (res.outcome === 'timeout') {
      throw new NodeError(
        `Command '${cmd}' timed out after ${formatSeconds(timeout)} (process group killed)`,
        {
          output,
        },
      );
    }
    if (res.outcome === 'aborted') {
      const reason = nc.signal.reason instanceof Error ? `: ${nc.signal.reason.message}` : '';
      throw new NodeError(
        `Command '${cmd}' was stopped because the step was aborted${reason} (process group killed)`,
        {
          output,
          retryable: false,
          cause: nc.signal.reason,
        },
      );
    }
    if (res.code !== 0) {
      if (res.exitSignal) nc.log.warn(`Command '${cmd}' was ended by ${res.exitSignal}`, { step: nc.step });
      throw new NodeError(`Command '${cmd}' exited with code ${res.code}`, { output });
    }
    return output;
  },
});
