import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { docxWithBody, makeDocx, makeZipBomb, tempDir } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let sample: string;

beforeAll(async () => {
  tmp = await tempDir();
  sample = await tmp.file('sample.docx', makeDocx());
});
afterAll(() => tmp.cleanup());
afterEach(() => {
  overrideSetting('IRONFLOW_MAX_DOCX_UNCOMPRESSED_BYTES', undefined);
  overrideSetting('IRONFLOW_MAX_DOCUMENT_BYTES', undefined);
});

const TEXT = [
  'Technology Comparison Matrix',
  'Overview',
  'Plain, bold, italic, both, struck and underlined and not boldTab\tand break\nnext line',
  'Research & Development <R&D> — café',
  'Bullet one',
  'Nested bullet',
  'Bullet two',
  'Steps',
  'First step',
  'Second step',
  'Interlude heading',
  'Third step',
  'A normal paragraph between lists.',
  'Restarted one',
  'Restarted two',
  'Cell A',
  'Cell B',
  'Box: ',
  'Inside the box',
  'The end.',
].join('\n');

const MARKDOWN = [
  '# Technology Comparison Matrix',
  '',
  '# Overview',
  '',
  'Plain, **bold**, *italic*, ***both***, ~~struck~~ and underlined and not boldTab\tand break\nnext line',
  'Research & Development <R&D> — café',
  '- Bullet one',
  '  - Nested bullet',
  '- Bullet two',
  '',
  '## Steps',
  '',
  '1. First step',
  '2. Second step',
  '',
  '### Interlude heading',
  '',
  '3. Third step',
  'A normal paragraph between lists.',
  '1. Restarted one',
  '2. Restarted two',
  'Cell A',
  'Cell B',
  'Box: ',
  'Inside the box',
  'The end.',
].join('\n');

describe('extract_word', () => {
  test('text: paragraphs in order, entities decoded, tabs and breaks, no empty paragraphs, no duplicates', async () => {
    const out = await runNode('extract_word', { path: sample });
    expect(out).toEqual({ content: TEXT });
  });

  test('markdown: headings, run formatting, bullet and numbered lists with counter restart', async () => {
    const out = await runNode('extract_word', { path: sample, format: 'markdown', output_key: 'md' });
    expect(out.md).toBe(MARKDOWN);
  });

  test('metadata from docProps/core.xml: mapped, trimmed, empty omitted, entities decoded', async () => {
    const out = await runNode('extract_word', { path: sample, metadata_key: 'meta' });
    expect(out.meta).toEqual({
      title: 'Tech & Tools',
      author: 'Un-named',
      keywords: 'docx, test',
      last_modified_by: 'Zoë',
      created: '2024-01-02T03:04:05Z',
      revision: '3',
    });
    const noCore = await tmp.file('nocore.docx', makeDocx({ 'docProps/core.xml': null }));
    expect((await runNode('extract_word', { path: noCore, metadata_key: 'meta' })).meta).toEqual({});
  });

  test('source_key names a context key holding the path (not interpolated)', async () => {
    const out = await runNode('extract_word', { source_key: 'doc' }, { doc: sample });
    expect(out.content).toBe(TEXT);
    await expect(runNode('extract_word', { source_key: 'doc' }, { doc: 42 })).rejects.toThrow(
      "Context key 'doc' must be a string (file path)",
    );
    await expect(runNode('extract_word', { source_key: 'nope' }, {})).rejects.toThrow(
      "Key 'nope' not found in context",
    );
  });

  test('path is interpolated', async () => {
    const out = await runNode('extract_word', { path: '${ctx.dir}/sample.docx' }, { dir: tmp.dir });
    expect(out.content).toBe(TEXT);
  });

  test('static checks: one-of source, format', () => {
    expect(checkNode('extract_word', {})).toEqual(["extract_word requires either 'path' or 'source_key'"]);
    expect(checkNode('extract_word', { path: 'a', source_key: 'b' })).toEqual([
      "extract_word accepts either 'path' or 'source_key', not both",
    ]);
    expect(checkNode('extract_word', { path: 'a', format: 'html' })).toEqual([
      "extract_word: unsupported format 'html'. Must be 'text' or 'markdown'.",
    ]);
    expect(checkNode('extract_word', { path: 'a', format: 'Markdown' })).toEqual([]);
  });

  test('read and archive errors', async () => {
    const missing = `${tmp.dir}/missing.docx`;
    await expect(runNode('extract_word', { path: missing })).rejects.toThrow(`Failed to open '${missing}': `);
    const notZip = await tmp.file('not.docx', 'just text, not a zip');
    await expect(runNode('extract_word', { path: notZip })).rejects.toThrow(
      `Failed to read DOCX archive '${notZip}': not a ZIP archive`,
    );
    const noDoc = await tmp.file('nodoc.docx', makeDocx({ 'word/document.xml': null }));
    await expect(runNode('extract_word', { path: noDoc })).rejects.toThrow('Missing word/document.xml: ');
  });

  test('list kinds follow numbering.xml per level; unknown numbering is a bullet; numId 0 is no list', async () => {
    const item = (numId: number, lvl: number, t: string) =>
      `<w:p><w:pPr><w:numPr><w:ilvl w:val="${lvl}"/><w:numId w:val="${numId}"/></w:numPr></w:pPr><w:r><w:t>${t}</w:t></w:r></w:p>`;
    const body =
      item(2, 0, 'a') +
      item(2, 1, 'a1') +
      item(2, 1, 'a2') +
      item(2, 0, 'b') +
      item(2, 1, 'b1') +
      item(9, 0, 'x') +
      item(0, 0, 'y');
    const path = await tmp.file('lists.docx', docxWithBody(body));
    const out = await runNode('extract_word', { path, format: 'markdown' });
    expect(out.content).toBe(['1. a', '  1. a1', '  2. a2', '2. b', '  1. b1', '- x', 'y'].join('\n'));
  });

  test('ZIP bomb: declared size over the limit is refused before inflating', async () => {
    // 1 GiB declared by the central directory, the default limit is 100 MiB.
    const path = await tmp.file('declared.docx', makeZipBomb(1, 1_073_741_824));
    await expect(runNode('extract_word', { path })).rejects.toThrow(
      /Failed to read DOCX archive .*'word\/document\.xml' declares 1073741824 bytes uncompressed, more than IRONFLOW_MAX_DOCX_UNCOMPRESSED_BYTES \(104857600 bytes\)/,
    );
  });

  test('ZIP bomb: a lying header is stopped while inflating', async () => {
    overrideSetting('IRONFLOW_MAX_DOCX_UNCOMPRESSED_BYTES', 2_000_000);
    const path = await tmp.file('lying.docx', makeZipBomb(16, 100));
    const before = process.memoryUsage().arrayBuffers;
    await expect(runNode('extract_word', { path })).rejects.toThrow(
      /'word\/document\.xml' inflates to more than IRONFLOW_MAX_DOCX_UNCOMPRESSED_BYTES \(2000000 bytes\)/,
    );
    // The 16 MiB document was never materialised (only the cap plus one output burst at most).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(12_000_000);
  });

  test('document byte limit is checked before reading', async () => {
    overrideSetting('IRONFLOW_MAX_DOCUMENT_BYTES', 100);
    await expect(runNode('extract_word', { path: sample })).rejects.toThrow(
      `extract_word: '${sample}' is larger than IRONFLOW_MAX_DOCUMENT_BYTES (100 bytes)`,
    );
  });

  test('malformed XML is an archive error', async () => {
    const path = await tmp.file(
      'bad.docx',
      makeDocx({ 'word/document.xml': '<w:document><w:body><w:p><w:r><w:t>x</w:t' }),
    );
    await expect(runNode('extract_word', { path })).rejects.toThrow(
      `Failed to read DOCX archive '${path}': malformed XML`,
    );
  });
});
