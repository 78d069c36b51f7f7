// Generates the sample inputs of the 08-extraction examples into this folder (committed, a few KB each):
//   node examples/08-extraction/samples/make-samples.mjs
// sample.pdf (2 pages + Info), sample.docx, sample.html, sample_subtitles.vtt/.srt, source.png, source.jpg.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const out = (name, data) => {
  writeFileSync(join(here, name), data);
  console.log(`${name}: ${data.length} bytes`);
};

// ---- sample.pdf: two US-Letter pages, two paragraphs each, Info with a non-ASCII title.
{
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = [
    [
      ['IronFlow runs Lua flows as graphs of steps.', 'Each step is a built-in node or a Lua function.'],
      ['This PDF is a sample for the extraction examples.'],
    ],
    [['The second page has its own paragraph.'], ['And a closing line.']],
  ];
  for (const paras of pages) {
    const page = doc.addPage([612, 792]);
    let y = 720;
    for (const lines of paras) {
      for (const line of lines) {
        page.drawText(line, { x: 72, y, size: 12, font });
        y -= 16;
      }
      y -= 18;
    }
  }
  doc.setTitle('IronFlow sample — extraction');
  doc.setAuthor('IronFlow examples');
  doc.setProducer('make-samples.mjs');
  doc.setCreationDate(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
  out('sample.pdf', await doc.save());
}

// ---- sample.docx: headings, formatted runs, an entity, lists, a table, core properties.
{
  const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  const r = (t, props = '') =>
    `<w:r>${props ? `<w:rPr>${props}</w:rPr>` : ''}<w:t xml:space="preserve">${t}</w:t></w:r>`;
  const p = (body, pPr = '') => `<w:p>${pPr ? `<w:pPr>${pPr}</w:pPr>` : ''}${body}</w:p>`;
  const h = (style, t) => p(r(t), `<w:pStyle w:val="${style}"/>`);
  const li = (num, lvl, t) => p(r(t), `<w:numPr><w:ilvl w:val="${lvl}"/><w:numId w:val="${num}"/></w:numPr>`);
  const body = [
    h('Title', 'Technology Comparison Matrix'),
    p(
      r('Compare ') +
        r('speed', '<w:b/>') +
        r(', ') +
        r('cost', '<w:i/>') +
        r(' and ') +
        r('legacy', '<w:strike/>') +
        r(' options.'),
    ),
    p(r('Research &amp; Development')),
    h('Heading1', 'Criteria'),
    li(1, 0, 'Performance'),
    li(1, 1, 'Latency'),
    li(1, 0, 'Cost'),
    h('Heading1', 'Steps'),
    li(2, 0, 'Collect data'),
    li(2, 0, 'Score options'),
    li(2, 0, 'Decide'),
    p(r('Then start again:')),
    li(2, 0, 'Review'),
    `<w:tbl><w:tr><w:tc>${p(r('Option A'))}</w:tc><w:tc>${p(r('Option B'))}</w:tc></w:tr></w:tbl>`,
  ].join('');
  const lvl = (i, fmt) => `<w:lvl w:ilvl="${i}"><w:numFmt w:val="${fmt}"/></w:lvl>`;
  out(
    'sample.docx',
    zipSync(
      {
        '[Content_Types].xml': strToU8(
          '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
        'word/document.xml': strToU8(
          `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${body}</w:body></w:document>`,
        ),
        'word/numbering.xml': strToU8(
          `<?xml version="1.0" encoding="UTF-8"?><w:numbering ${W}><w:abstractNum w:abstractNumId="0">${lvl(0, 'bullet')}${lvl(1, 'bullet')}</w:abstractNum><w:abstractNum w:abstractNumId="1">${lvl(0, 'decimal')}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>`,
        ),
        'docProps/core.xml': strToU8(
          '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>Technology Comparison</dc:title><dc:creator>Un-named</dc:creator><cp:keywords>ironflow, sample</cp:keywords><dcterms:created>2024-01-02T03:04:05Z</dcterms:created><cp:revision>1</cp:revision></cp:coreProperties>',
        ),
      },
      { mtime: new Date('2024-01-02T03:04:05Z') },
    ),
  );
}

// ---- text formats
out(
  'sample.html',
  `<!DOCTYPE html>
<html lang="en">
<head>
  <title>IronFlow Sample Page</title>
  <meta name="author" content="IronFlow examples">
  <meta name="description" content="A page for the extract_html example">
  <meta property="og:title" content="IronFlow sample">
  <script>console.log("not extracted");</script>
</head>
<body>
  <h1>Extracting HTML</h1>
  <p>IronFlow turns <b>HTML</b> into Markdown; see <a href="https://example.com/docs">the docs</a>.</p>
  <ul><li>Titles and meta tags</li><li>Headings, bold text and links</li></ul>
</body>
</html>
`,
);
out(
  'sample_subtitles.vtt',
  `WEBVTT

NOTE Sample subtitles for the extract_vtt example.

00:00:00.000 --> 00:00:03.000
Welcome to IronFlow subtitle extraction.

intro-2
00:00:03.500 --> 00:00:07.000 align:start
<v Speaker>Great to see you here.</v>
`,
);
out(
  'sample_subtitles.srt',
  `1
00:00:00,000 --> 00:00:03,000
Welcome to IronFlow subtitle extraction.

2
00:00:03,500 --> 00:00:07,000
Great to see you here.
`,
);

// ---- images: a 120x80 RGBA PNG, a 420x320 JPEG with a marker in the top-left corner.
{
  const w = 120;
  const h = 80;
  const raw = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) raw.set([30, 110, 220, 255], i * 4);
  out(
    'source.png',
    await sharp(raw, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toBuffer(),
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="320">
    <rect width="420" height="320" fill="#f2c14e"/><rect width="60" height="40" fill="#d7263d"/>
    <circle cx="210" cy="160" r="90" fill="#1b998b"/></svg>`;
  out('source.jpg', await sharp(Buffer.from(svg)).jpeg({ quality: 60 }).toBuffer());
}
