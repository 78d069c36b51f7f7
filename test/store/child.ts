// Runs store code in separate Node processes (concurrent-writer tests): the store sources are transpiled
// into a temp directory (no type check) next to a link to node_modules, then a small script is spawned.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const repo = resolve(import.meta.dirname, '..', '..');

/** Transpile src/store/** and what it imports into a temp dir; returns the dir (mirrors the repo layout). */
export function buildStoreForChildren(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-store-child-'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const todo = [join(repo, 'src', 'store', 'open.ts'), join(repo, 'src', 'store', 'migrate.ts')];
  const done = new Set<string>();
  while (todo.length) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
      fileName: file,
    });
    const target = join(dir, relative(repo, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
    for (const m of source.matchAll(/(?:from|import\()\s*'(\.[^']+)\.js'/g)) {
      todo.push(resolve(dirname(file), `${m[1]}.ts`));
    }
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run an ES module script (source text) with node in `dir`; resolves when it exits. */
export function runChild(
  dir: string,
  name: string,
  source: string,
  args: string[] = [],
): Promise<ChildResult> {
  const file = join(dir, name);
  writeFileSync(file, source);
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [file, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('error', rej);
    p.on('exit', (code) => res({ code, stdout, stderr }));
  });
}
