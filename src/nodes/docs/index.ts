// Node family 'docs': document extraction (DOCX, PDF, HTML, WebVTT, SRT) and PDF metadata and rendering
// (NODES 14, 15.1-15.3). Heavy libraries (mupdf, turndown, sanitize-html, fflate) load inside run().
import type { NodeDefinition } from '../types.js';
import { extractHtml } from './extract-html.js';
import { extractPdf, pdfMetadata } from './extract-pdf.js';
import { extractWord } from './extract-word.js';
import { pdfThumbnail, pdfToImage } from './pdf-render.js';
import { extractSrt, extractVtt } from './subtitles.js';

export const nodes: NodeDefinition[] = [
  extractWord,
  extractPdf,
  extractHtml,
  extractVtt,
  extractSrt,
  pdfMetadata,
  pdfToImage,
  pdfThumbnail,
] as NodeDefinition[];
