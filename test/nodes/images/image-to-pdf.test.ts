import { readFile } from 'node:fs/promises';
import * as mupdf from 'mupdf';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { decode, makeImage, tempDir } from '../docs/fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let png: string;
let jpg: string;

beforeAll(async () => {
  tmp = await tempDir();
  png = await tmp.file('source.png', await makeImage(120, 80, [255, 0, 0, 255]));
  jpg = await tmp.file('source.jpg', await makeImage(64, 48, [0, 0, 255, 255], { format: 'jpeg' }));
});
afterAll(() => tmp.cleanup());

/** Open the written PDF with mupdf: version, page sizes, and page 1 rendered at 72 dpi. */
async function inspectPdf(path: string) {
  const bytes = await readFile(path);
  const doc = mupdf.Document.openDocument(bytes, 'application/pdf');
  const sizes: number[][] = [];
  for (let i = 0; i < doc.countPages(); i++) {
    const [x0, y0, x1, y1] = doc.loadPage(i).getBounds();
    sizes.push([x1 - x0, y1 - y0]);
  }
  const pix = doc.loadPage(0).toPixmap(mupdf.Matrix.identity, mupdf.ColorSpace.DeviceRGB, false);
  return {
    header: bytes.subarray(0, 8).toString('latin1'),
    sizes,
    page1: await decode(Buffer.from(pix.asPNG())),
  };
}

describe('image_to_pdf', () => {
  test('one page per image, page = image size in points, images fill the page', async () => {
    const output_path = `${tmp.dir}/out.pdf`;
    const webp = await sharp(await readFile(png))
      .webp({ lossless: true })
      .toBuffer();
    const out = await runNode(
      'image_to_pdf',
      { sources: ['${ctx.dir}/source.png', { path: jpg }, { data: webp.toString('base64') }], output_path },
      { dir: tmp.dir },
    );
    expect(out).toEqual({ pdf_path: output_path, image_count: 3, pdf_path_count: 3, pdf_path_success: true });
    const pdf = await inspectPdf(output_path);
    expect(pdf.header).toBe('%PDF-1.5');
    expect(pdf.sizes).toEqual([
      [120, 80],
      [64, 48],
      [120, 80],
    ]);
    expect([pdf.page1.width, pdf.page1.height]).toEqual([120, 80]);
    expect(pdf.page1.at(60, 40)).toEqual([255, 0, 0, 255]);
    expect(pdf.page1.at(0, 0)).toEqual([255, 0, 0, 255]);
  });

  test('source_key with an array of context items (paths interpolated)', async () => {
    const output_path = `${tmp.dir}/ctx.pdf`;
    const b64 = (await readFile(jpg)).toString('base64');
    const out = await runNode(
      'image_to_pdf',
      { source_key: 'imgs', output_path, output_key: 'doc' },
      { dir: tmp.dir, imgs: ['${ctx.dir}/source.jpg', { base64: b64 }] },
    );
    expect([out.doc, out.image_count, out.doc_count]).toEqual([output_path, 2, 2]);
    const pdf = await inspectPdf(output_path);
    expect(pdf.sizes).toEqual([
      [64, 48],
      [64, 48],
    ]);
    const [r, g, b] = pdf.page1.at(32, 24);
    expect(r < 30 && g < 30 && b > 220).toBe(true);
  });

  test('errors', async () => {
    const o = { output_path: `${tmp.dir}/e.pdf` };
    expect(checkNode('image_to_pdf', o)).toEqual(["image_to_pdf requires either 'sources' or 'source_key'"]);
    expect(checkNode('image_to_pdf', { ...o, sources: [png], source_key: 'k' })).toEqual([
      "image_to_pdf accepts either 'sources' or 'source_key', not both",
    ]);
    expect(checkNode('image_to_pdf', { ...o, sources: 'x.png' })).toEqual([
      "image_to_pdf: 'sources' must be an array",
    ]);
    expect(checkNode('image_to_pdf', { ...o, sources: [] })).toEqual([
      "image_to_pdf requires at least one image in 'sources'",
    ]);
    expect(checkNode('image_to_pdf', { sources: [png] })).toEqual(["image_to_pdf requires 'output_path'"]);
    await expect(runNode('image_to_pdf', { ...o, source_key: 'k' }, { k: 'x' })).rejects.toThrow(
      "Context key 'k' must be an array",
    );
    await expect(runNode('image_to_pdf', { ...o, source_key: 'k' }, { k: [] })).rejects.toThrow(
      "image_to_pdf requires at least one image in 'sources'",
    );
    await expect(runNode('image_to_pdf', { ...o, sources: [7] })).rejects.toThrow(
      'image_to_pdf source entries must be strings or objects',
    );
    await expect(runNode('image_to_pdf', { ...o, sources: [{ name: 'x' }] })).rejects.toThrow(
      "image_to_pdf source object must include 'path' or 'base64'/'data'",
    );
    await expect(runNode('image_to_pdf', { ...o, sources: [`${tmp.dir}/nope.png`] })).rejects.toThrow(
      `image_to_pdf: failed to read image '${tmp.dir}/nope.png': `,
    );
    const bad = `${tmp.dir}/no/dir/x.pdf`;
    await expect(runNode('image_to_pdf', { sources: [png], output_path: bad })).rejects.toThrow(
      `image_to_pdf: failed to save PDF '${bad}': `,
    );
  });
});
