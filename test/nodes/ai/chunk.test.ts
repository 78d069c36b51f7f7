import { describe, expect, test } from 'vitest';
import { chunkText, countWords, mergeChunks } from '../../../src/nodes/ai/chunk-text.js';
import { checkNode, runNode } from '../../helpers/nodes.js';

const chunk = async (text: string, cfg: Record<string, unknown> = {}) =>
  (await runNode('ai_chunk', { source_key: 'text', ...cfg }, { text })).chunks as string[];

describe('ai_chunk fixed', () => {
  test('cuts every `size` bytes without delimiters', async () => {
    expect(await chunk('abcdefghij', { size: 3 })).toEqual(['abc', 'def', 'ghi', 'j']);
    expect(await chunk('abc', { size: 3 })).toEqual(['abc']);
    expect(await chunk('abcd', { size: 0 })).toEqual(['a', 'b', 'c', 'd']);
  });
  test('default size is 4096 bytes', async () => {
    const out = await chunk('x'.repeat(10_000));
    expect(out.map((c) => c.length)).toEqual([4096, 4096, 1808]);
  });
  test('suffix mode: a chunk ends after the last delimiter of the window', async () => {
    expect(await chunk('the quick brown fox', { size: 8, delimiters: ' ' })).toEqual([
      'the ',
      'quick ',
      'brown ',
      'fox',
    ]);
  });
  test('prefix mode: the delimiter starts the next chunk', async () => {
    expect(await chunk('the quick brown fox', { size: 8, delimiters: ' ', prefix: true })).toEqual([
      'the',
      ' quick',
      ' brown',
      ' fox',
    ]);
  });
  test('a delimiter at offset 0 does not count; no delimiter cuts the whole window', async () => {
    expect(await chunk(' abcdefg', { size: 4, delimiters: ' ' })).toEqual([' abc', 'defg']);
    expect(await chunk('a.b.c.d.e', { size: 4, delimiters: '.' })).toEqual(['a.b.', 'c.d.', 'e']);
  });
  test('never cuts inside a multi-byte character (sizes are bytes)', async () => {
    expect(await chunk('ééééé', { size: 3 })).toEqual(['é', 'é', 'é', 'é', 'é']);
    expect(await chunk('ééééé', { size: 4 })).toEqual(['éé', 'éé', 'é']);
    expect(await chunk('日本語テキスト', { size: 7 })).toEqual(['日本', '語テ', 'キス', 'ト']);
    // A character larger than `size` stays whole.
    expect(await chunk('日😀a', { size: 1 })).toEqual(['日', '😀', 'a']);
    const text = 'Grüße aus Köln — 東京 😀 and more text, ünïcödé everywhere. '.repeat(40);
    for (const size of [1, 2, 3, 5, 7, 16, 100]) {
      for (const delimiters of ['', ' ', '.,']) {
        const out = await chunk(text, { size, delimiters });
        expect(out.join('')).toBe(text);
        expect(out.some((c) => c.includes('\uFFFD'))).toBe(false);
        for (const c of out) {
          const bytes = Buffer.byteLength(c);
          if (bytes > size) expect([...c].length).toBe(1);
        }
      }
    }
  });
  test('a non-ASCII delimiter is matched as a whole character', async () => {
    expect(await chunk('今日は晴れ。明日は雨。', { size: 20, delimiters: '。' })).toEqual([
      '今日は晴れ。',
      '明日は雨。',
    ]);
  });
  test('empty text gives no chunks; output_key names the keys', async () => {
    const out = await runNode('ai_chunk', { source_key: 't', output_key: 'parts' }, { t: '' });
    expect(out).toEqual({ parts: [], parts_count: 0, parts_success: true });
  });
});

/**
 * NODES 17.3 read literally, on UTF-8 bytes, plus the port's one change: a size cut that would fall inside a
 * character moves back to the character's start (or past it when it alone is larger than `size`).
 */
function referenceChunks(
  text: string,
  o: { mode: string; size: number; delimiters: string; prefix: boolean; minChars: number },
) {
  const b = Buffer.from(text, 'utf8');
  const n = b.length;
  const isDelim = (x: number) => o.delimiters.includes(String.fromCharCode(x));
  const cont = (i: number) => i < n && (b[i]! & 0xc0) === 0x80;
  const out: Array<[number, number]> = [];
  if (n === 0) return [];
  if (o.mode === 'fixed') {
    const size = Math.max(1, o.size);
    let p = 0;
    while (p < n) {
      if (n - p <= size) {
        out.push([p, n]);
        break;
      }
      let r = -1;
      for (let k = size - 1; k >= 0; k--) {
        if (isDelim(b[p + k]!)) {
          r = k;
          break;
        }
      }
      if (r <= 0) {
        let cut = p + size;
        while (cut > p && cont(cut)) cut--;
        if (cut === p) {
          cut = p + size;
          while (cont(cut)) cut++;
        }
        out.push([p, cut]);
        p = cut;
      } else if (!o.prefix) {
        out.push([p, p + r + 1]);
        p += r + 1;
      } else {
        out.push([p, p + r]);
        p += r;
      }
    }
  } else {
    let start = 0;
    for (let i = 0; i < n; i++) {
      if (o.delimiters !== '' && isDelim(b[i]!)) {
        out.push([start, i + 1]);
        start = i + 1;
      }
    }
    if (start < n) out.push([start, n]);
    if (o.minChars > 0 && out.length >= 2) {
      const merged: Array<[number, number]> = [out[0]!];
      for (const seg of out.slice(1)) {
        const last = merged.at(-1)!;
        if (last[1] - last[0] < o.minChars || seg[1] - seg[0] < o.minChars) last[1] = seg[1];
        else merged.push([seg[0], seg[1]]);
      }
      return merged.map(([a, z]) => b.toString('utf8', a, z));
    }
  }
  return out.map(([a, z]) => b.toString('utf8', a, z));
}

describe('ai_chunk matches the byte-level reference', () => {
  test('random texts, sizes, delimiters and modes', () => {
    let seed = 42;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const alphabet = [
      'a',
      'b',
      ' ',
      '.',
      '\n',
      '?',
      '-',
      ']',
      'é',
      'ß',
      '日',
      '本',
      '😀',
      '\u00a0',
      '^',
      '\\',
    ];
    for (let iter = 0; iter < 3000; iter++) {
      const ascii = iter % 3 === 0;
      let text = '';
      const len = rnd(120);
      for (let i = 0; i < len; i++) text += alphabet[rnd(ascii ? 8 : alphabet.length)];
      const opts = {
        mode: rnd(2) === 0 ? 'fixed' : 'split',
        size: rnd(24),
        delimiters: ['', ' ', '.', ' .\n', '\n.?', '?', '-]', '^\\'][rnd(8)]!,
        prefix: rnd(2) === 0,
        minChars: rnd(3) === 0 ? rnd(12) : 0,
      };
      const got = chunkText(text, opts as Parameters<typeof chunkText>[1]);
      expect([text, opts, got]).toEqual([text, opts, referenceChunks(text, opts)]);
    }
  });
});

describe('ai_chunk split', () => {
  test('cuts after every delimiter (default "\\n.?")', async () => {
    expect(await chunk('a.b?c\nd', { mode: 'split' })).toEqual(['a.', 'b?', 'c\n', 'd']);
    expect(await chunk('a..b', { mode: 'split' })).toEqual(['a.', '.', 'b']);
    expect(await chunk('end.', { mode: 'split' })).toEqual(['end.']);
    expect(await chunk('no delimiters', { mode: 'split', delimiters: '' })).toEqual(['no delimiters']);
  });
  test('min_chars merges a segment into the previous one while either is short (bytes)', async () => {
    expect(await chunk('Hi. This is long. Ok.', { mode: 'split', min_chars: 5 })).toEqual([
      'Hi. This is long. Ok.',
    ]);
    expect(await chunk('First one. Second one. Third.', { mode: 'split', min_chars: 8 })).toEqual([
      'First one.',
      ' Second one. Third.',
    ]);
    expect(await chunk('First one. Second one. Third one.', { mode: 'split', min_chars: 8 })).toEqual([
      'First one.',
      ' Second one.',
      ' Third one.',
    ]);
    expect(
      await chunk('A long sentence here. Another long one. x.', { mode: 'split', min_chars: 4 }),
    ).toEqual(['A long sentence here.', ' Another long one. x.']);
  });
  test('multi-byte text splits at ASCII delimiters untouched', async () => {
    expect(await chunk('Ça va? Très bien. 日本.', { mode: 'split' })).toEqual([
      'Ça va?',
      ' Très bien.',
      ' 日本.',
    ]);
  });
});

describe('ai_chunk errors', () => {
  test('source must be a string in the context', async () => {
    await expect(runNode('ai_chunk', { source_key: 'nope' }, {})).rejects.toThrow(
      "ai_chunk: source_key 'nope' not found or not a string in context",
    );
    await expect(runNode('ai_chunk', { source_key: 'n' }, { n: 5 })).rejects.toThrow(
      "ai_chunk: source_key 'n' not found or not a string in context",
    );
  });
  test('unknown mode and missing source_key are static errors', () => {
    expect(checkNode('ai_chunk', { source_key: 't', mode: 'words' })).toEqual([
      "ai_chunk: unsupported mode 'words' (use 'fixed' or 'split')",
    ]);
    expect(checkNode('ai_chunk', {})).toEqual(["ai_chunk requires 'source_key'"]);
  });
  test('source_key is interpolated', async () => {
    const out = await runNode(
      'ai_chunk',
      { source_key: '${ctx.which}', size: 2 },
      { which: 'doc', doc: 'abcd' },
    );
    expect(out.chunks).toEqual(['ab', 'cd']);
  });
});

describe('ai_chunk_merge', () => {
  test('counts whitespace-separated words', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('  one two\tthree\nfour  ')).toBe(4);
    expect(countWords('a\u00a0b\u3000c')).toBe(3);
  });
  test('greedy groups under the word budget, joined by blank lines', async () => {
    const out = await runNode(
      'ai_chunk_merge',
      { source_key: 'c', chunk_size: 4 },
      { c: ['one two', 'three', 'four five', 'six seven eight nine ten', 'eleven'] },
    );
    expect(out).toEqual({
      merged: ['one two\n\nthree', 'four five', 'six seven eight nine ten', 'eleven'],
      merged_count: 4,
      merged_success: true,
    });
  });
  test('default budget is 512 words; non-strings are JSON text', async () => {
    const out = await runNode(
      'ai_chunk_merge',
      { source_key: 'c', output_key: 'm' },
      { c: ['a b', { y: 1, x: 2 }, 7] },
    );
    expect(out.m).toEqual(['a b\n\n{"x":2,"y":1}\n\n7']);
    expect(mergeChunks([], 10)).toEqual([]);
  });
  test('errors keep the original texts', async () => {
    await expect(runNode('ai_chunk_merge', { source_key: 'c' }, {})).rejects.toThrow(
      "ai_chunk_merge: source_key 'c' not found in context",
    );
    await expect(runNode('ai_chunk_merge', { source_key: 'c' }, { c: 'text' })).rejects.toThrow(
      "ai_chunk_merge: source_key 'c' must be an array of strings",
    );
  });
});
