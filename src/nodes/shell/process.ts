// Running one program with captured, size-capped output, a deadline and an AbortSignal. The child is the
// leader of its own process group (spawn `detached`), so a deadline or an abort kills everything it
// started (`kill(-pgid, SIGKILL)`), not only the direct child: node's execFile({timeout}) would leave
// grandchildren such as `sh -c 'sleep 30 & sleep 30'` running.
import { spawn } from 'node:child_process';

/** setTimeout cannot wait longer than this (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** After a kill, how long to wait for the pipes to close before giving up on them. */
const PIPE_GRACE_MS = 2_000;

/** Keeps the first `limit` bytes of a stream (0 = all), counts the rest and keeps draining it. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.limit === 0) {
      this.chunks.push(chunk);
      return;
    }
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const piece = chunk.length <= room ? chunk : Buffer.from(chunk.subarray(0, room));
    this.chunks.push(piece);
    this.kept += piece.length;
  }

  /** UTF-8 text (invalid bytes replaced by U+FFFD), with a marker when bytes were dropped. */
  text(settingName: string): string {
    const buf = Buffer.concat(this.chunks);
    if (this.limit === 0 || this.total <= this.limit) return buf.toString('utf8');
    const end = utf8CompleteLength(buf);
    const omitted = this.total - end;
    return (
      buf.subarray(0, end).toString('utf8') +
      `\n[ironflow: output truncated: ${omitted} of ${this.total} bytes omitted ` +
      `(limit ${settingName}=${this.limit})]\n`
    );
  }
}

/** Length of the longest prefix of `buf` that does not end inside a UTF-8 sequence. */
export function utf8CompleteLength(buf: Buffer): number {
  const len = buf.length;
  let i = len - 1;
  // Step back over continuation bytes (10xxxxxx) to the byte that starts the last sequence.
  while (i >= 0 && len - i <= 3 && (buf[i]! & 0xc0) === 0x80) i--;
  if (i < 0) return len;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need > len ? i : len;
}

export interface RunProcessOptions {
  cmd: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Deadline in milliseconds. */
  timeoutMs: number;
  signal: AbortSignal;
  /** Bytes kept per stream (0 = no limit). */
  maxOutputBytes: number;
  /** Named in the truncation marker. */
  limitSetting: string;
}

export interface ProcessResult {
  /** How it ended: on its own, killed at the deadline, or killed because `signal` aborted. */
  outcome: 'exited' | 'timeout' | 'aborted';
  stdout: string;
  stderr: string;
  /** Exit code; -1 when the process was ended by a signal. */
  code: number;
  /** The terminating signal, when there was one. */
  exitSignal: NodeJS.Signals | null;
  pid: number | undefined;
}

/** A failure to start the program at all (not found, not executable, bad cwd…). */
export class SpawnError extends Error {
  readonly errno: string | undefined;
  constructor(message: string, errno: string | undefined, cause: unknown) {
    super(message, { cause });
    this.errno = errno;
    this.name = 'SpawnError';
  }
}

/**
 * Run `cmd args` without a shell. stdin is /dev/null. Resolves once the process has exited and its
 * pipes are closed (so output written by background children before they exit is included); rejects
 * only with SpawnError.
 */
export function runProcess(o: RunProcessOptions): Promise<ProcessResult> {
  return new Promise<ProcessResult>((resolve, reject) => {
    const groups = process.platform !== 'win32';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(o.cmd, o.args, {
        cwd: o.cwd,
        env: o.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: groups,
        windowsHide: true,
      });
    } catch (e) {
      reject(new SpawnError((e as Error).message, (e as NodeJS.ErrnoException).code, e));
      return;
    }

    const out = new Capture(o.maxOutputBytes);
    const err = new Capture(o.maxOutputBytes);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    // A destroyed or broken pipe must not crash the process.
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});

    let outcome: ProcessResult['outcome'] = 'exited';
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let graceTimer: NodeJS.Timeout | undefined;

    const killTree = (): void => {
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        if (groups) process.kill(-pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // ESRCH: the group is already gone. Fall back to the direct child in case it is not.
        try {
          child.kill('SIGKILL');
        } catch {
          /* already exited */
        }
      }
    };

    const cleanup = (): void => {
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      o.signal.removeEventListener('abort', onAbort);
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({
        outcome,
        stdout: out.text(o.limitSetting),
        stderr: err.text(o.limitSetting),
        code: exitSignal !== null || exitCode === null ? -1 : exitCode,
        exitSignal,
        pid: child.pid,
      });
    };

    const stop = (why: 'timeout' | 'aborted'): void => {
      if (settled || outcome !== 'exited') return;
      outcome = why;
      killTree();
      // Every member of the group holding our pipes is dead now, so 'close' follows at once. A process
      // that left the group (setsid) could still hold them: stop waiting for it after a grace period.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (exitCode !== null || exitSignal !== null) finish();
      }, PIPE_GRACE_MS);
    };

    const onAbort = (): void => stop('aborted');
    const deadline = setTimeout(() => stop('timeout'), Math.min(Math.max(0, o.timeoutMs), MAX_TIMER_MS));

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      if (child.pid === undefined) {
        // The program never started.
        settled = true;
        cleanup();
        reject(new SpawnError(e.message, e.code, e));
      }
      // Other errors (a failed kill) are followed by 'exit'/'close' as usual.
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      if (outcome !== 'exited' && child.stdout?.destroyed && child.stderr?.destroyed) finish();
    });
    child.on('close', (code, sig) => {
      if (exitCode === null && exitSignal === null) {
        exitCode = code;
        exitSignal = sig;
      }
      finish();
    });

    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });
  });
}
