import * as mupdf from 'mupdf';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { decodePdfString } from '../../../src/nodes/docs/pdf-strings.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { decode, makeManyPagesPdf, makePdf, tempDir } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let sample: string;
let threePages: string;

beforeAll(async () => {
  tmp = await tempDir();
  sample = await tmp.file('sample.pdf', await makePdf());
  threePages = await tmp.file('three.pdf', await makePdf({ pages: 3 }));
});
afterAll(() => tmp.cleanup());
afterEach(() => {
  overrideSetting('IRONFLOW_MAX_PDF_PAGES', undefined);
  overrideSetting('IRONFLOW_MAX_IMAGE_PIXELS', undefined);
  overrideSetting('IRONFLOW_MAX_PDF_RENDER_PAGES', undefined);
});

const INFO = {
  title: 'Rapport annuel — café ✓',
  author: 'Zoë Example',
  subject: 'Café — ﬁ €',
  producer: 'IronFlow fixtures',
  created: 'D:20240102030405Z',
};

describe('extract_pdf', () => {
  test('text keeps lines and a blank line between paragraphs', async () => {
    const out = await runNode('extract_pdf', { path: sample });
    expect(out.content).toBe(
      'IronFlow extracts text from PDF documents.\nThis first paragraph spans two lines.\n\n' +
        'The second paragraph follows a blank line.\n\nPage 1',
    );
  });

  test('markdown joins the lines of a paragraph', async () => {
    const out = await runNode('extract_pdf', { path: sample, format: 'markdown', output_key: 'md' });
    expect(out.md).toBe(
      'IronFlow extracts text from PDF documents. This first paragraph spans two lines.\n\n' +
        'The second paragraph follows a blank line.\n\nPage 1',
    );
  });

  test('pages in order, metadata decoded (UTF-16BE and PDFDocEncoding), blank values omitted', async () => {
    const out = await runNode('extract_pdf', { source_key: 'f', metadata_key: 'meta' }, { f: threePages });
    const text = out.content as string;
    expect(text.indexOf('Page 1')).toBeLessThan(text.indexOf('Page 2'));
    expect(text.indexOf('Page 2')).toBeLessThan(text.indexOf('Page 3'));
    expect(out.meta).toEqual({ pages: 3, ...INFO });
  });

  test('errors: unreadable, not a PDF, static checks', async () => {
    const missing = `${tmp.dir}/none.pdf`;
    await expect(runNode('extract_pdf', { path: missing })).rejects.toThrow(`Failed to read '${missing}': `);
    const bad = await tmp.file('bad.pdf', 'hello, not a pdf');
    await expect(runNode('extract_pdf', { path: bad })).rejects.toThrow(
      `Failed to extract text from '${bad}': `,
    );
    expect(checkNode('extract_pdf', { path: 'x', format: 'json' })).toEqual([
      "extract_pdf: unsupported format 'json'. Must be 'text' or 'markdown'.",
    ]);
  });

  test('a 10,000-page PDF is refused from its page count, before any page is read', async () => {
    const path = await tmp.file('many.pdf', makeManyPagesPdf(10_000));
    await expect(runNode('extract_pdf', { path })).rejects.toThrow(
      `extract_pdf: '${path}' has 10000 pages, more than IRONFLOW_MAX_PDF_PAGES allows (2000)`,
    );
    await expect(runNode('pdf_to_image', { path, pages: '1' })).rejects.toThrow(
      'more than IRONFLOW_MAX_PDF_PAGES allows (2000)',
    );
    await expect(runNode('pdf_thumbnail', { path })).rejects.toThrow('more than IRONFLOW_MAX_PDF_PAGES');
    // pdf_metadata reads no page, so it still reports the count.
    expect(await runNode('pdf_metadata', { path })).toEqual({ metadata: { pages: 10_000 } });
  });

  test('a cancelled step stops between pages', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled by test'));
    await expect(runNode('extract_pdf', { path: threePages }, {}, { signal: ac.signal })).rejects.toThrow(
      'cancelled by test',
    );
  });
});

describe('pdf_metadata', () => {
  test('pages and Info fields', async () => {
    expect(await runNode('pdf_metadata', { path: sample })).toEqual({ metadata: { pages: 1, ...INFO } });
  });
  test('unparsable file fails', async () => {
    const bad = await tmp.file('bad2.pdf', 'nope');
    await expect(runNode('pdf_metadata', { path: bad, output_key: 'm' })).rejects.toThrow(
      'pdf_metadata: failed to parse PDF: ',
    );
  });
});

describe('PDF text strings', () => {
  test('UTF-16BE with BOM (and language escapes), UTF-16LE, UTF-8 BOM, PDFDocEncoding', () => {
    const be = Buffer.from([
      0xfe, 0xff, 0x00, 0x1b, 0x00, 0x65, 0x00, 0x6e, 0x00, 0x1b, 0x00, 0x5a, 0x00, 0xeb, 0xd8, 0x3d, 0xde,
      0x00,
    ]);
    expect(decodePdfString(be)).toBe('Zë😀');
    expect(decodePdfString(Buffer.from([0xff, 0xfe, 0x5a, 0x00, 0xeb, 0x00]))).toBe('Zë');
    expect(decodePdfString(Buffer.from([0xef, 0xbb, 0xbf, 0xc3, 0xa9]))).toBe('é');
    expect(decodePdfString(Buffer.from([0x43, 0xe9, 0x84, 0x93, 0xa0, 0x18, 0x8d, 0x8e]))).toBe('Cé—ﬁ€˘“”');
  });
});

describe('pdf_to_image', () => {
  test('renders all pages at 150 dpi as PNG; page_count is un-prefixed', async () => {
    const out = await runNode('pdf_to_image', { path: threePages });
    expect(out.page_count).toBe(3);
    const images = out.images as Array<Record<string, unknown>>;
    expect(images.map((i) => [i.page, i.width, i.height, i.format])).toEqual([
      [1, 1275, 1650, 'png'],
      [2, 1275, 1650, 'png'],
      [3, 1275, 1650, 'png'],
    ]);
    const img = await decode(Buffer.from(images[0]!.image_base64 as string, 'base64'));
    expect([img.format, img.width, img.height]).toEqual(['png', 1275, 1650]);
    expect(img.at(5, 5)).toEqual([255, 255, 255, 255]); // white page background
  });

  test('page selections, duplicates, JPEG, dpi', async () => {
    const out = await runNode('pdf_to_image', {
      path: threePages,
      pages: ' 3 , 1-2,1',
      format: 'jpg',
      dpi: 72,
      output_key: 'shots',
    });
    const shots = out.shots as Array<Record<string, unknown>>;
    expect(shots.map((s) => [s.page, s.width, s.height, s.format])).toEqual([
      [3, 612, 792, 'jpeg'],
      [1, 612, 792, 'jpeg'],
      [2, 612, 792, 'jpeg'],
      [1, 612, 792, 'jpeg'],
    ]);
    const img = await decode(Buffer.from(shots[0]!.image_base64 as string, 'base64'));
    expect([img.format, img.width, img.height]).toEqual(['jpeg', 612, 792]);
  });

  test('a number selects one page', async () => {
    const out = await runNode('pdf_to_image', { path: threePages, pages: 2, dpi: 10 });
    expect((out.images as Array<Record<string, unknown>>).map((i) => [i.page, i.width, i.height])).toEqual([
      [2, 85, 110],
    ]);
  });

  test('page-spec errors', async () => {
    const cases: Array<[string, string]> = [
      ['x', "Invalid page number: 'x'"],
      ['0', 'Page numbers are 1-based, got 0'],
      ['3-1', 'Invalid page range: 3-1'],
      ['2-5', 'Page 5 exceeds document page count (3)'],
      [' , ', 'No pages specified'],
    ];
    for (const [pages, msg] of cases) {
      await expect(runNode('pdf_to_image', { path: threePages, pages })).rejects.toThrow(msg);
    }
  });

  test('limits: rendered pixels and rendered page count', async () => {
    await expect(runNode('pdf_to_image', { path: sample, dpi: 3000 })).rejects.toThrow(
      'pdf_to_image: page 1 would render to 25500x33000 pixels, more than IRONFLOW_MAX_IMAGE_PIXELS allows (50000000)',
    );
    overrideSetting('IRONFLOW_MAX_PDF_RENDER_PAGES', 2);
    await expect(runNode('pdf_to_image', { path: threePages, pages: '1-3' })).rejects.toThrow(
      'pdf_to_image: 3 pages selected, more than IRONFLOW_MAX_PDF_RENDER_PAGES allows (2)',
    );
  });

  test('open failure and format check', async () => {
    const bad = await tmp.file('bad3.pdf', 'not a pdf at all');
    await expect(runNode('pdf_to_image', { path: bad })).rejects.toThrow(`Failed to open PDF '${bad}': `);
    expect(checkNode('pdf_to_image', { path: 'x', format: 'gif' })).toEqual([
      "pdf_to_image: unsupported format 'gif'. Must be 'png', 'jpeg', or 'jpg'.",
    ]);
  });
});

describe('pdf_thumbnail', () => {
  test('default: longer side 256, aspect kept', async () => {
    const out = await runNode('pdf_thumbnail', { path: sample });
    const t = out.thumbnail as Record<string, unknown>;
    expect([t.page, t.width, t.height, t.format, out.thumbnail_count]).toEqual([1, 198, 256, 'png', 1]);
    const img = await decode(Buffer.from(t.image_base64 as string, 'base64'));
    expect([img.width, img.height]).toEqual([198, 256]);
  });

  test('width only, height only, both, size; landscape page', async () => {
    const w = (await runNode('pdf_thumbnail', { path: threePages, page: 2, width: 100 })).thumbnail as Record<
      string,
      unknown
    >;
    expect([w.page, w.width, w.height]).toEqual([2, 100, 129]);
    const h = (await runNode('pdf_thumbnail', { path: sample, height: 100, format: 'jpeg' }))
      .thumbnail as Record<string, unknown>;
    expect([h.width, h.height, h.format]).toEqual([77, 100, 'jpeg']);
    const both = (await runNode('pdf_thumbnail', { path: sample, width: 50, height: 40 }))
      .thumbnail as Record<string, unknown>;
    expect([both.width, both.height]).toEqual([50, 40]);
    expect((await decode(Buffer.from(both.image_base64 as string, 'base64'))).width).toBe(50);
    const land = await tmp.file('land.pdf', await makePdf({ size: [800, 400] }));
    const l = (await runNode('pdf_thumbnail', { path: land, size: 120, output_key: 'th' })).th as Record<
      string,
      unknown
    >;
    expect([l.width, l.height]).toEqual([120, 60]);
  });

  test('page checks', async () => {
    expect(checkNode('pdf_thumbnail', { path: 'x', page: 0 })).toEqual([
      "pdf_thumbnail: 'page' must be 1-based and >= 1",
    ]);
    expect(checkNode('pdf_thumbnail', { path: 'x', width: 0 })).toEqual(['width: must be >= 1']);
    expect(checkNode('pdf_thumbnail', { path: 'x', size: 2 ** 32 })).toEqual([
      'size: value 4294967296 is too large (max 4294967295)',
    ]);
    await expect(runNode('pdf_thumbnail', { path: sample, page: 4 })).rejects.toThrow(
      'page 4 exceeds document page count (1)',
    );
  });

  test('rendered content: the text area is not blank', async () => {
    const t = (await runNode('pdf_thumbnail', { path: sample, width: 612, height: 792 })).thumbnail as Record<
      string,
      unknown
    >;
    const data = Buffer.from(t.image_base64 as string, 'base64');
    // mupdf, independently: the page holds text where we drew it.
    const doc = mupdf.Document.openDocument(await makePdf(), 'application/pdf');
    expect(doc.loadPage(0).toStructuredText('').asText()).toContain('IronFlow');
    const img = await decode(data);
    let dark = 0;
    for (let x = 72; x < 300; x++) for (let y = 60; y < 80; y++) if (img.at(x, y)[0] < 128) dark++;
    expect(dark).toBeGreaterThan(50);
  });
});
