// list_directory (NODES 5.6): entries as {name, type, path}, in directory read order; recursive mode
// puts each subdirectory's entries right after it (depth-first). As in the original, anything that is not
// a regular file (a symlink too, even to a file) is reported as "directory", and symlinks are not
// followed. `path` of an entry is the given path joined with the name (relative if the input was).
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { errno, fsError, joinEntry, requirePath } from './fsutil.js';

interface Entry {
  name: string;
  type: 'file' | 'directory';
  path: string;
}

async function walk(dir: string, recursive: boolean, out: Entry[], signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new NodeError('aborted');
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (errno(e) === 'ENOTDIR')
      throw new NodeError(`list_directory: path '${dir}' is not a directory`, { cause: e });
    throw fsError('list_directory', 'path', dir, e, 'list');
  }
  for (const d of entries) {
    const path = joinEntry(dir, d.name);
    out.push({ name: d.name, type: d.isFile() ? 'file' : 'directory', path });
    if (recursive && d.isDirectory()) await walk(path, true, out, signal);
  }
}

export const listDirectoryNode = defineNode({
  name: 'list_directory',
  category: 'File',
  description: 'List the entries of a directory, optionally recursively',
  params: {
    path: p.string({
      description: 'Directory to list (relative paths are relative to the engine working directory)',
      required: true,
      interpolate: 'string',
    }),
    recursive: p.boolean({
      description: 'Also list subdirectories, depth-first (symlinks are not followed)',
      default: false,
    }),
    output_key: p.string({ description: 'Context key of the entry array', default: 'files' }),
  },
  outputs: {
    '{output_key}':
      'array of {name, type: "file"|"directory" (anything not a regular file counts as directory), path}',
  },
  async run(cfg, nc) {
    const path = requirePath('list_directory', 'path', cfg.path);
    const out: Entry[] = [];
    await walk(path, cfg.recursive, out, nc.signal);
    return { [cfg.output_key]: out };
  },
});
