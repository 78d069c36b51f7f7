// copy_file, move_file, delete_file (NODES 5.3-5.5). Paths are used as given (relative to the engine
// working directory); no parent directory is created.
import { copyFile, lstat, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { errno, fsError, requirePath } from './fsutil.js';

const pathParam = (what: string) =>
  p.string({
    description: `${what} (relative paths are relative to the engine working directory)`,
    required: true,
    interpolate: 'string',
  });

function parentMissing(node: string, param: string, path: string, e: unknown): NodeError {
  return new NodeError(
    `${node}: parent directory '${dirname(path)}' of ${param} '${path}' not found (parent directories are not created)`,
    { cause: e },
  );
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new NodeError('aborted');
}

export const copyFileNode = defineNode({
  name: 'copy_file',
  category: 'File',
  description: 'Copy one file (an existing destination file is overwritten)',
  params: {
    source: pathParam('File to copy'),
    destination: pathParam('Destination file path (not a directory)'),
  },
  outputs: {
    copy_file_source: 'the source path as given',
    copy_file_destination: 'the destination path as given',
    copy_file_success: 'true',
  },
  async run(cfg, nc) {
    const source = requirePath('copy_file', 'source', cfg.source);
    const destination = requirePath('copy_file', 'destination', cfg.destination);
    checkAborted(nc.signal);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(source);
    } catch (e) {
      throw fsError('copy_file', 'source', source, e, 'read');
    }
    if (st.isDirectory()) throw new NodeError(`copy_file: source '${source}' is a directory, not a file`);
    if (!st.isFile()) throw new NodeError(`copy_file: source '${source}' is not a regular file`);
    try {
      await copyFile(source, destination);
    } catch (e) {
      if (errno(e) === 'ENOENT') {
        // The source was there a moment ago, so it is the destination's directory that is missing.
        throw parentMissing('copy_file', 'destination', destination, e);
      }
      throw fsError('copy_file', 'destination', destination, e, 'write');
    }
    return { copy_file_source: source, copy_file_destination: destination, copy_file_success: true };
  },
});

export const moveFileNode = defineNode({
  name: 'move_file',
  category: 'File',
  description: 'Move or rename one file (a rename: both paths must be on the same filesystem)',
  params: {
    source: pathParam('File to move'),
    destination: pathParam('New path of the file (an existing file there is replaced)'),
  },
  outputs: {
    move_file_source: 'the source path as given',
    move_file_destination: 'the destination path as given',
    move_file_success: 'true',
  },
  async run(cfg, nc) {
    const source = requirePath('move_file', 'source', cfg.source);
    const destination = requirePath('move_file', 'destination', cfg.destination);
    checkAborted(nc.signal);
    try {
      await lstat(source);
    } catch (e) {
      throw fsError('move_file', 'source', source, e, 'read');
    }
    try {
      await rename(source, destination);
    } catch (e) {
      switch (errno(e)) {
        case 'ENOENT':
          throw parentMissing('move_file', 'destination', destination, e);
        case 'EXDEV':
          throw new NodeError(
            `move_file: cannot move source '${source}' to destination '${destination}': they are on different filesystems (copy_file then delete_file instead)`,
            { cause: e },
          );
        case 'ENOTDIR':
          throw new NodeError(
            `move_file: source '${source}' is a directory but destination '${destination}' is not`,
            { cause: e },
          );
        case 'ENOTEMPTY':
        case 'EEXIST':
          throw new NodeError(`move_file: destination '${destination}' is a directory that is not empty`, {
            cause: e,
          });
        case 'EINVAL':
          throw new NodeError(`move_file: cannot move source '${source}' into itself ('${destination}')`, {
            cause: e,
          });
        default:
          throw fsError('move_file', 'destination', destination, e, 'move to');
      }
    }
    return { move_file_source: source, move_file_destination: destination, move_file_success: true };
  },
});

export const deleteFileNode = defineNode({
  name: 'delete_file',
  category: 'File',
  description: 'Delete one file (not a directory)',
  params: { path: pathParam('File to delete') },
  outputs: { delete_file_path: 'the path as given', delete_file_success: 'true' },
  async run(cfg, nc) {
    const path = requirePath('delete_file', 'path', cfg.path);
    checkAborted(nc.signal);
    let isDir: boolean;
    try {
      isDir = (await lstat(path)).isDirectory();
    } catch (e) {
      throw fsError('delete_file', 'path', path, e, 'delete');
    }
    if (isDir) throw new NodeError(`delete_file: path '${path}' is a directory, not a file`);
    try {
      await unlink(path);
    } catch (e) {
      throw fsError('delete_file', 'path', path, e, 'delete');
    }
    return { delete_file_path: path, delete_file_success: true };
  },
});
