// extract_pdf (NODES 14.2) and pdf_metadata (15.1): text in reading order and the Info dictionary.
import type * as Mupdf from 'mupdf';
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { countPagesChecked, loadMupdf, openPdf, pdfInfo } from './pdf.js';
import {
  checkFileSource,
  checkpoint,
  checkTextFormat,
  fileSourceParams,
  parseTextFormat,
  readDocument,
  resolveFilePath,
  textFormatParam,
} from './source.js';

/** Plain text of one page: lines, with a blank line between text blocks (paragraphs). */
function pageText(page: Mupdf.Page): string {
  const st = page.toStructuredText('preserve-whitespace');
  try {
    return st.asText().replace(/\s+$/, '');
  } finally {
    st.destroy();
  }
}

/** NODES 14.2 markdown: trimmed lines, runs of non-empty lines joined by spaces, paragraphs by a blank line. */
export function pdfTextToMarkdown(text: string): string {
  const paras: string[] = [];
  let cur: string[] = [];
  for (const raw of text.split(/\r?\n|\f/)) {
    const line = raw.trim();
    if (line) cur.push(line);
    else if (cur.length) {
      paras.push(cur.join(' '));
      cur = [];
    }
  }
  if (cur.length) paras.push(cur.join(' '));
  return paras.join('\n\n').trim();
}

export const extractPdf = defineNode({
  name: 'extract_pdf',
  category: 'Extraction',
  description: 'Extract text or Markdown (and Info metadata) from a PDF file',
  params: {
    ...fileSourceParams('PDF file'),
    format: textFormatParam,
    output_key: p.string({ description: 'Context key of the extracted text', default: 'content' }),
    metadata_key: p.string({ description: 'When set, context key of the metadata object' }),
  },
  outputs: {
    '{output_key}': 'the text in reading order (pages separated by a blank line), or Markdown paragraphs',
    '{metadata_key}': 'pages, title, author, subject, keywords, creator, producer, created, modified',
  },
  check: (cfg) => [...checkFileSource('extract_pdf', cfg), ...checkTextFormat('extract_pdf', cfg)],
  async run(cfg, nc) {
    const format = parseTextFormat('extract_pdf', cfg.format);
    const path = resolveFilePath('extract_pdf', cfg, nc.ctx);
    const bytes = await readDocument('extract_pdf', path, nc.signal);
    const m = await loadMupdf();
    const fail = (detail: string) => new NodeError(`Failed to extract text from '${path}': ${detail}`);
    const doc = openPdf(m, bytes, fail);
    try {
      const count = countPagesChecked('extract_pdf', doc, path);
      const texts: string[] = [];
      for (let i = 0; i < count; i++) {
        await checkpoint(nc.signal);
        let page: Mupdf.Page;
        try {
          page = doc.loadPage(i);
        } catch (e) {
          throw fail(`page ${i + 1}: ${(e as Error).message}`);
        }
        try {
          texts.push(pageText(page));
        } catch (e) {
          throw fail(`page ${i + 1}: ${(e as Error).message}`);
        } finally {
          page.destroy();
        }
      }
      const text = texts.join('\n\n');
      const out: Record<string, unknown> = {
        [cfg.output_key]: format === 'markdown' ? pdfTextToMarkdown(text) : text,
      };
      if (cfg.metadata_key) {
        try {
          out[cfg.metadata_key] = pdfInfo(doc, count);
        } catch {
          out[cfg.metadata_key] = {};
        }
      }
      return out;
    } finally {
      doc.destroy();
    }
  },
});

export const pdfMetadata = defineNode({
  name: 'pdf_metadata',
  category: 'Extraction',
  description: 'Read the page count and Info dictionary of a PDF',
  params: {
    ...fileSourceParams('PDF file'),
    output_key: p.string({ description: 'Context key of the metadata object', default: 'metadata' }),
  },
  outputs: {
    '{output_key}': 'pages, title, author, subject, keywords, creator, producer, created, modified',
  },
  check: (cfg) => checkFileSource('pdf_metadata', cfg),
  async run(cfg, nc) {
    const path = resolveFilePath('pdf_metadata', cfg, nc.ctx);
    const bytes = await readDocument('pdf_metadata', path, nc.signal);
    const m = await loadMupdf();
    const fail = (detail: string) => new NodeError(`pdf_metadata: failed to parse PDF: ${detail}`);
    const doc = openPdf(m, bytes, fail);
    try {
      try {
        // No page is read, so a long document is cheap here: no IRONFLOW_MAX_PDF_PAGES check.
        return { [cfg.output_key]: pdfInfo(doc, doc.countPages()) };
      } catch (e) {
        throw fail((e as Error).message);
      }
    } finally {
      doc.destroy();
    }
  },
});
