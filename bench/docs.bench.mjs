// Document and image nodes benchmark, through the nodes' own code path (registry + invokeNode from the
// built dist/):
//   - extract_pdf on a generated 200-page PDF (text and markdown): pages/s and peak memory;
//   - extract_word on a generated ~200-page DOCX (text and markdown): pages/s and peak memory;
//   - pdf_to_image rendering 20 pages to PNG at 150 dpi: pages/s and peak memory;
//   - image_resize on 100 JPEG photos (1600x1200 -> 400x300): images/s and peak memory.
// Each case runs in its own child process, so its peak resident memory (VmHWM) is its own.
//
// Run: npx tsc -p tsconfig.build.json && node bench/docs.bench.mjs
// Output: one JSON object per line: {"name", "value", "unit", "note"}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PDF_PAGES = 200;
const DOCX_PAGES = 200;
const PARAGRAPHS_PER_PAGE = 12;
const RENDER_PAGES = 20;
const IMAGES = 100;
const RUNS = 3;

function emit(name, value, unit, note) {
  process.stdout.write(`${JSON.stringify({ name, value: Number(value.toFixed(2)), unit, note })}\n`);
}

function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.memoryUsage().rss / 1024 / 1024;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const WORDS = [
  'engine',
  'flow',
  'step',
  'node',
  'context',
  'document',
  'page',
  'render',
  'extract',
  'quickly',
  'the',
  'a',
  'of',
  'and',
  'with',
  'every',
  'measured',
  'value',
  'text',
  'paragraph',
];
function sentence(seed, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[(seed * 7 + i * 13) % WORDS.length]);
  return `${out.join(' ')}.`;
}

// ------------------------------------------------------------------ fixtures (parent process)

async function makeFixtures(dir) {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const { strToU8, zipSync } = await import('fflate');
  const sharp = (await import('sharp')).default;

  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < PDF_PAGES; p++) {
    const page = pdf.addPage([612, 792]);
    let y = 740;
    for (let k = 0; k < 40; k++) {
      page.drawText(sentence(p * 40 + k, 11), { x: 60, y, size: 11, font });
      y -= (k + 1) % 5 === 0 ? 26 : 16;
      if (y < 50) break;
    }
  }
  writeFileSync(join(dir, 'big.pdf'), await pdf.save());

  const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  const paras = [];
  for (let p = 0; p < DOCX_PAGES; p++) {
    paras.push(
      `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Section ${p + 1}</w:t></w:r></w:p>`,
    );
    for (let k = 0; k < PARAGRAPHS_PER_PAGE; k++) {
      const list =
        k % 4 === 3 ? '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>' : '';
      paras.push(
        `<w:p>${list}<w:r><w:t xml:space="preserve">${sentence(p * 100 + k, 20)} </w:t></w:r>` +
          `<w:r><w:rPr><w:b/></w:rPr><w:t>bold &amp; strong</w:t></w:r>` +
          `<w:r><w:t xml:space="preserve"> ${sentence(p * 100 + k + 1, 15)}</w:t></w:r></w:p>`,
      );
    }
  }
  const numbering = `<w:numbering ${W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`;
  writeFileSync(
    join(dir, 'big.docx'),
    zipSync({
      'word/document.xml': strToU8(`<w:document ${W}><w:body>${paras.join('')}</w:body></w:document>`),
      'word/numbering.xml': strToU8(numbering),
    }),
  );

  mkdirSync(join(dir, 'img'));
  const svg = (i) =>
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#${((i * 2654435761) % 0xffffff).toString(16).padStart(6, '0')}"/>
    <stop offset="1" stop-color="#204080"/></linearGradient></defs>
    <rect width="1600" height="1200" fill="url(#g)"/><circle cx="${400 + i * 7}" cy="600" r="300" fill="#f0c040"/></svg>`);
  for (let i = 0; i < IMAGES; i++) {
    writeFileSync(join(dir, 'img', `${i}.jpg`), await sharp(svg(i)).jpeg({ quality: 85 }).toBuffer());
  }
}

// ------------------------------------------------------------------ cases (child processes)

/** The built-in registry, with every family loaded (they load lazily). */
async function loadRegistry() {
  const { registry } = await import('../dist/nodes/registry.js');
  await registry.loadAll();
  return registry;
}

async function runCase(name, dir) {
  const registry = await loadRegistry();
  const { invokeNode } = await import('../dist/engine/invoke.js');
  const { ResourcePool } = await import('../dist/engine/resources.js');
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const noLua = {
    runCode: () => Promise.reject(new Error('no Lua')),
    runForeach: () => Promise.reject(new Error('no Lua')),
  };
  const resources = new ResourcePool();
  const run = (node, config) =>
    invokeNode(
      registry.get(node),
      { ...config, _step_name: 'bench' },
      {
        step: 'bench',
        nodeType: node,
        ctx: {},
        signal: new AbortController().signal,
        log: silent,
        runId: '00000000-0000-4000-8000-000000000000',
        services: { lua: noLua, resources },
        interpolate: (s) => s,
      },
    );
  const timed = async (fn) => {
    await fn(); // warm-up: module import and WASM start-up are not counted
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return median(times) / 1000;
  };
  const result = {};
  if (name === 'pdf') {
    for (const format of ['text', 'markdown']) {
      let chars = 0;
      const s = await timed(async () => {
        chars = (await run('extract_pdf', { path: join(dir, 'big.pdf'), format })).content.length;
      });
      result[format] = { seconds: s, chars };
    }
  } else if (name === 'docx') {
    for (const format of ['text', 'markdown']) {
      let chars = 0;
      const s = await timed(async () => {
        chars = (await run('extract_word', { path: join(dir, 'big.docx'), format })).content.length;
      });
      result[format] = { seconds: s, chars };
    }
  } else if (name === 'render') {
    let bytes = 0;
    const s = await timed(async () => {
      const out = await run('pdf_to_image', {
        path: join(dir, 'big.pdf'),
        pages: `1-${RENDER_PAGES}`,
        dpi: 150,
      });
      bytes = out.images.reduce((n, i) => n + i.image_base64.length, 0);
    });
    result.png = { seconds: s, chars: bytes };
  } else if (name === 'resize') {
    mkdirSync(join(dir, `out-${process.pid}`), { recursive: true });
    const s = await timed(async () => {
      for (let i = 0; i < IMAGES; i++) {
        await run('image_resize', {
          path: join(dir, 'img', `${i}.jpg`),
          output_path: join(dir, `out-${process.pid}`, `${i}.jpg`),
          width: 400,
        });
      }
    });
    result.jpeg = { seconds: s };
  }
  result.peakRssMb = peakRssMb();
  process.stdout.write(JSON.stringify(result));
}

// ------------------------------------------------------------------ main

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--case') {
  await runCase(process.argv[3], process.argv[4]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-docs-bench-'));
  try {
    await makeFixtures(dir);
    const child = (name) =>
      JSON.parse(execFileSync(process.execPath, [self, '--case', name, dir], { encoding: 'utf8' }));
    const pdf = child('pdf');
    for (const f of ['text', 'markdown']) {
      emit(
        `extract_pdf ${f} ${PDF_PAGES} pages`,
        PDF_PAGES / pdf[f].seconds,
        'pages/s',
        `median of ${RUNS}: ${pdf[f].seconds.toFixed(3)} s, ${pdf[f].chars} chars out`,
      );
    }
    emit(
      'extract_pdf peak RSS',
      pdf.peakRssMb,
      'MB',
      'whole child process (Node + mupdf WASM), both formats',
    );
    const docx = child('docx');
    for (const f of ['text', 'markdown']) {
      emit(
        `extract_word ${f} ${DOCX_PAGES} pages`,
        DOCX_PAGES / docx[f].seconds,
        'pages/s',
        `median of ${RUNS}: ${docx[f].seconds.toFixed(3)} s, ${DOCX_PAGES * (PARAGRAPHS_PER_PAGE + 1)} paragraphs, ${docx[f].chars} chars out`,
      );
    }
    emit('extract_word peak RSS', docx.peakRssMb, 'MB', 'whole child process, both formats');
    const render = child('render');
    emit(
      `pdf_to_image ${RENDER_PAGES} pages PNG 150 dpi`,
      RENDER_PAGES / render.png.seconds,
      'pages/s',
      `median of ${RUNS}: ${render.png.seconds.toFixed(3)} s, 1275x1650 each, ${(render.png.chars / 1e6).toFixed(1)} MB base64 out`,
    );
    emit('pdf_to_image peak RSS', render.peakRssMb, 'MB', 'whole child process');
    const resize = child('resize');
    emit(
      `image_resize ${IMAGES} JPEG 1600x1200 -> 400x300`,
      IMAGES / resize.jpeg.seconds,
      'images/s',
      `median of ${RUNS}: ${resize.jpeg.seconds.toFixed(3)} s, sequential steps`,
    );
    emit('image_resize peak RSS', resize.peakRssMb, 'MB', 'whole child process');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
