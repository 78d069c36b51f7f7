// The text algorithms of ai_chunk and ai_chunk_merge (NODES 17.3, 17.4).
//
// Sizes are UTF-8 byte counts, as in the original, so ASCII text is cut exactly where the original cut it.
// Unlike the original, a cut never falls inside a multi-byte character: a size cut lands on the last
// character boundary inside the window (or just after the character when one character is larger than
// `size`), and a non-ASCII delimiter (`。`) is matched as a whole character, not byte by byte.
//
// The scan runs over the JS string and counts UTF-8 bytes per UTF-16 code unit (1, 2 or 3 bytes; 4 for a
// surrogate pair; a lone surrogate is 3, as its U+FFFD replacement), so the text is never encoded or
// decoded: chunks are string slices.

export interface ChunkOptions {
  mode: 'fixed' | 'split';
  size: number;
  /** Each character is a delimiter. */
  delimiters: string;
  prefix: boolean;
  minChars: number;
}

class Delimiters {
  readonly ascii = new Uint8Array(128);
  readonly other = new Set<number>();
  readonly empty: boolean;

  constructor(chars: string) {
    this.empty = chars.length === 0;
    for (const ch of chars) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x80) this.ascii[cp] = 1;
      else this.other.add(cp);
    }
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Code-unit length (1 or 2) of the delimiter starting at index `i`, or 0. A low surrogate that belongs to a
 * pair is not a character start.
 */
function delimiterAt(text: string, i: number, d: Delimiters): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) return d.ascii[c]!;
  if (d.other.size === 0) return 0;
  if (isHigh(c) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
    return d.other.has(text.codePointAt(i)!) ? 2 : 0;
  }
  if (isLow(c) && i > 0 && isHigh(text.charCodeAt(i - 1))) return 0;
  return d.other.has(c) ? 1 : 0;
}

/** Code units of the character at `i`: 2 for a surrogate pair, else 1. */
function unitsAt(text: string, i: number): number {
  return isHigh(text.charCodeAt(i)) && i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
}

/**
 * End (code-unit index) of the longest run of whole characters from `pos` that fits in `step` UTF-8 bytes.
 * Equal to `pos` when the first character alone is larger than `step`.
 */
function windowEnd(text: string, pos: number, step: number, ascii: boolean): number {
  const n = text.length;
  if (ascii) return Math.min(n, pos + step);
  let end = pos;
  let bytes = 0;
  while (end < n) {
    const c = text.charCodeAt(end);
    let b = 1;
    let u = 1;
    if (c >= 0x80) {
      if (c < 0x800) b = 2;
      else if (c >= 0xd800 && c <= 0xdbff && end + 1 < n && isLow(text.charCodeAt(end + 1))) {
        b = 4;
        u = 2;
      } else b = 3;
    }
    if (bytes + b > step) break;
    bytes += b;
    end += u;
  }
  return end;
}

/** Code-unit ranges [start, end) of the `fixed` strategy. */
function fixedRanges(text: string, size: number, d: Delimiters, prefix: boolean, ascii: boolean): number[] {
  const n = text.length;
  const step = Math.max(1, size);
  const out: number[] = [];
  let pos = 0;
  while (pos < n) {
    const end = windowEnd(text, pos, step, ascii);
    if (end >= n) {
      out.push(pos, n);
      break;
    }
    let cut = -1;
    if (!d.empty) {
      // The last delimiter of the window; one at offset 0 does not count.
      for (let q = end - 1; q > pos; q--) {
        const len = delimiterAt(text, q, d);
        if (len === 0) continue;
        cut = prefix ? q : q + len;
        break;
      }
    }
    // No delimiter: the whole window, or one character larger than `size`.
    if (cut < 0) cut = end > pos ? end : pos + unitsAt(text, pos);
    out.push(pos, cut);
    pos = cut;
  }
  return out;
}

function escapeClass(ch: string): string {
  return /[\\\][^-]/.test(ch) ? `\\${ch}` : ch;
}

/** Code-unit ranges of the `split` strategy: cut after every delimiter, then merge short segments. */
function splitRanges(text: string, delimiters: string, minChars: number, ascii: boolean): number[] {
  const n = text.length;
  const seg: number[] = [];
  if (delimiters === '') seg.push(0, n);
  else {
    // One character class; the `u` flag keeps surrogate pairs whole.
    const re = new RegExp(`[${[...delimiters].map(escapeClass).join('')}]`, 'gu');
    let start = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const end = m.index + m[0].length;
      seg.push(start, end);
      start = end;
    }
    if (start < n) seg.push(start, n);
  }
  if (minChars <= 0 || seg.length < 4) return seg;
  const bytes = (k: number) =>
    ascii ? seg[k + 1]! - seg[k]! : Buffer.byteLength(text.slice(seg[k], seg[k + 1]), 'utf8');
  // Append a segment to the previous output when either of them is shorter than min_chars (bytes).
  const out: number[] = [seg[0]!, seg[1]!];
  let prevLen = bytes(0);
  for (let k = 2; k < seg.length; k += 2) {
    const curLen = bytes(k);
    if (prevLen < minChars || curLen < minChars) {
      out[out.length - 1] = seg[k + 1]!;
      prevLen += curLen;
    } else {
      out.push(seg[k]!, seg[k + 1]!);
      prevLen = curLen;
    }
  }
  return out;
}

/** The chunks of `text` (NODES 17.3). */
export function chunkText(text: string, o: ChunkOptions): string[] {
  if (text === '') return [];
  const ascii = !NON_ASCII.test(text);
  const r =
    o.mode === 'fixed'
      ? fixedRanges(text, o.size, new Delimiters(o.delimiters), o.prefix, ascii)
      : splitRanges(text, o.delimiters, o.minChars, ascii);
  const out: string[] = new Array(r.length / 2);
  for (let k = 0; k < r.length; k += 2) out[k / 2] = text.slice(r[k], r[k + 1]);
  return out;
}

/** Unicode White_Space (what the original's word split used). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Tokens as the original counted them: whitespace-separated words. */
export function countWords(s: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const sp = c <= 32 ? c === 32 || (c >= 9 && c <= 13) : c >= 0x85 && isSpace(c);
    if (!sp && !inWord) words++;
    inWord = !sp;
  }
  return words;
}

/** Greedy merge of chunks into groups of at most `budget` words (a bigger chunk stays alone). */
export function mergeChunks(chunks: readonly string[], budget: number): string[] {
  const out: string[] = [];
  let group: string[] = [];
  let tokens = 0;
  for (const c of chunks) {
    const t = countWords(c);
    if (group.length > 0 && tokens + t > budget) {
      out.push(group.join('\n\n'));
      group = [];
      tokens = 0;
    }
    group.push(c);
    tokens += t;
  }
  if (group.length > 0) out.push(group.join('\n\n'));
  return out;
}
