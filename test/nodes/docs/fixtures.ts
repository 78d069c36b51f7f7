// Fixtures of NODES 22, generated at test time (no binary blobs): a DOCX, PDFs, PNG/JPEG images,
// subtitles and HTML, plus hostile inputs (ZIP bomb, 10,000-page PDF, 30,000 x 30,000 image header).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { type PDFDict, PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

export async function tempDir(): Promise<{
  dir: string;
  file(name: string, data: string | Uint8Array): Promise<string>;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'ironflow-docs-'));
  return {
    dir,
    async file(name, data) {
      const path = join(dir, name);
      await writeFile(path, data);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

// ---------------------------------------------------------------- DOCX

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"';

const run = (text: string, props = '') =>
  `<w:r>${props ? `<w:rPr>${props}</w:rPr>` : ''}<w:t xml:space="preserve">${text}</w:t></w:r>`;
const para = (body: string, pPr = '') => `<w:p>${pPr ? `<w:pPr>${pPr}</w:pPr>` : ''}${body}</w:p>`;
const styled = (style: string, text: string) => para(run(text), `<w:pStyle w:val="${style}"/>`);
const item = (numId: number, level: number, text: string) =>
  para(
    run(text),
    `<w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="${level}"/><w:numId w:val="${numId}"/></w:numPr>`,
  );

export const DOCX_BODY = [
  styled('Title', 'Technology Comparison Matrix'),
  styled('Heading1', 'Overview'),
  para(
    run('Plain, ') +
      run('bold', '<w:b/>') +
      run(', ') +
      run('italic', '<w:i/>') +
      run(', ') +
      run('both', '<w:b/><w:i/>') +
      run(', ') +
      run('struck', '<w:strike/>') +
      run(' and ') +
      run('underlined', '<w:u w:val="single"/>') +
      run(' and ') +
      run('not bold', '<w:b w:val="0"/>') +
      '<w:r><w:t>Tab</w:t><w:tab/><w:t>and break</w:t><w:br/><w:t>next line</w:t></w:r>',
    '<w:jc w:val="left"/><w:rPr><w:b/></w:rPr>',
  ),
  para(run('Research &amp; Development &lt;R&amp;D&gt; &#x2014; caf&#233;')),
  item(1, 0, 'Bullet one'),
  item(1, 1, 'Nested bullet'),
  item(1, 0, 'Bullet two'),
  styled('Heading2', 'Steps'),
  item(2, 0, 'First step'),
  item(2, 0, 'Second step'),
  styled('Heading3', 'Interlude heading'),
  item(2, 0, 'Third step'),
  para(run('A normal paragraph between lists.')),
  item(2, 0, 'Restarted one'),
  item(2, 0, 'Restarted two'),
  '<w:tbl><w:tr><w:tc>' +
    para(run('Cell A')) +
    '</w:tc><w:tc>' +
    para(run('Cell B')) +
    '</w:tc></w:tr></w:tbl>',
  '<w:p/>',
  para(''),
  para(
    run('Box: ') +
      `<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>${para(run('Inside the box'))}</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>${para(run('Inside the box'))}</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>`,
  ),
  para(run('The end.')),
].join('');

const DOCUMENT_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ${W} ${MC}><w:body>${DOCX_BODY}<w:sectPr><w:pgSz w:w="12240" w:h="15840"/></w:sectPr></w:body></w:document>`;

const lvl = (ilvl: number, fmt: string) =>
  `<w:lvl w:ilvl="${ilvl}"><w:start w:val="1"/><w:numFmt w:val="${fmt}"/><w:lvlText w:val="%${ilvl + 1}."/></w:lvl>`;

const NUMBERING_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering ${W}>
<w:abstractNum w:abstractNumId="10">${lvl(0, 'bullet')}${lvl(1, 'bullet')}</w:abstractNum>
<w:abstractNum w:abstractNumId="11">${lvl(0, 'decimal')}${lvl(1, 'lowerLetter')}${lvl(2, 'bullet')}</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="10"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="11"/></w:num>
</w:numbering>`;

const CORE_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>Tech &amp; Tools</dc:title><dc:subject>   </dc:subject><dc:creator>Un-named</dc:creator>
<cp:keywords> docx, test </cp:keywords><cp:lastModifiedBy>Zo&#235;</cp:lastModifiedBy>
<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-02T03:04:05Z</dcterms:created><cp:revision>3</cp:revision>
</cp:coreProperties>`;

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;

/** A DOCX with everything NODES 22 lists; `parts` replaces or removes (`null`) entries. */
export function makeDocx(parts: Record<string, string | Uint8Array | null> = {}): Uint8Array {
  const files: Record<string, string | Uint8Array | null> = {
    '[Content_Types].xml': CONTENT_TYPES,
    'word/document.xml': DOCUMENT_XML,
    'word/numbering.xml': NUMBERING_XML,
    'docProps/core.xml': CORE_XML,
    ...parts,
  };
  const zip: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(files)) if (v !== null) zip[k] = typeof v === 'string' ? strToU8(v) : v;
  return zipSync(zip);
}

/** A DOCX whose word/document.xml is `body` paragraphs. */
export function docxWithBody(body: string, numbering = NUMBERING_XML): Uint8Array {
  return makeDocx({
    'word/document.xml': `<?xml version="1.0"?><w:document ${W}><w:body>${body}</w:body></w:document>`,
    'word/numbering.xml': numbering,
  });
}

/**
 * A ZIP bomb: word/document.xml is `mb` MiB of spaces (deflates ~1000:1). With `declare`, the sizes in the
 * central directory and local header are overwritten (a lying archive).
 */
export function makeZipBomb(mb: number, declare?: number): Uint8Array {
  const xml = new Uint8Array(mb * 1_048_576).fill(0x20);
  const zip = zipSync({ 'word/document.xml': [xml, { level: 9 }] as [Uint8Array, { level: 9 }] });
  if (declare !== undefined) {
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    for (let i = zip.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50) {
        view.setUint32(i + 24, declare, true);
        view.setUint32(view.getUint32(i + 42, true) + 22, declare, true);
        break;
      }
    }
  }
  return zip;
}

// ---------------------------------------------------------------- PDF

export const PDF_PARAGRAPHS = [
  ['IronFlow extracts text from PDF documents.', 'This first paragraph spans two lines.'],
  ['The second paragraph follows a blank line.'],
];

/** A US-Letter PDF: `pages` pages with two paragraphs each, and an Info dictionary with a non-ASCII title. */
export async function makePdf(opts: { pages?: number; size?: [number, number] } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= (opts.pages ?? 1); n++) {
    const page = doc.addPage(opts.size ?? [612, 792]);
    let y = 720;
    for (const lines of PDF_PARAGRAPHS) {
      for (const line of lines) {
        page.drawText(line, { x: 72, y, size: 12, font });
        y -= 16;
      }
      y -= 18;
    }
    page.drawText(`Page ${n}`, { x: 72, y: 60, size: 10, font });
  }
  doc.setTitle('Rapport annuel — café ✓');
  doc.setAuthor('Zoë Example');
  doc.setProducer('IronFlow fixtures');
  doc.setCreationDate(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
  // PDFDocEncoding literal: é (0xE9), em dash (0x84), fi ligature (0x93), euro (0xA0).
  const info = (doc as unknown as { getInfoDict(): PDFDict }).getInfoDict();
  info.set(PDFName.of('Subject'), PDFString.of('Caf\\351 \\204 \\223 \\240'));
  info.set(PDFName.of('Keywords'), PDFString.of('   '));
  return doc.save();
}

/**
 * A PDF with `n` empty pages (the page-limit case), written directly: one page object each, a flat page
 * tree and a classic xref table (pdf-lib takes seconds for this under vitest).
 */
export function makeManyPagesPdf(n: number): Uint8Array {
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Count ${n} /Kids [${Array.from({ length: n }, (_, i) => `${i + 3} 0 R`).join(' ')}] >>`,
  ];
  for (let i = 0; i < n; i++) objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>');
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// ---------------------------------------------------------------- images

export type RGBA = [number, number, number, number];

/** A PNG (or JPEG) of a solid colour with optional distinct pixels. */
export async function makeImage(
  width: number,
  height: number,
  fill: RGBA,
  opts: { pixels?: Array<[number, number, RGBA]>; format?: 'png' | 'jpeg' } = {},
): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) raw.set(fill, i * 4);
  for (const [x, y, c] of opts.pixels ?? []) raw.set(c, (y * width + x) * 4);
  const img = sharp(raw, { raw: { width, height, channels: 4 } });
  return opts.format === 'jpeg' ? img.removeAlpha().jpeg({ quality: 95 }).toBuffer() : img.png().toBuffer();
}

/** Decoded pixels of an encoded image, as RGBA, with a pixel reader. */
export async function decode(data: Buffer | Uint8Array | string) {
  const { data: px, info } = await sharp(data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const meta = await sharp(data).metadata();
  return {
    width: info.width,
    height: info.height,
    format: meta.format,
    channels: meta.channels,
    at(x: number, y: number): RGBA {
      const i = (y * info.width + x) * 4;
      return [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
    },
  };
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A tiny PNG whose header claims width x height (RGBA); its pixel data is a stub. */
export function hugePngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------- text formats

export const SAMPLE_VTT = `\uFEFFWEBVTT - sample
Kind: captions

NOTE This note is skipped
it spans two lines

00:00:00.000 --> 00:00:03.000
Welcome to IronFlow subtitle extraction.

cue-2
00:00:03.500 --> 00:00:07.25 align:start position:10%
<v Speaker>Great to see you</v> here,
<i>everyone</i>.

00:00:09.000 --> 00:00:08.000
End before start: ignored.

00:00:61.000 --> 00:01:02.000
Bad seconds: ignored.

1:02:03.4 --> 1:02:05
<b></b>

01:02:05.000 --> 01:02:06.123
Last &amp; final.
`;

export const SAMPLE_SRT = `1
00:00:01,000 --> 00:00:03,000
Welcome to IronFlow subtitle extraction.

2
00:00:03,500 --> 00:00:07,250
Great to see you
in the second cue.
`;

export const SAMPLE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>  Sample &amp; Page </title>
  <meta name="author" content="Ann &amp; Bob">
  <META NAME="Description" CONTENT='A page for tests'>
  <meta property="og:title" content="OG Sample">
  <meta name="generator" content="ignored">
  <meta name="keywords">
  <meta property="og:title" content="OG Later">
  <script>var secret = "do not extract";</script>
  <style>p { color: red }</style>
</head>
<body>
  <h1>Main Heading</h1>
  <p>Some <b>bold</b> text and <a href="https://example.com/x">a link</a>.</p>
  <ul><li>One</li><li>Two</li></ul>
  <ol start="3"><li>Three</li><li>Four</li></ol>
  <script>alert("nope")</script>
</body>
</html>`;
