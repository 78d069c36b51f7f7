// PDF text strings (the Info dictionary): UTF-16BE with a BOM, UTF-16LE or UTF-8 with a BOM, else
// PDFDocEncoding (PDF 32000-1, Annex D). Upstream decoded them as lossy UTF-8 (NODES 14.2 [bug]).

/** PDFDocEncoding code points that differ from Latin-1 (0x18-0x1F, 0x80-0xA0); undefined codes → U+FFFD. */
const PDFDOC_HIGH = new Map<number, number>([
  [0x18, 0x02d8],
  [0x19, 0x02c7],
  [0x1a, 0x02c6],
  [0x1b, 0x02d9],
  [0x1c, 0x02dd],
  [0x1d, 0x02db],
  [0x1e, 0x02da],
  [0x1f, 0x02dc],
  [0x7f, 0xfffd],
  [0x80, 0x2022],
  [0x81, 0x2020],
  [0x82, 0x2021],
  [0x83, 0x2026],
  [0x84, 0x2014],
  [0x85, 0x2013],
  [0x86, 0x0192],
  [0x87, 0x2044],
  [0x88, 0x2039],
  [0x89, 0x203a],
  [0x8a, 0x2212],
  [0x8b, 0x2030],
  [0x8c, 0x201e],
  [0x8d, 0x201c],
  [0x8e, 0x201d],
  [0x8f, 0x2018],
  [0x90, 0x2019],
  [0x91, 0x201a],
  [0x92, 0x2122],
  [0x93, 0xfb01],
  [0x94, 0xfb02],
  [0x95, 0x0141],
  [0x96, 0x0152],
  [0x97, 0x0160],
  [0x98, 0x0178],
  [0x99, 0x017d],
  [0x9a, 0x0131],
  [0x9b, 0x0142],
  [0x9c, 0x0153],
  [0x9d, 0x0161],
  [0x9e, 0x017e],
  [0x9f, 0xfffd],
  [0xa0, 0x20ac],
  [0xad, 0xfffd],
]);

function utf16(bytes: Uint8Array, bigEndian: boolean): string {
  const n = bytes.length & ~1;
  const swapped = new Uint8Array(n);
  for (let i = 0; i < n; i += 2) {
    swapped[i] = bigEndian ? bytes[i + 1]! : bytes[i]!;
    swapped[i + 1] = bigEndian ? bytes[i]! : bytes[i + 1]!;
  }
  // UTF-16 text strings may carry language tags: ESC (U+001B) lang ESC; they are not text.
  return new TextDecoder('utf-16le').decode(swapped).replace(/\u001b[^\u001b]*\u001b/g, '');
}

/** Decode the raw bytes of a PDF text string. */
export function decodePdfString(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return utf16(bytes.subarray(2), true);
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return utf16(bytes.subarray(2), false);
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  }
  let out = '';
  for (const b of bytes) out += String.fromCharCode(PDFDOC_HIGH.get(b) ?? b);
  return out;
}
