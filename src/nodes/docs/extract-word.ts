// extract_word (NODES 14.1): .docx → text or Markdown, plus core properties.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { docxMarkdown, docxText, parseCoreProperties, parseDocument, parseNumbering } from './docx.js';
import { DOC_LIMITS } from './limits.js';
import {
  checkFileSource,
  checkTextFormat,
  decodeText,
  fileSourceParams,
  parseTextFormat,
  readDocument,
  resolveFilePath,
  textFormatParam,
} from './source.js';
import { XmlError } from './xml.js';
import { findEntries, readEntry, ZipFormatError, ZipLimitError } from './zip.js';

const NODE = 'extract_word';
const DOCUMENT = 'word/document.xml';
const NUMBERING = 'word/numbering.xml';
const CORE = 'docProps/core.xml';

let fflateModule: Promise<typeof import('fflate')> | undefined;

function loadFflate(): Promise<typeof import('fflate')> {
  fflateModule ??= import('fflate');
  return fflateModule;
}

export const extractWord = defineNode({
  name: NODE,
  category: 'Extraction',
  description: 'Extract text or Markdown (and core properties) from a Word .docx file',
  params: {
    ...fileSourceParams('.docx file'),
    format: textFormatParam,
    output_key: p.string({ description: 'Context key of the extracted text', default: 'content' }),
    metadata_key: p.string({ description: 'When set, context key of the core properties object' }),
  },
  outputs: {
    '{output_key}': 'the text (paragraphs joined with newlines) or Markdown',
    '{metadata_key}':
      'title, author, subject, description, keywords, last_modified_by, created, modified, revision, category',
  },
  check: (cfg) => [...checkFileSource(NODE, cfg), ...checkTextFormat(NODE, cfg)],
  async run(cfg, nc) {
    const format = parseTextFormat(NODE, cfg.format);
    const path = resolveFilePath(NODE, cfg, nc.ctx);
    const bytes = await readDocument(NODE, path, nc.signal, 'Failed to open');
    const { Inflate } = await loadFflate();
    nc.signal.throwIfAborted();

    const limit = DOC_LIMITS.maxDocxUncompressedBytes.get();
    const archiveError = (detail: string) =>
      new NodeError(`Failed to read DOCX archive '${path}': ${detail}`);
    let parts: { document: string; numbering?: string; core?: string };
    try {
      const entries = findEntries(bytes, [DOCUMENT, NUMBERING, CORE]);
      const doc = entries.get(DOCUMENT);
      if (!doc) throw new NodeError(`Missing ${DOCUMENT}: the archive '${path}' has no such entry`);
      const wanted = [doc, entries.get(NUMBERING), cfg.metadata_key ? entries.get(CORE) : undefined];
      // Declared sizes first: refuse before inflating anything.
      const limitName = `IRONFLOW_MAX_DOCX_UNCOMPRESSED_BYTES (${limit} bytes)`;
      let declared = 0;
      for (const e of wanted) {
        if (!e) continue;
        if (e.size > limit) {
          throw new ZipLimitError(
            `'${e.name}' declares ${e.size} bytes uncompressed, more than ${limitName}`,
          );
        }
        declared += e.size;
      }
      if (declared > limit) {
        throw new ZipLimitError(
          `the parts to read declare ${declared} bytes uncompressed, more than ${limitName}`,
        );
      }
      let budget = limit;
      const read = (e: (typeof wanted)[number]) => {
        if (!e) return undefined;
        const data = readEntry(bytes, e, budget, limitName, Inflate);
        budget -= data.length;
        return decodeText(data);
      };
      parts = { document: read(doc)!, numbering: read(wanted[1]), core: read(wanted[2]) };
    } catch (e) {
      if (e instanceof NodeError) throw e;
      if (e instanceof ZipLimitError) {
        throw new NodeError(`Failed to read DOCX archive '${path}': ${e.message}`, { retryable: false });
      }
      if (e instanceof ZipFormatError) throw archiveError(e.message);
      throw e;
    }
    nc.signal.throwIfAborted();

    try {
      const paras = parseDocument(parts.document);
      const text =
        format === 'markdown' ? docxMarkdown(paras, parseNumbering(parts.numbering)) : docxText(paras);
      const out: Record<string, unknown> = { [cfg.output_key]: text };
      if (cfg.metadata_key) out[cfg.metadata_key] = parseCoreProperties(parts.core);
      return out;
    } catch (e) {
      if (e instanceof XmlError) throw archiveError(`malformed XML: ${e.message}`);
      throw e;
    }
  },
});
