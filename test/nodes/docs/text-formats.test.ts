import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseTimestamp } from '../../../src/nodes/docs/subtitles.js';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { SAMPLE_HTML, SAMPLE_SRT, SAMPLE_VTT, tempDir } from './fixtures.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let vtt: string;
let srt: string;
let html: string;

beforeAll(async () => {
  tmp = await tempDir();
  vtt = await tmp.file('sample_subtitles.vtt', SAMPLE_VTT);
  srt = await tmp.file('sample_subtitles.srt', SAMPLE_SRT.replace(/\n/g, '\r\n'));
  html = await tmp.file('sample.html', SAMPLE_HTML);
});
afterAll(() => tmp.cleanup());

const VTT_CUES = [
  {
    start_ms: 0,
    end_ms: 3000,
    start: '00:00:00.000',
    end: '00:00:03.000',
    text: 'Welcome to IronFlow subtitle extraction.',
  },
  {
    start_ms: 3500,
    end_ms: 7250,
    start: '00:00:03.500',
    end: '00:00:07.250',
    text: 'Great to see you here, everyone.',
  },
  {
    start_ms: 3_725_000,
    end_ms: 3_726_123,
    start: '01:02:05.000',
    end: '01:02:06.123',
    text: 'Last &amp; final.',
  },
];

describe('extract_vtt', () => {
  test('cues, transcript, metadata: headers, NOTE blocks, identifiers, settings, tags, bad timings skipped', async () => {
    const out = await runNode('extract_vtt', { path: vtt, metadata_key: 'meta' });
    const transcript = VTT_CUES.map((c) => c.text).join('\n');
    expect(out).toEqual({
      transcript,
      cues: VTT_CUES,
      meta: { type: 'vtt', cue_count: 3, last_end_ms: 3_726_123, duration_ms: 3_726_123 },
    });
  });

  test('markdown with the default output_key overwrites transcript; custom keys', async () => {
    const md = VTT_CUES.map((c) => `- \`${c.start}\` -> \`${c.end}\`: ${c.text}`).join('\n');
    const a = await runNode('extract_vtt', { path: vtt, format: 'markdown' });
    expect(a.transcript).toBe(md);
    const b = await runNode('extract_vtt', {
      path: vtt,
      format: 'markdown',
      output_key: 'md',
      cues_key: 'c',
    });
    expect(b.transcript).toBe(VTT_CUES.map((c) => c.text).join('\n'));
    expect(b.md).toBe(md);
    expect(b.c).toEqual(VTT_CUES);
  });

  test('no cues: empty strings and []', async () => {
    const empty = await tmp.file('empty.vtt', 'WEBVTT\n\nNOTE nothing\n');
    expect(await runNode('extract_vtt', { path: empty, metadata_key: 'm' })).toEqual({
      transcript: '',
      cues: [],
      m: { type: 'vtt', cue_count: 0 },
    });
  });

  test('timestamps', () => {
    expect(parseTimestamp('01:02.5')).toBe(62_500);
    expect(parseTimestamp('100:00:00,1234')).toBe(360_000_123);
    expect(parseTimestamp('00:60:00.000')).toBeUndefined();
    expect(parseTimestamp('aa:bb')).toBeUndefined();
  });
});

describe('extract_srt', () => {
  test('comma milliseconds, CRLF, multi-line cue text, first_start_ms when > 0', async () => {
    const out = await runNode('extract_srt', { source_key: 'file', metadata_key: 'meta' }, { file: srt });
    expect(out.cues).toEqual([
      {
        start_ms: 1000,
        end_ms: 3000,
        start: '00:00:01.000',
        end: '00:00:03.000',
        text: 'Welcome to IronFlow subtitle extraction.',
      },
      {
        start_ms: 3500,
        end_ms: 7250,
        start: '00:00:03.500',
        end: '00:00:07.250',
        text: 'Great to see you in the second cue.',
      },
    ]);
    expect(out.transcript).toBe(
      'Welcome to IronFlow subtitle extraction.\nGreat to see you in the second cue.',
    );
    expect(out.meta).toEqual({
      type: 'srt',
      cue_count: 2,
      first_start_ms: 1000,
      last_end_ms: 7250,
      duration_ms: 6250,
    });
  });

  test('errors', async () => {
    await expect(runNode('extract_srt', { path: `${tmp.dir}/none.srt` })).rejects.toThrow(
      `Failed to read '${tmp.dir}/none.srt': `,
    );
    expect(checkNode('extract_srt', { path: 'a', format: 'json' })).toEqual([
      "extract_srt: unsupported format 'json'. Must be 'text' or 'markdown'.",
    ]);
  });
});

describe('extract_html', () => {
  test('metadata: first title, listed meta names/properties, raw values, later tags win', async () => {
    const out = await runNode('extract_html', { path: html, metadata_key: 'meta' });
    expect(out.meta).toEqual({
      title: 'Sample &amp; Page',
      author: 'Ann &amp; Bob',
      description: 'A page for tests',
      'og:title': 'OG Later',
    });
  });

  test('markdown: headings, bold, links, lists; no script or style content', async () => {
    const out = await runNode('extract_html', { path: html, format: 'markdown' });
    expect(out.content).toBe(
      [
        '# Main Heading',
        '',
        'Some **bold** text and [a link](https://example.com/x).',
        '',
        '- One',
        '- Two',
        '',
        '3. Three',
        '4. Four',
      ].join('\n'),
    );
  });

  test('text: sanitised, lines trimmed (Markdown markers stay, as upstream)', async () => {
    const out = await runNode('extract_html', { source_key: 'h', output_key: 'txt' }, { h: html });
    const text = out.txt as string;
    expect(text).toContain('# Main Heading');
    expect(text).toContain('Some **bold** text and [a link](https://example.com/x).');
    expect(text).not.toMatch(/secret|alert|color: red|Sample/);
    for (const line of text.split('\n')) expect(line).toBe(line.trim());
  });
});
