import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NodeError } from '../../../src/util/errors.js';
import { checkNode, runNode } from '../../helpers/nodes.js';

// A 1x1 RGBA PNG.
const PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ironflow-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

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

const isRoot = process.getuid?.() === 0;

describe('read_file', () => {
  test('reads UTF-8 text under the default prefix; the path is interpolated and echoed', async () => {
    const f = join(dir, 'hello.txt');
    await writeFile(f, 'Hello, wörld 👋\nline 2\n');
    const out = await runNode('read_file', { path: '${ctx.dir}/hello.txt' }, { dir });
    expect(out).toEqual({ file_content: 'Hello, wörld 👋\nline 2\n', file_path: f, file_success: true });
  });

  test('custom output_key and an empty file', async () => {
    await writeFile(join(dir, 'empty'), '');
    const out = await runNode('read_file', { path: join(dir, 'empty'), output_key: 'doc' });
    expect(out).toEqual({ doc_content: '', doc_path: join(dir, 'empty'), doc_success: true });
  });

  test('a byte-order mark is kept', async () => {
    await writeFile(join(dir, 'bom.txt'), Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
    const out = await runNode('read_file', { path: join(dir, 'bom.txt') });
    expect(out.file_content).toBe('\uFEFFA');
  });

  test('base64 mode returns padded standard base64 of the exact bytes', async () => {
    const bytes = Buffer.from([0, 255, 254, 62, 63, 10]);
    await writeFile(join(dir, 'b.bin'), bytes);
    const out = await runNode('read_file', { path: join(dir, 'b.bin'), encoding: 'base64' });
    expect(out.file_content).toBe('AP/+Pj8K');
    expect(Buffer.from(out.file_content as string, 'base64')).toEqual(bytes);
  });

  test('text mode on a binary (non-UTF-8) file fails and suggests base64', async () => {
    await writeFile(join(dir, 'p.png'), Buffer.from(PNG_B64, 'base64'));
    const e = await failure(runNode('read_file', { path: join(dir, 'p.png') }));
    expect(e.message).toBe(
      `read_file: path '${join(dir, 'p.png')}' is not valid UTF-8 text; use encoding = 'base64' for binary files`,
    );
  });

  test('unsupported encoding: exact message, statically', () => {
    expect(checkNode('read_file', { path: 'x', encoding: 'hex' })).toEqual([
      "read_file: unsupported encoding 'hex'. Must be 'text' or 'base64'.",
    ]);
    expect(checkNode('read_file', { path: 'x', encoding: 'TEXT' })).toHaveLength(1);
  });

  test('missing path parameter is a static error', () => {
    expect(checkNode('read_file', {})).toEqual(["read_file requires 'path'"]);
    expect(checkNode('read_file', { path: 5 })[0]).toMatch(/parameter 'path' must be a string/);
  });

  test('a missing file, a directory, an empty path', async () => {
    const missing = join(dir, 'nope.txt');
    let e = await failure(runNode('read_file', { path: missing }));
    expect(e.message).toBe(`read_file: path '${missing}' not found`);
    e = await failure(runNode('read_file', { path: dir }));
    expect(e.message).toBe(`read_file: path '${dir}' is a directory, not a file`);
    e = await failure(runNode('read_file', { path: '${ctx.nothing}' }, {}));
    expect(e.message).toBe("read_file: 'path' is empty");
    await writeFile(join(dir, 'f'), 'x');
    e = await failure(runNode('read_file', { path: join(dir, 'f', 'child') }));
    expect(e.message).toContain('not found (a parent in the path is not a directory)');
  });

  test.skipIf(isRoot)('permission denied names the path', async () => {
    const f = join(dir, 'secret.txt');
    await writeFile(f, 'x');
    await chmod(f, 0o000);
    const e = await failure(runNode('read_file', { path: f }));
    expect(e.message).toBe(`read_file: permission denied for path '${f}'`);
  });

  test('relative paths are relative to the process working directory and echoed as given', async () => {
    await writeFile(join(dir, 'rel.txt'), 'relative');
    const rel = relative(process.cwd(), join(dir, 'rel.txt'));
    const out = await runNode('read_file', { path: rel });
    expect(out).toEqual({ file_content: 'relative', file_path: rel, file_success: true });
  });

  test('an aborted signal stops the read', async () => {
    await writeFile(join(dir, 'a.txt'), 'x');
    const ac = new AbortController();
    ac.abort(new Error('step timed out'));
    await expect(
      runNode('read_file', { path: join(dir, 'a.txt') }, {}, { signal: ac.signal }),
    ).rejects.toThrow('step timed out');
  });
});

describe('write_file', () => {
  test('writes interpolated content; fixed output keys (output_key ignored)', async () => {
    const f = join(dir, 'out.txt');
    const out = await runNode(
      'write_file',
      { path: '${ctx.dir}/out.txt', content: 'Hi ${ctx.name} 🎉', output_key: 'ignored' },
      { dir, name: 'Zoë' },
    );
    expect(out).toEqual({ write_file_path: f, write_file_success: true });
    expect(await readFile(f, 'utf8')).toBe('Hi Zoë 🎉');
  });

  test('content defaults to empty; an existing file is truncated', async () => {
    const f = join(dir, 'out.txt');
    await writeFile(f, 'old content');
    await runNode('write_file', { path: f });
    expect(await readFile(f, 'utf8')).toBe('');
  });

  test('append adds to the end, and creates the file when needed', async () => {
    const f = join(dir, 'log.txt');
    await runNode('write_file', { path: f, content: 'one\n', append: true });
    await runNode('write_file', { path: f, content: 'two\n', append: true });
    await runNode('write_file', { path: f, content: 'three\n', append: false });
    await runNode('write_file', { path: f, content: 'four\n', append: true });
    expect(await readFile(f, 'utf8')).toBe('three\nfour\n');
    expect(checkNode('write_file', { path: f, append: 'yes' })[0]).toMatch(
      /parameter 'append' must be a boolean/,
    );
  });

  test('source_key text wins over content', async () => {
    const f = join(dir, 's.txt');
    await runNode('write_file', { path: f, content: 'ignored', source_key: 'body' }, { body: 'from ctx ✓' });
    expect(await readFile(f, 'utf8')).toBe('from ctx ✓');
  });

  test('encoding=base64 does not apply to content (always literal text)', async () => {
    const f = join(dir, 'c.txt');
    await runNode('write_file', { path: f, content: 'aGVsbG8=', encoding: 'base64' });
    expect(await readFile(f, 'utf8')).toBe('aGVsbG8=');
  });

  test('source_key errors: missing key, not a string, invalid base64', async () => {
    const f = join(dir, 'x');
    let e = await failure(runNode('write_file', { path: f, source_key: 'nope' }, {}));
    expect(e.message).toBe("Key 'nope' not found in context");
    e = await failure(runNode('write_file', { path: f, source_key: 'n' }, { n: 42 }));
    expect(e.message).toBe("Value at 'n' must be a string");
    for (const [bad, detail] of [
      ['aGVsbG8', 'invalid length 7'],
      ['aGVs bG8=', "invalid character ' ' at offset 4"],
      ['aGVs\nbG8=', "invalid character '\\n' at offset 4"],
      ['aG=sbG8=', 'invalid padding at offset 2'],
      ['aGVsbG9=', 'invalid trailing bits'],
      ['aGVs_G8=', "invalid character '_' at offset 4"],
    ]) {
      e = await failure(runNode('write_file', { path: f, source_key: 'b', encoding: 'base64' }, { b: bad }));
      expect(e.message).toMatch(/^Failed to decode base64 from 'b': /);
      expect(e.message).toContain(detail);
    }
    await expect(stat(f)).rejects.toThrow();
  });

  test('unsupported encoding: static error', () => {
    expect(checkNode('write_file', { path: 'x', encoding: 'utf16' })).toEqual([
      "write_file: unsupported encoding 'utf16'. Must be 'text' or 'base64'.",
    ]);
    expect(checkNode('write_file', {})).toEqual(["write_file requires 'path'"]);
  });

  test('parent directories are not created; a directory as the path fails', async () => {
    const f = join(dir, 'sub', 'deeper', 'x.txt');
    let e = await failure(runNode('write_file', { path: f, content: 'x' }));
    expect(e.message).toBe(
      `write_file: parent directory '${join(dir, 'sub', 'deeper')}' of path '${f}' not found (parent directories are not created)`,
    );
    await expect(stat(join(dir, 'sub'))).rejects.toThrow();
    e = await failure(runNode('write_file', { path: dir, content: 'x' }));
    expect(e.message).toBe(`write_file: path '${dir}' is a directory, not a file`);
  });

  test('binary round trip: a PNG through base64, write then read', async () => {
    const f = join(dir, 'pixel.png');
    const w = await runNode(
      'write_file',
      { path: f, source_key: 'png_b64', encoding: 'base64' },
      { png_b64: PNG_B64 },
    );
    expect(w).toEqual({ write_file_path: f, write_file_success: true });
    const bytes = await readFile(f);
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(bytes).toEqual(Buffer.from(PNG_B64, 'base64'));
    const r = await runNode('read_file', { path: f, encoding: 'base64', output_key: 'img' });
    expect(r.img_content).toBe(PNG_B64);
  });

  test('every byte value survives the round trip', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const f = join(dir, 'all.bin');
    await runNode(
      'write_file',
      { path: f, source_key: 'b', encoding: 'base64' },
      { b: all.toString('base64') },
    );
    expect(await readFile(f)).toEqual(all);
    const r = await runNode('read_file', { path: f, encoding: 'base64' });
    expect(Buffer.from(r.file_content as string, 'base64')).toEqual(all);
  });
});

describe('copy_file', () => {
  test('copies (overwriting the destination); fixed output keys; unicode names', async () => {
    const src = join(dir, 'résumé 📄.txt');
    const dst = join(dir, 'копия.txt');
    await writeFile(src, 'contents ✓');
    await writeFile(dst, 'to be overwritten, longer than the source');
    const out = await runNode(
      'copy_file',
      { source: '${ctx.d}/résumé 📄.txt', destination: dst },
      { d: dir },
    );
    expect(out).toEqual({ copy_file_source: src, copy_file_destination: dst, copy_file_success: true });
    expect(await readFile(dst, 'utf8')).toBe('contents ✓');
    expect(await readFile(src, 'utf8')).toBe('contents ✓');
  });

  test('copying a file onto itself keeps it intact', async () => {
    const f = join(dir, 'same.txt');
    await writeFile(f, 'keep me');
    await runNode('copy_file', { source: f, destination: f });
    expect(await readFile(f, 'utf8')).toBe('keep me');
  });

  test('errors name the parameter and the path', async () => {
    expect(checkNode('copy_file', {})).toEqual([
      "copy_file requires 'source'",
      "copy_file requires 'destination'",
    ]);
    const src = join(dir, 'a.txt');
    const missing = join(dir, 'missing.txt');
    let e = await failure(runNode('copy_file', { source: missing, destination: src }));
    expect(e.message).toBe(`copy_file: source '${missing}' not found`);
    e = await failure(runNode('copy_file', { source: dir, destination: join(dir, 'b') }));
    expect(e.message).toBe(`copy_file: source '${dir}' is a directory, not a file`);
    await writeFile(src, 'x');
    const sub = join(dir, 'sub');
    await mkdir(sub);
    e = await failure(runNode('copy_file', { source: src, destination: sub }));
    expect(e.message).toBe(`copy_file: destination '${sub}' is a directory, not a file`);
    const deep = join(dir, 'no', 'such', 'b.txt');
    e = await failure(runNode('copy_file', { source: src, destination: deep }));
    expect(e.message).toBe(
      `copy_file: parent directory '${join(dir, 'no', 'such')}' of destination '${deep}' not found (parent directories are not created)`,
    );
  });
});

describe('move_file', () => {
  test('renames a file; fixed output keys; unicode names', async () => {
    const src = join(dir, 'données.csv');
    const dst = join(dir, '日本語.csv');
    await writeFile(src, 'a,b\n');
    const out = await runNode('move_file', { source: src, destination: '${ctx.d}/日本語.csv' }, { d: dir });
    expect(out).toEqual({ move_file_source: src, move_file_destination: dst, move_file_success: true });
    expect(await readFile(dst, 'utf8')).toBe('a,b\n');
    await expect(stat(src)).rejects.toThrow();
  });

  test('replaces an existing destination file', async () => {
    await writeFile(join(dir, 'a'), 'new');
    await writeFile(join(dir, 'b'), 'old');
    await runNode('move_file', { source: join(dir, 'a'), destination: join(dir, 'b') });
    expect(await readdir(dir)).toEqual(['b']);
    expect(await readFile(join(dir, 'b'), 'utf8')).toBe('new');
  });

  test('errors name the parameter and the path', async () => {
    expect(checkNode('move_file', { source: 'x' })).toEqual(["move_file requires 'destination'"]);
    const missing = join(dir, 'missing');
    let e = await failure(runNode('move_file', { source: missing, destination: join(dir, 'x') }));
    expect(e.message).toBe(`move_file: source '${missing}' not found`);
    const src = join(dir, 'a.txt');
    await writeFile(src, 'x');
    const deep = join(dir, 'no', 'b.txt');
    e = await failure(runNode('move_file', { source: src, destination: deep }));
    expect(e.message).toBe(
      `move_file: parent directory '${join(dir, 'no')}' of destination '${deep}' not found (parent directories are not created)`,
    );
    const sub = join(dir, 'sub');
    await mkdir(sub);
    await writeFile(join(sub, 'inside'), '');
    e = await failure(runNode('move_file', { source: src, destination: sub }));
    expect(e.message).toMatch(/^move_file: destination '.*sub' is a directory/);
    expect(await readFile(src, 'utf8')).toBe('x');
  });
});

describe('delete_file', () => {
  test('deletes a file; fixed output keys', async () => {
    const f = join(dir, 'ünï.txt');
    await writeFile(f, 'x');
    const out = await runNode('delete_file', { path: '${ctx.f}' }, { f });
    expect(out).toEqual({ delete_file_path: f, delete_file_success: true });
    await expect(stat(f)).rejects.toThrow();
  });

  test('a symlink is removed, not its target', async () => {
    await writeFile(join(dir, 'target'), 't');
    await symlink(join(dir, 'target'), join(dir, 'link'));
    await runNode('delete_file', { path: join(dir, 'link') });
    expect(await readdir(dir)).toEqual(['target']);
  });

  test('a missing file or a directory fails', async () => {
    expect(checkNode('delete_file', {})).toEqual(["delete_file requires 'path'"]);
    const missing = join(dir, 'gone');
    let e = await failure(runNode('delete_file', { path: missing }));
    expect(e.message).toBe(`delete_file: path '${missing}' not found`);
    e = await failure(runNode('delete_file', { path: dir }));
    expect(e.message).toBe(`delete_file: path '${dir}' is a directory, not a file`);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });
});

describe('list_directory', () => {
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

  async function tree(): Promise<void> {
    await writeFile(join(dir, 'a.txt'), 'a');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'b 📄.txt'), 'b');
    await mkdir(join(dir, 'sub', 'deep'));
    await writeFile(join(dir, 'sub', 'deep', 'c.txt'), 'c');
    await mkdir(join(dir, 'linked'));
    await writeFile(join(dir, 'linked', 'hidden.txt'), '');
    await symlink(join(dir, 'a.txt'), join(dir, 'file-link'));
    await symlink(join(dir, 'linked'), join(dir, 'dir-link'));
  }

  test('non-recursive: entry shape; symlinks count as directories', async () => {
    await tree();
    const out = await runNode('list_directory', { path: '${ctx.d}' }, { d: dir });
    expect(Object.keys(out)).toEqual(['files']);
    expect((out.files as Array<{ path: string }>).sort(byPath)).toEqual([
      { name: 'a.txt', type: 'file', path: join(dir, 'a.txt') },
      { name: 'dir-link', type: 'directory', path: join(dir, 'dir-link') },
      { name: 'file-link', type: 'directory', path: join(dir, 'file-link') },
      { name: 'linked', type: 'directory', path: join(dir, 'linked') },
      { name: 'sub', type: 'directory', path: join(dir, 'sub') },
    ]);
  });

  test('recursive: depth-first, subdirectory entries right after it, symlinks not followed', async () => {
    await tree();
    const out = await runNode('list_directory', { path: dir, recursive: true, output_key: 'listing' });
    const list = out.listing as Array<{ name: string; type: string; path: string }>;
    expect([...list].sort(byPath)).toEqual([
      { name: 'a.txt', type: 'file', path: join(dir, 'a.txt') },
      { name: 'dir-link', type: 'directory', path: join(dir, 'dir-link') },
      { name: 'file-link', type: 'directory', path: join(dir, 'file-link') },
      { name: 'linked', type: 'directory', path: join(dir, 'linked') },
      { name: 'hidden.txt', type: 'file', path: join(dir, 'linked', 'hidden.txt') },
      { name: 'sub', type: 'directory', path: join(dir, 'sub') },
      { name: 'b 📄.txt', type: 'file', path: join(dir, 'sub', 'b 📄.txt') },
      { name: 'deep', type: 'directory', path: join(dir, 'sub', 'deep') },
      { name: 'c.txt', type: 'file', path: join(dir, 'sub', 'deep', 'c.txt') },
    ]);
    // Each directory's contents follow it directly (depth-first).
    const at = (p: string) => list.findIndex((e) => e.path === p);
    const sub = at(join(dir, 'sub'));
    const subEntries = list.filter((e) => e.path.startsWith(join(dir, 'sub') + '/'));
    expect(subEntries.map((e) => at(e.path)).sort((a, b) => a - b)).toEqual([sub + 1, sub + 2, sub + 3]);
    expect(at(join(dir, 'sub', 'deep', 'c.txt'))).toBe(at(join(dir, 'sub', 'deep')) + 1);
  });

  test('relative paths stay relative; a trailing slash is not doubled', async () => {
    await writeFile(join(dir, 'x.txt'), '');
    const rel = relative(process.cwd(), dir);
    const out = await runNode('list_directory', { path: rel });
    expect(out.files).toEqual([{ name: 'x.txt', type: 'file', path: `${rel}/x.txt` }]);
    const slash = await runNode('list_directory', { path: `${dir}/` });
    expect(slash.files).toEqual([{ name: 'x.txt', type: 'file', path: `${dir}/x.txt` }]);
  });

  test('an empty directory gives an empty array', async () => {
    const out = await runNode('list_directory', { path: dir, recursive: true });
    expect(out).toEqual({ files: [] });
  });

  test('a missing directory, a file, a missing path parameter', async () => {
    expect(checkNode('list_directory', {})).toEqual(["list_directory requires 'path'"]);
    expect(checkNode('list_directory', { path: 'x', recursive: 1 })[0]).toMatch(/must be a boolean/);
    const missing = join(dir, 'nope');
    let e = await failure(runNode('list_directory', { path: missing }));
    expect(e.message).toBe(`list_directory: path '${missing}' not found`);
    await writeFile(join(dir, 'f.txt'), '');
    e = await failure(runNode('list_directory', { path: join(dir, 'f.txt') }));
    expect(e.message).toBe(`list_directory: path '${join(dir, 'f.txt')}' is not a directory`);
  });

  test('an aborted signal stops the walk', async () => {
    const ac = new AbortController();
    ac.abort(new Error('run cancelled'));
    await expect(runNode('list_directory', { path: dir }, {}, { signal: ac.signal })).rejects.toThrow(
      'run cancelled',
    );
  });
});
