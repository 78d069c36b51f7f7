import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { listSettings, overrideSetting } from '../../../src/config/settings.js';
import { NodeError } from '../../../src/util/errors.js';
import { checkNode, runNode } from '../../helpers/nodes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ironflow-shell-'));
});
afterEach(async () => {
  overrideSetting('IRONFLOW_MAX_SHELL_OUTPUT_BYTES', undefined);
  await rm(dir, { recursive: true, force: true });
});

/** Live (not zombie) processes whose process group is `pgid`, from /proc. */
function liveMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') out.push(Number(d));
  }
  return out;
}

/** Wait (a few seconds at most) until the group has no live member; returns what is left. */
async function groupGone(pgid: number): Promise<number[]> {
  const until = Date.now() + 5000;
  let left = liveMembers(pgid);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = liveMembers(pgid);
  }
  return left;
}

async function failure(p: Promise<unknown>): Promise<NodeError> {
  const e = await p.then(
    () => {
      throw new Error('expected the step to fail');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NodeError);
  return e as NodeError;
}

describe('shell_command: running programs', () => {
  test('captures stdout, stderr and exit code 0 under the default prefix', async () => {
    const out = await runNode('shell_command', { cmd: 'sh', args: ['-c', 'echo hello; echo warn >&2'] });
    expect(out).toEqual({
      shell_stdout: 'hello\n',
      shell_stderr: 'warn\n',
      shell_code: 0,
      shell_success: true,
    });
  });

  test('custom output_key', async () => {
    const out = await runNode('shell_command', { cmd: 'echo', args: ['hi'], output_key: 'greet' });
    expect(out).toEqual({ greet_stdout: 'hi\n', greet_stderr: '', greet_code: 0, greet_success: true });
  });

  test('no shell parsing: arguments reach the program verbatim, nothing is interpolated', async () => {
    const out = await runNode(
      'shell_command',
      { cmd: 'echo', args: ['$HOME', '*', '; ls', '${ctx.x}', 'a b'] },
      { x: 'interpolated' },
    );
    expect(out.shell_stdout).toBe('$HOME * ; ls ${ctx.x} a b\n');
  });

  test('non-string args are dropped', async () => {
    const out = await runNode('shell_command', { cmd: 'printf', args: ['%s|', 'a', 5, true, null, 'b'] });
    expect(out.shell_stdout).toBe('a|b|');
  });

  test('args: an empty Lua table ({}) means no arguments; a non-empty object is a static error', async () => {
    const out = await runNode('shell_command', { cmd: 'echo', args: {} });
    expect(out.shell_stdout).toBe('\n');
    expect(checkNode('shell_command', { cmd: 'echo', args: { a: 'x' } })).toEqual([
      "parameter 'args' must be an array of strings (got object)",
    ]);
    expect(checkNode('shell_command', { cmd: 'echo', args: 'x' })[0]).toMatch(/parameter 'args' must be/);
  });

  test('stdin is empty (/dev/null), so a program reading it does not hang', async () => {
    const out = await runNode('shell_command', { cmd: 'cat' });
    expect(out.shell_stdout).toBe('');
    expect(out.shell_code).toBe(0);
  });

  test('invalid UTF-8 in the output is replaced, not fatal', async () => {
    const out = await runNode('shell_command', { cmd: 'printf', args: ['\\377abc\\n'] });
    expect(out.shell_stdout).toBe('\uFFFDabc\n');
  });

  test('unicode output and arguments', async () => {
    const out = await runNode('shell_command', { cmd: 'echo', args: ['héllo 📄 日本'] });
    expect(out.shell_stdout).toBe('héllo 📄 日本\n');
  });

  test('output written by a background child before it exits is included', async () => {
    const out = await runNode('shell_command', {
      cmd: 'sh',
      args: ['-c', '(sleep 0.3; echo late) & echo early'],
    });
    expect(out.shell_stdout).toBe('early\nlate\n');
  });
});

describe('shell_command: env and cwd', () => {
  test('env is added to the inherited environment; non-string values are skipped', async () => {
    process.env.IRONFLOW_TEST_INHERITED = 'yes';
    process.env.IRONFLOW_TEST_OVERRIDDEN = 'old';
    try {
      const out = await runNode('shell_command', {
        cmd: 'sh',
        args: [
          '-c',
          'echo "$FOO|${NUM-unset}|$IRONFLOW_TEST_INHERITED|$IRONFLOW_TEST_OVERRIDDEN|${PATH:+path}"',
        ],
        env: { FOO: 'bar baz', NUM: 5, IRONFLOW_TEST_OVERRIDDEN: 'new' },
      });
      expect(out.shell_stdout).toBe('bar baz|unset|yes|new|path\n');
    } finally {
      delete process.env.IRONFLOW_TEST_INHERITED;
      delete process.env.IRONFLOW_TEST_OVERRIDDEN;
    }
  });

  test('cwd: absolute and relative (to the process working directory)', async () => {
    const real = await realpath(dir);
    const abs = await runNode('shell_command', { cmd: 'pwd', cwd: dir });
    expect(abs.shell_stdout).toBe(`${real}\n`);
    await writeFile(join(dir, 'marker.txt'), 'here');
    const rel = relative(process.cwd(), dir);
    const out = await runNode('shell_command', { cmd: 'cat', args: ['marker.txt'], cwd: rel });
    expect(out.shell_stdout).toBe('here');
  });

  test('cwd that does not exist, or is a file, names the parameter and the path', async () => {
    const missing = join(dir, 'nope');
    let e = await failure(runNode('shell_command', { cmd: 'pwd', cwd: missing }));
    expect(e.message).toBe(`shell_command: cwd '${missing}' not found`);
    await writeFile(join(dir, 'f'), '');
    e = await failure(runNode('shell_command', { cmd: 'pwd', cwd: join(dir, 'f') }));
    expect(e.message).toBe(`shell_command: cwd '${join(dir, 'f')}' is not a directory`);
  });
});

describe('shell_command: failures', () => {
  test('missing cmd is a static error', () => {
    expect(checkNode('shell_command', {})).toEqual(["shell_command requires 'cmd'"]);
    expect(checkNode('shell_command', { cmd: 3 })[0]).toMatch(/parameter 'cmd' must be a string/);
  });

  test('a program that is not found fails', async () => {
    let e = await failure(runNode('shell_command', { cmd: 'ironflow-no-such-program-xyz' }));
    expect(e.message).toBe("Failed to execute command 'ironflow-no-such-program-xyz': not found in PATH");
    e = await failure(runNode('shell_command', { cmd: join(dir, 'missing.sh') }));
    expect(e.message).toBe(`Failed to execute command '${join(dir, 'missing.sh')}': not found`);
  });

  test('a file that is not executable fails with permission denied', async () => {
    const script = join(dir, 'script.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const e = await failure(runNode('shell_command', { cmd: script }));
    expect(e.message).toContain('permission denied');
  });

  test('an empty cmd fails', async () => {
    const e = await failure(runNode('shell_command', { cmd: '' }));
    expect(e.message).toBe("shell_command: 'cmd' is empty");
  });

  test('non-zero exit fails the step and keeps stdout, stderr and the code in the error output', async () => {
    const e = await failure(
      runNode('shell_command', {
        cmd: 'sh',
        args: ['-c', 'echo partial; echo boom >&2; exit 3'],
        output_key: 'job',
      }),
    );
    expect(e.message).toBe("Command 'sh' exited with code 3");
    expect(e.output).toEqual({
      job_stdout: 'partial\n',
      job_stderr: 'boom\n',
      job_code: 3,
      job_success: false,
    });
  });

  test('`false` exits 1', async () => {
    const e = await failure(runNode('shell_command', { cmd: 'false' }));
    expect(e.message).toBe("Command 'false' exited with code 1");
    expect(e.output?.shell_code).toBe(1);
  });

  test('a program killed by a signal reports code -1', async () => {
    const e = await failure(runNode('shell_command', { cmd: 'sh', args: ['-c', 'echo x; kill -KILL $$'] }));
    expect(e.message).toBe("Command 'sh' exited with code -1");
    expect(e.output).toMatchObject({ shell_stdout: 'x\n', shell_code: -1, shell_success: false });
  });

  test('timeout must be a positive number of seconds (default 60)', () => {
    expect(checkNode('shell_command', { cmd: 'true', timeout: 0 })[0]).toMatch(/must be greater than 0/);
    expect(checkNode('shell_command', { cmd: 'true', timeout: -1 })[0]).toMatch(/must be greater than 0/);
    expect(checkNode('shell_command', { cmd: 'true', timeout: '5' })[0]).toMatch(/must be a number/);
    expect(checkNode('shell_command', { cmd: 'true', timeout: 0.25 })).toEqual([]);
  });
});

describe('shell_command: killing the whole process group', () => {
  test('timeout kills the child and its background children', async () => {
    const pidFile = join(dir, 'pgid');
    const started = Date.now();
    const e = await failure(
      runNode('shell_command', {
        cmd: 'sh',
        args: ['-c', `echo $$ > '${pidFile}'; echo started; sleep 30 >/dev/null 2>&1 & sleep 30 & sleep 30`],
        timeout: 0.5,
      }),
    );
    // Coarse bound: the three 30 s sleeps were not waited for.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(e.message).toBe("Command 'sh' timed out after 0.5s (process group killed)");
    expect(e.output).toEqual({
      shell_stdout: 'started\n',
      shell_stderr: '',
      shell_code: -1,
      shell_success: false,
    });
    const pgid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(pgid).toBeGreaterThan(1);
    expect(await groupGone(pgid)).toEqual([]);
  });

  test('an aborted step signal kills the whole group too', async () => {
    const pidFile = join(dir, 'pgid');
    const ac = new AbortController();
    const started = Date.now();
    const pending = runNode(
      'shell_command',
      { cmd: 'sh', args: ['-c', `echo $$ > '${pidFile}'; sleep 30 & sleep 30`], timeout: 60 },
      {},
      { signal: ac.signal },
    );
    // Abort once the group exists.
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const pid = await readFile(pidFile, 'utf8').catch(() => '');
      if (pid.trim() && liveMembers(Number(pid)).length >= 2) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    ac.abort(new Error("Task 'test_step' timed out after 0.3s total"));
    const e = await failure(pending);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(e.message).toBe(
      "Command 'sh' was stopped because the step was aborted: Task 'test_step' timed out after 0.3s total (process group killed)",
    );
    expect(e.retryable).toBe(false);
    const pgid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(await groupGone(pgid)).toEqual([]);
  });

  test('a background child holding the output pipes is waited for until the timeout, then killed', async () => {
    const pidFile = join(dir, 'pgid');
    const e = await failure(
      runNode('shell_command', {
        cmd: 'sh',
        args: ['-c', `echo $$ > '${pidFile}'; sleep 30 & echo hi`],
        timeout: 0.5,
      }),
    );
    expect(e.message).toBe("Command 'sh' timed out after 0.5s (process group killed)");
    expect(e.output).toMatchObject({ shell_stdout: 'hi\n', shell_success: false });
    const pgid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(await groupGone(pgid)).toEqual([]);
  });

  test('a background child that released the pipes is left running after success (like the original)', async () => {
    const pidFile = join(dir, 'pgid');
    const out = await runNode('shell_command', {
      cmd: 'sh',
      args: ['-c', `echo $$ > '${pidFile}'; sleep 30 >/dev/null 2>&1 & echo started`],
      timeout: 20,
    });
    expect(out).toMatchObject({ shell_stdout: 'started\n', shell_code: 0, shell_success: true });
    const pgid = Number((await readFile(pidFile, 'utf8')).trim());
    try {
      expect(liveMembers(pgid).length).toBe(1);
    } finally {
      process.kill(-pgid, 'SIGKILL');
    }
    expect(await groupGone(pgid)).toEqual([]);
  });

  test('an already aborted signal starts nothing', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    const marker = join(dir, 'ran');
    const e = await failure(
      runNode('shell_command', { cmd: 'sh', args: ['-c', `touch '${marker}'`] }, {}, { signal: ac.signal }),
    );
    expect(e.message).toBe("Command 'sh' was not started: the step was aborted");
    await expect(readFile(marker)).rejects.toThrow();
  });
});

describe('shell_command: output size limit', () => {
  test('the setting is declared with a 1 MiB default', () => {
    const s = listSettings().find((x) => x.env === 'IRONFLOW_MAX_SHELL_OUTPUT_BYTES');
    expect(s?.default).toBe(1_048_576);
  });

  test('huge output is truncated with a marker while the program runs to the end', async () => {
    overrideSetting('IRONFLOW_MAX_SHELL_OUTPUT_BYTES', 1000);
    const out = await runNode('shell_command', {
      cmd: 'sh',
      args: ['-c', "head -c 3000000 /dev/zero | tr '\\000' a; echo done >&2"],
    });
    const stdout = out.shell_stdout as string;
    expect(stdout.startsWith('a'.repeat(1000))).toBe(true);
    expect(stdout.slice(1000)).toBe(
      '\n[ironflow: output truncated: 2999000 of 3000000 bytes omitted (limit IRONFLOW_MAX_SHELL_OUTPUT_BYTES=1000)]\n',
    );
    expect(out.shell_stderr).toBe('done\n');
    expect(out.shell_code).toBe(0);
  });

  test('the default limit applies without an override (stderr too), read from the environment', async () => {
    process.env.IRONFLOW_MAX_SHELL_OUTPUT_BYTES = '10';
    try {
      const out = await runNode('shell_command', {
        cmd: 'sh',
        args: ['-c', 'echo 0123456789abcdef >&2; echo short'],
      });
      expect(out.shell_stdout).toBe('short\n');
      expect(out.shell_stderr).toMatch(/^0123456789\n\[ironflow: output truncated: 7 of 17 bytes omitted/);
    } finally {
      delete process.env.IRONFLOW_MAX_SHELL_OUTPUT_BYTES;
    }
  });

  test('truncation never splits a UTF-8 character', async () => {
    overrideSetting('IRONFLOW_MAX_SHELL_OUTPUT_BYTES', 5);
    const out = await runNode('shell_command', { cmd: 'printf', args: ['ééé'] });
    expect(out.shell_stdout).toMatch(/^éé\n\[ironflow: output truncated: 2 of 6 bytes omitted/);
  });

  test('0 disables the limit', async () => {
    overrideSetting('IRONFLOW_MAX_SHELL_OUTPUT_BYTES', 0);
    const out = await runNode('shell_command', { cmd: 'sh', args: ['-c', 'head -c 2000000 /dev/zero'] });
    expect((out.shell_stdout as string).length).toBe(2_000_000);
  });

  test('a failing command keeps its truncated output', async () => {
    overrideSetting('IRONFLOW_MAX_SHELL_OUTPUT_BYTES', 4);
    const e = await failure(runNode('shell_command', { cmd: 'sh', args: ['-c', 'echo abcdefgh; exit 2'] }));
    expect(e.output?.shell_stdout).toMatch(/^abcd\n\[ironflow: output truncated: 5 of 9 bytes omitted/);
    expect(e.output?.shell_code).toBe(2);
  });
});
