// image_to_pdf (NODES 15.9): one page per image, page size = image size in pixels as points, written with
// pdf-lib as a PDF 1.5 file with compressed streams. JPEG is embedded as is; PNG is embedded by pdf-lib;
// any other format sharp reads (GIF, WebP, TIFF, …) is converted to PNG first.
import { writeFile } from 'node:fs/promises';
import type { PDFImage } from 'pdf-lib';
import { NodeError } from '../../util/errors.js';
import { DOC_LIMITS } from '../docs/limits.js';
import { checkpoint } from '../docs/source.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';
import { type ImageInput, loadImageItem, loadSharp, openImage, probeImage } from './io.js';

const NODE = 'image_to_pdf';

let pdfLibModule: Promise<typeof import('pdf-lib')> | undefined;

function loadPdfLib(): Promise<typeof import('pdf-lib')> {
  pdfLibModule ??= import('pdf-lib');
  return pdfLibModule;
}

function sourcesProblem(cfg: Record<string, unknown>): string | undefined {
  const hasSources = cfg.sources !== undefined && cfg.sources !== null;
  const hasKey = cfg.source_key !== undefined && cfg.source_key !== null;
  if (hasSources && hasKey) return "image_to_pdf accepts either 'sources' or 'source_key', not both";
  if (!hasSources && !hasKey) return "image_to_pdf requires either 'sources' or 'source_key'";
  if (hasSources && !Array.isArray(cfg.sources)) return "image_to_pdf: 'sources' must be an array";
  if (Array.isArray(cfg.sources) && cfg.sources.length === 0) {
    return "image_to_pdf requires at least one image in 'sources'";
  }
  return undefined;
}

export const imageToPdf = defineNode({
  name: NODE,
  category: 'Extraction',
  description: 'Combine images into a PDF, one page per image',
  params: {
    sources: p.any({
      description:
        'Array of image paths (interpolated) or objects {path} / {base64} / {data} (base64 of the image file)',
      interpolate: 'deep',
    }),
    source_key: p.string({ description: 'Context key of an array with the same item shapes' }),
    output_path: p.string({
      description: 'PDF file to write (overwritten)',
      required: true,
      interpolate: 'string',
    }),
    output_key: p.string({ description: 'Prefix of the output keys', default: 'pdf_path' }),
  },
  outputs: {
    '{output_key}': 'the output path',
    image_count: 'number of images (un-prefixed key)',
    '{output_key}_count': 'number of images',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const m = sourcesProblem(cfg);
    return m ? [{ path: '$.sources', message: m }] : [];
  },
  async run(cfg, nc) {
    const bad = sourcesProblem(cfg);
    if (bad) throw new NodeError(bad);
    let items: unknown[];
    const fromContext = cfg.sources === undefined || cfg.sources === null;
    if (fromContext) {
      const v = requireKey(nc.ctx, cfg.source_key!);
      if (!Array.isArray(v)) throw new NodeError(`Context key '${cfg.source_key}' must be an array`);
      items = v;
    } else items = cfg.sources as unknown[];
    if (items.length === 0) throw new NodeError("image_to_pdf requires at least one image in 'sources'");
    const maxPages = DOC_LIMITS.maxPdfPages.get();
    if (items.length > maxPages) {
      throw new NodeError(
        `image_to_pdf: ${items.length} images, more than IRONFLOW_MAX_PDF_PAGES allows (${maxPages})`,
        { retryable: false },
      );
    }

    const [lib, sharp] = await Promise.all([loadPdfLib(), loadSharp()]);
    const doc = await lib.PDFDocument.create({ updateMetadata: false });
    doc.setProducer('IronFlow');
    doc.setCreationDate(new Date());
    const maxBytes = DOC_LIMITS.maxDocumentBytes.get();
    let totalBytes = 0;
    for (const item of items) {
      await checkpoint(nc.signal);
      const input = await loadImageItem(NODE, item, nc, fromContext);
      totalBytes += input.bytes.length;
      if (totalBytes > maxBytes) {
        throw new NodeError(
          `image_to_pdf: the images add up to more than IRONFLOW_MAX_DOCUMENT_BYTES (${maxBytes} bytes)`,
          { retryable: false },
        );
      }
      const info = await probeImage(NODE, sharp, input);
      const image = await embed(doc, sharp, input, info.format);
      const page = doc.addPage([info.width, info.height]);
      page.drawImage(image, { x: 0, y: 0, width: info.width, height: info.height });
    }
    await checkpoint(nc.signal);
    try {
      const bytes = await doc.save({ useObjectStreams: true });
      // pdf-lib always writes a 1.7 header; nothing it writes needs more than 1.5 (object and xref
      // streams), so the header says 1.5 as the original did. Same length: offsets stay valid.
      if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') === '%PDF-1.7') bytes[7] = 0x35;
      await writeFile(cfg.output_path, bytes);
    } catch (e) {
      throw new NodeError(`image_to_pdf: failed to save PDF '${cfg.output_path}': ${(e as Error).message}`, {
        cause: e,
      });
    }
    const k = cfg.output_key;
    return {
      [k]: cfg.output_path,
      image_count: items.length,
      [`${k}_count`]: items.length,
      [`${k}_success`]: true,
    };
  },
});

/** Embed one image: JPEG bytes as they are, PNG through pdf-lib, anything else (or a PNG pdf-lib rejects) as a fresh PNG. */
async function embed(
  doc: import('pdf-lib').PDFDocument,
  sharp: Awaited<ReturnType<typeof loadSharp>>,
  input: ImageInput,
  format: string,
): Promise<PDFImage> {
  if (format === 'jpeg') {
    try {
      return await doc.embedJpg(input.bytes);
    } catch {
      // fall through: re-encode
    }
  } else if (format === 'png') {
    try {
      return await doc.embedPng(input.bytes);
    } catch {
      // fall through: re-encode
    }
  }
  let png: Buffer;
  try {
    png = await openImage(sharp, input).png().toBuffer();
  } catch (e) {
    throw new NodeError(`image_to_pdf: invalid image data for '${input.label}': ${(e as Error).message}`);
  }
  return doc.embedPng(png);
}
