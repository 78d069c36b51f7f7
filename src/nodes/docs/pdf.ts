// PDF access for the document nodes, through mupdf (WASM, no system library): loading the module on first
// use, opening a document with the page limit checked before any page is read, the Info dictionary, page
// selections (`1-3,7`) and render sizes.
import type * as Mupdf from 'mupdf';
import type { SharpConstructor } from 'sharp';
import { NodeError } from '../../util/errors.js';
import { DOC_LIMITS } from './limits.js';
import { decodePdfString } from './pdf-strings.js';

export type MupdfModule = typeof Mupdf;

let mupdfModule: Promise<MupdfModule> | undefined;

/** The mupdf module, imported once (its WASM start-up costs ~100 ms) with its console warnings muted. */
export function loadMupdf(): Promise<MupdfModule> {
  mupdfModule ??= import('mupdf').then((m) => {
    m.setLog({ warning() {}, error() {} });
    return m;
  });
  return mupdfModule;
}

/** Open a PDF from bytes; `fail` turns a parse problem into the node's own error text. */
export function openPdf(m: MupdfModule, bytes: Uint8Array, fail: (detail: string) => Error): Mupdf.Document {
  let doc: Mupdf.Document;
  try {
    doc = m.Document.openDocument(bytes, 'application/pdf');
  } catch (e) {
    throw fail((e as Error).message);
  }
  if (doc.needsPassword()) {
    doc.destroy();
    throw fail('the document is encrypted and needs a password');
  }
  return doc;
}

/** Page count, refused past IRONFLOW_MAX_PDF_PAGES before any page is loaded. */
export function countPagesChecked(node: string, doc: Mupdf.Document, path: string): number {
  const pages = doc.countPages();
  const max = DOC_LIMITS.maxPdfPages.get();
  if (pages > max) {
    throw new NodeError(
      `${node}: '${path}' has ${pages} pages, more than IRONFLOW_MAX_PDF_PAGES allows (${max})`,
      { retryable: false },
    );
  }
  return pages;
}

const INFO_FIELDS: ReadonlyArray<[string, string]> = [
  ['Title', 'title'],
  ['Author', 'author'],
  ['Subject', 'subject'],
  ['Keywords', 'keywords'],
  ['Creator', 'creator'],
  ['Producer', 'producer'],
  ['CreationDate', 'created'],
  ['ModDate', 'modified'],
];

/**
 * `{pages, title?, author?, …}` from the trailer's Info dictionary. Strings are decoded (UTF-16/UTF-8 BOM,
 * PDFDocEncoding), trimmed, and left out when empty; dates stay in their raw `D:…` form.
 */
export function pdfInfo(doc: Mupdf.Document, pages: number): Record<string, unknown> {
  const out: Record<string, unknown> = { pages };
  const pdf = doc.asPDF();
  if (!pdf) return out;
  const info = pdf.getTrailer().get('Info');
  if (!info.isDictionary()) return out;
  for (const [key, name] of INFO_FIELDS) {
    const v = info.get(key); // indirect values are followed by mupdf
    if (v.isNull() || !v.isString()) continue;
    const text = decodePdfString(v.asByteString()).trim();
    if (text) out[name] = text;
  }
  return out;
}

/**
 * Parse a page selection: `all`, `3`, `1-5`, `1-3,7,9-11` (1-based, spaces allowed, duplicates kept).
 * Errors use NODES 15.2's texts.
 */
export function parsePageSpec(spec: string, count: number): number[] {
  const s = spec.trim();
  if (s.toLowerCase() === 'all') {
    if (count === 0) throw new NodeError('No pages specified');
    return Array.from({ length: count }, (_, i) => i + 1);
  }
  const num = (t: string): number => {
    const x = t.trim();
    if (!/^\d+$/.test(x)) throw new NodeError(`Invalid page number: '${x}'`);
    const n = Number(x);
    if (n === 0) throw new NodeError('Page numbers are 1-based, got 0');
    if (n > count) throw new NodeError(`Page ${n} exceeds document page count (${count})`);
    return n;
  };
  const pages: number[] = [];
  for (const part of s.split(',')) {
    if (part.trim() === '') continue;
    const dash = part.indexOf('-');
    if (dash === -1) {
      pages.push(num(part));
      continue;
    }
    const aText = part.slice(0, dash).trim();
    const bText = part.slice(dash + 1).trim();
    if (/^\d+$/.test(aText) && /^\d+$/.test(bText) && Number(aText) > Number(bText)) {
      throw new NodeError(`Invalid page range: ${aText}-${bText}`);
    }
    const a = num(aText);
    const b = num(bText);
    for (let i = a; i <= b; i++) pages.push(i);
  }
  if (pages.length === 0) throw new NodeError('No pages specified');
  return pages;
}

/** Page size in points (after /Rotate), from its bounds. */
export function pageBox(page: Mupdf.Page): { x: number; y: number; w: number; h: number } {
  const [x0, y0, x1, y1] = page.getBounds();
  return { x: x0, y: y0, w: Math.max(x1 - x0, 1e-3), h: Math.max(y1 - y0, 1e-3) };
}

/** Pixel size of a page rendered at `dpi`: inches × dpi, truncated, at least 1. */
export function sizeAtDpi(box: { w: number; h: number }, dpi: number): { width: number; height: number } {
  return {
    width: Math.max(1, Math.trunc((box.w / 72) * dpi)),
    height: Math.max(1, Math.trunc((box.h / 72) * dpi)),
  };
}

/**
 * Render a page to exactly width × height pixels (RGB on white) and encode it. mupdf rasterises; sharp
 * (native libvips) encodes, which is several times faster than mupdf's own PNG writer in WASM.
 */
export async function renderPage(
  m: MupdfModule,
  sharp: SharpConstructor,
  page: Mupdf.Page,
  width: number,
  height: number,
  format: 'png' | 'jpeg',
): Promise<Buffer> {
  const box = pageBox(page);
  const matrix = m.Matrix.concat(
    m.Matrix.translate(-box.x, -box.y),
    m.Matrix.scale(width / box.w, height / box.h),
  );
  const pix = page.toPixmap(matrix, m.ColorSpace.DeviceRGB, false, true);
  let raw: Buffer;
  let w: number;
  let h: number;
  let channels: number;
  try {
    w = pix.getWidth();
    h = pix.getHeight();
    channels = pix.getNumberOfComponents() + (pix.getAlpha() ? 1 : 0);
    const stride = pix.getStride();
    const px = pix.getPixels();
    // Copy out of WASM memory (the view dies with the pixmap), dropping any row padding.
    if (stride === w * channels) raw = Buffer.from(px);
    else {
      raw = Buffer.allocUnsafe(w * h * channels);
      for (let y = 0; y < h; y++)
        raw.set(px.subarray(y * stride, y * stride + w * channels), y * w * channels);
    }
  } finally {
    pix.destroy();
  }
  const img = sharp(raw, { raw: { width: w, height: h, channels: channels as 1 | 2 | 3 | 4 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 85 }).toBuffer();
}
