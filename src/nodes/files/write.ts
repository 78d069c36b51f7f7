// write_file (NODES 5.2): literal (interpolated) text from `content`, or a context string given by
// `source_key`, optionally base64-decoded; truncates or appends. No parent directory is created.
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';
import {
  abortOr,
  checkEncoding,
  decodeBase64Strict,
  encodingMessage,
  errno,
  fsError,
  requirePath,
} from './fsutil.js';

export const writeFileNode = defineNode({
  name: 'write_file',
  category: 'File',
  description: 'Write or append text, or base64-decoded bytes from the context, to a file',
  params: {
    path: p.string({
      description:
        'File to write (relative paths are relative to the engine working directory; parent directories are not created)',
      required: true,
      interpolate: 'string',
    }),
    content: p.string({
      description: 'Text to write when source_key is absent; always written as UTF-8 (never base64-decoded)',
      default: '',
      interpolate: 'string',
    }),
    source_key: p.string({ description: 'Context key whose string value is written (wins over content)' }),
    encoding: p.string({
      description: "Applies to source_key only: 'text' (UTF-8) or 'base64' (decoded to bytes before writing)",
      default: 'text',
    }),
    append: p.boolean({
      description: 'Append to the file (creating it if needed) instead of replacing it',
      default: false,
    }),
  },
  outputs: { write_file_path: 'the path as given (after interpolation)', write_file_success: 'true' },
  check: (cfg) => checkEncoding('write_file', cfg),
  async run(cfg, nc) {
    const path = requirePath('write_file', 'path', cfg.path);
    const encoding = cfg.encoding;
    if (encoding !== 'text' && encoding !== 'base64')
      throw new NodeError(encodingMessage('write_file', encoding));
    let data: Buffer;
    if (cfg.source_key !== undefined) {
      const key = cfg.source_key;
      const v = requireKey(nc.ctx, key);
      if (typeof v !== 'string') throw new NodeError(`Value at '${key}' must be a string`);
      if (encoding === 'base64') {
        try {
          data = decodeBase64Strict(v);
        } catch (e) {
          throw new NodeError(`Failed to decode base64 from '${key}': ${(e as Error).message}`);
        }
      } else data = Buffer.from(v, 'utf8');
    } else data = Buffer.from(cfg.content ?? '', 'utf8');

    try {
      await writeFile(path, data, { flag: cfg.append ? 'a' : 'w', signal: nc.signal });
    } catch (e) {
      if (errno(e) === 'ENOENT' && !nc.signal.aborted) {
        throw new NodeError(
          `write_file: parent directory '${dirname(path)}' of path '${path}' not found (parent directories are not created)`,
          { cause: e },
        );
      }
      throw abortOr(nc.signal, fsError('write_file', 'path', path, e, 'write'));
    }
    return { write_file_path: path, write_file_success: true };
  },
});
