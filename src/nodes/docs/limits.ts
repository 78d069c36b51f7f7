// Named limits of the document nodes (extract_*, pdf_*): each one is checked before the work grows, so a
// hostile file (a ZIP bomb, a PDF with 10,000 pages, /dev/zero) fails with its own error and bounded memory.
import { defineSetting } from '../../config/settings.js';

export const DOC_LIMITS = {
  maxDocumentBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_DOCUMENT_BYTES',
    kind: 'int',
    min: 1,
    default: 104_857_600,
    description:
      'Largest input file (DOCX, PDF, HTML, VTT, SRT) the extraction and PDF nodes read, in bytes (100 MiB); ' +
      'also caps the total image bytes image_to_pdf embeds in one PDF.',
  }),
  maxPdfPages: defineSetting<number>({
    env: 'IRONFLOW_MAX_PDF_PAGES',
    kind: 'int',
    min: 1,
    default: 2000,
    description:
      'Most pages a PDF may have for extract_pdf, pdf_metadata, pdf_to_image and pdf_thumbnail (checked ' +
      'before any page is read), and most images image_to_pdf puts in one PDF.',
  }),
  maxRenderPages: defineSetting<number>({
    env: 'IRONFLOW_MAX_PDF_RENDER_PAGES',
    kind: 'int',
    min: 1,
    default: 200,
    description: 'Most pages one pdf_to_image step renders (duplicates in `pages` count each time).',
  }),
  maxDocxUncompressedBytes: defineSetting<number>({
    env: 'IRONFLOW_MAX_DOCX_UNCOMPRESSED_BYTES',
    kind: 'int',
    min: 1,
    default: 104_857_600,
    description:
      'Most bytes extract_word inflates from one DOCX (document, numbering and core properties parts together, ' +
      '100 MiB): declared sizes are checked first, and inflating stops as soon as the real output passes it.',
  }),
};
