// pdf_to_image (NODES 15.2) and pdf_thumbnail (15.3): PDF pages rendered to PNG/JPEG with mupdf (WASM).
// Every size is checked against IRONFLOW_MAX_IMAGE_PIXELS before anything is rendered.
import type * as Mupdf from 'mupdf';
import { NodeError } from '../../util/errors.js';
import {
  assertDimensions,
  checkDimensions,
  checkImageFormat,
  type ImageFormat,
  parseImageFormat,
} from '../images/format.js';
import { loadSharp } from '../images/io.js';
import { IMAGE_LIMITS } from '../images/limits.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { DOC_LIMITS } from './limits.js';
import {
  countPagesChecked,
  loadMupdf,
  openPdf,
  pageBox,
  parsePageSpec,
  renderPage,
  sizeAtDpi,
} from './pdf.js';
import { checkFileSource, checkpoint, fileSourceParams, readDocument, resolveFilePath } from './source.js';

const dpiParam = p.number({ description: 'Dots per inch', default: 150, exclusiveMinimum: 0 });
const renderFormatParam = p.string({ description: '`png`, `jpeg` or `jpg`', default: 'png' });

function checkPixels(node: string, page: number, width: number, height: number): void {
  const max = IMAGE_LIMITS.maxImagePixels.get();
  if (width * height > max) {
    throw new NodeError(
      `${node}: page ${page} would render to ${width}x${height} pixels, more than IRONFLOW_MAX_IMAGE_PIXELS allows (${max})`,
      { retryable: false },
    );
  }
}

function assertDpi(dpi: number): void {
  if (!Number.isFinite(dpi) || dpi <= 0) throw new NodeError(`dpi: must be a positive number (got ${dpi})`);
}

/** Open the PDF of a render node: read with limits, parse (`Failed to open PDF`), count pages. */
async function openForRender(
  node: string,
  cfg: { path?: string; source_key?: string },
  nc: { ctx: Readonly<Record<string, unknown>>; signal: AbortSignal },
) {
  const path = resolveFilePath(node, cfg, nc.ctx);
  const bytes = await readDocument(node, path, nc.signal);
  const [m, sharp] = await Promise.all([loadMupdf(), loadSharp()]);
  const doc = openPdf(m, bytes, (detail) => new NodeError(`Failed to open PDF '${path}': ${detail}`));
  try {
    return { m, sharp, doc, path, count: countPagesChecked(node, doc, path) };
  } catch (e) {
    doc.destroy();
    throw e;
  }
}

function loadPage(doc: Mupdf.Document, path: string, n: number): Mupdf.Page {
  try {
    return doc.loadPage(n - 1);
  } catch (e) {
    throw new NodeError(`Failed to open PDF '${path}': page ${n}: ${(e as Error).message}`);
  }
}

export const pdfToImage = defineNode({
  name: 'pdf_to_image',
  category: 'Extraction',
  description: 'Render PDF pages to PNG or JPEG images (base64)',
  params: {
    ...fileSourceParams('PDF file'),
    pages: p.oneOf<string | number>(['string', 'integer'], {
      description: '`all`, `3`, `1-5` or `1-3,7,9-11` (1-based); a number is one page',
      default: 'all',
    }),
    format: renderFormatParam,
    dpi: dpiParam,
    output_key: p.string({ description: 'Context key of the image list', default: 'images' }),
  },
  outputs: {
    '{output_key}': 'array of {page, width, height, format, image_base64}',
    page_count: 'pages in the document (un-prefixed key)',
  },
  check: (cfg) => [...checkFileSource('pdf_to_image', cfg), ...checkImageFormat('pdf_to_image', cfg)],
  async run(cfg, nc) {
    const format: ImageFormat = parseImageFormat('pdf_to_image', cfg.format);
    assertDpi(cfg.dpi);
    const { m, sharp, doc, path, count } = await openForRender('pdf_to_image', cfg, nc);
    try {
      const selected = parsePageSpec(String(cfg.pages), count);
      const maxRender = DOC_LIMITS.maxRenderPages.get();
      if (selected.length > maxRender) {
        throw new NodeError(
          `pdf_to_image: ${selected.length} pages selected, more than IRONFLOW_MAX_PDF_RENDER_PAGES allows (${maxRender})`,
          { retryable: false },
        );
      }
      // Sizes of every selected page first, so an oversized page fails before any rendering.
      const sizes = new Map<number, { width: number; height: number }>();
      for (const n of new Set(selected)) {
        const page = loadPage(doc, path, n);
        try {
          const size = sizeAtDpi(pageBox(page), cfg.dpi);
          checkPixels('pdf_to_image', n, size.width, size.height);
          sizes.set(n, size);
        } finally {
          page.destroy();
        }
      }
      const images: Array<Record<string, unknown>> = [];
      for (const n of selected) {
        await checkpoint(nc.signal);
        const { width, height } = sizes.get(n)!;
        const page = loadPage(doc, path, n);
        let data: Uint8Array;
        try {
          data = await renderPage(m, sharp, page, width, height, format);
        } catch (e) {
          throw new NodeError(
            `pdf_to_image: failed to render page ${n} of '${path}': ${(e as Error).message}`,
          );
        } finally {
          page.destroy();
        }
        images.push({ page: n, width, height, format, image_base64: Buffer.from(data).toString('base64') });
      }
      return { [cfg.output_key]: images, page_count: count };
    } finally {
      doc.destroy();
    }
  },
});

const THUMB_DIMENSIONS = ['width', 'height', 'size'] as const;

export const pdfThumbnail = defineNode({
  name: 'pdf_thumbnail',
  category: 'Extraction',
  description: 'Render one PDF page as a small PNG or JPEG image (base64)',
  params: {
    ...fileSourceParams('PDF file'),
    page: p.integer({ description: 'Page to render (1-based)', default: 1 }),
    format: renderFormatParam,
    width: p.integer({
      description: 'Width in pixels (with height: exact size; alone: height follows the page)',
    }),
    height: p.integer({ description: 'Height in pixels (alone: width follows the page)' }),
    size: p.integer({
      description: 'Longer side in pixels, used only when neither width nor height is given',
      default: 256,
    }),
    dpi: p.number({
      description: 'Only affects the page size used for the aspect ratio',
      default: 150,
      exclusiveMinimum: 0,
    }),
    output_key: p.string({ description: 'Context key of the thumbnail', default: 'thumbnail' }),
  },
  outputs: {
    '{output_key}': '{page, width, height, format, image_base64}',
    '{output_key}_count': '1',
  },
  check(cfg) {
    const out = [...checkFileSource('pdf_thumbnail', cfg), ...checkImageFormat('pdf_thumbnail', cfg)];
    if (typeof cfg.page === 'number' && cfg.page < 1) {
      out.push({ path: '$.page', message: "pdf_thumbnail: 'page' must be 1-based and >= 1" });
    }
    return [...out, ...checkDimensions(cfg, THUMB_DIMENSIONS)];
  },
  async run(cfg, nc) {
    const format = parseImageFormat('pdf_thumbnail', cfg.format);
    if (cfg.page < 1) throw new NodeError("pdf_thumbnail: 'page' must be 1-based and >= 1");
    assertDimensions(cfg, THUMB_DIMENSIONS);
    assertDpi(cfg.dpi);
    const { m, sharp, doc, path, count } = await openForRender('pdf_thumbnail', cfg, nc);
    try {
      if (cfg.page > count) throw new NodeError(`page ${cfg.page} exceeds document page count (${count})`);
      const page = loadPage(doc, path, cfg.page);
      try {
        const full = sizeAtDpi(pageBox(page), cfg.dpi);
        const ratio = (a: number, num: number, den: number) => Math.max(1, Math.round((a * num) / den));
        let width: number;
        let height: number;
        if (cfg.width !== undefined && cfg.height !== undefined) {
          width = cfg.width;
          height = cfg.height;
        } else if (cfg.width !== undefined) {
          width = cfg.width;
          height = ratio(width, full.height, full.width);
        } else if (cfg.height !== undefined) {
          height = cfg.height;
          width = ratio(height, full.width, full.height);
        } else if (full.width >= full.height) {
          width = cfg.size;
          height = ratio(width, full.height, full.width);
        } else {
          height = cfg.size;
          width = ratio(height, full.width, full.height);
        }
        checkPixels('pdf_thumbnail', cfg.page, width, height);
        await checkpoint(nc.signal);
        let data: Uint8Array;
        try {
          data = await renderPage(m, sharp, page, width, height, format);
        } catch (e) {
          throw new NodeError(
            `pdf_thumbnail: failed to render page ${cfg.page} of '${path}': ${(e as Error).message}`,
          );
        }
        const thumb = {
          page: cfg.page,
          width,
          height,
          format,
          image_base64: Buffer.from(data).toString('base64'),
        };
        return { [cfg.output_key]: thumb, [`${cfg.output_key}_count`]: 1 };
      } finally {
        page.destroy();
      }
    } finally {
      doc.destroy();
    }
  },
});
