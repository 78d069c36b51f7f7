// read_file (NODES 5.1): a whole file as UTF-8 text (must be valid) or as padded standard base64.
import { readFile } from 'node:fs/promises';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { abortOr, checkEncoding, encodingMessage, fsError, requirePath } from './fsutil.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const readFileNode = defineNode({
  name: 'read_file',
  category: 'File',
  description: 'Read a file as UTF-8 text or base64',
  params: {
    path: p.string({
      description: 'File to read (relative paths are relative to the engine working directory)',
      required: true,
      interpolate: 'string',
    }),
    encoding: p.string({
      description: "'text' (the file must be valid UTF-8) or 'base64' (any bytes; standard alphabet, padded)",
      default: 'text',
    }),
    output_key: p.string({ description: 'Prefix of the output keys', default: 'file' }),
  },
  outputs: {
    '{output_key}_content': 'the text, or the base64 of the bytes',
    '{output_key}_path': 'the path as given (after interpolation)',
    '{output_key}_success': 'true',
  },
  check: (cfg) => checkEncoding('read_file', cfg),
  async run(cfg, nc) {
    const path = requirePath('read_file', 'path', cfg.path);
    const encoding = cfg.encoding;
    if (encoding !== 'text' && encoding !== 'base64')
      throw new NodeError(encodingMessage('read_file', encoding));
    let bytes: Buffer;
    try {
      bytes = await readFile(path, { signal: nc.signal });
    } catch (e) {
      throw abortOr(nc.signal, fsError('read_file', 'path', path, e, 'read'));
    }
    let content: string;
    if (encoding === 'base64') content = bytes.toString('base64');
    else {
      try {
        content = utf8.decode(bytes);
      } catch {
        throw new NodeError(
          `read_file: path '${path}' is not valid UTF-8 text; use encoding = 'base64' for binary files`,
        );
      }
    }
    const ok = cfg.output_key;
    return { [`${ok}_content`]: content, [`${ok}_path`]: path, [`${ok}_success`]: true };
  },
});
