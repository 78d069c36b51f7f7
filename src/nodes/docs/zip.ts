// Reading a few named entries of a ZIP archive (a DOCX) with a hard cap on inflated bytes. The central
// directory gives each entry's declared size, which is checked before inflating; inflating is streamed in
// small slices and stops as soon as the real output passes the cap, so a lying header or a ZIP bomb costs
// at most the cap plus one slice of memory.

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

/** An entry declares or inflates to more bytes than allowed; the message says which and why. */
export class ZipLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipLimitError';
  }
}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 2 ** 32;

function need(b: Uint8Array, o: number, len: number, what: string): void {
  if (o < 0 || o + len > b.length) throw new ZipFormatError(`truncated archive (${what})`);
}

/** Find the central directory: offset and entry count, with ZIP64 records when present. */
function centralDirectory(b: Uint8Array): { offset: number; count: number } {
  const stop = Math.max(0, b.length - 22 - 65_535);
  let eocd = -1;
  for (let i = b.length - 22; i >= stop; i--) {
    if (u32(b, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw new ZipFormatError('not a ZIP archive (no end of central directory record)');
  let count = u16(b, eocd + 10);
  let offset = u32(b, eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && u32(b, eocd - 20) === 0x07064b50) {
    const z = Number(u64(b, eocd - 12));
    need(b, z, 56, 'ZIP64 end record');
    if (u32(b, z) !== 0x06064b50) throw new ZipFormatError('bad ZIP64 end of central directory record');
    count = u64(b, z + 32);
    offset = u64(b, z + 48);
  }
  return { offset, count };
}

/** The entries named in `wanted` that exist in the archive (others are not kept). */
export function findEntries(b: Uint8Array, wanted: readonly string[]): Map<string, ZipEntry> {
  const { offset, count } = centralDirectory(b);
  const want = new Set(wanted);
  const found = new Map<string, ZipEntry>();
  const dec = new TextDecoder();
  let o = offset;
  for (let k = 0; k < count; k++) {
    need(b, o, 46, 'central directory');
    if (u32(b, o) !== 0x02014b50) throw new ZipFormatError('bad central directory entry');
    const nameLen = u16(b, o + 28);
    const extraLen = u16(b, o + 30);
    const commentLen = u16(b, o + 32);
    need(b, o + 46, nameLen + extraLen, 'central directory entry');
    const name = dec.decode(b.subarray(o + 46, o + 46 + nameLen));
    if (want.has(name)) {
      let compressedSize = u32(b, o + 20);
      let size = u32(b, o + 24);
      let localOffset = u32(b, o + 42);
      // ZIP64 extra field: the 64-bit values follow in this order for the fields that are 0xFFFFFFFF.
      let e = o + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = u16(b, e);
        const len = u16(b, e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          const fEnd = e + 4 + len;
          if (size === 0xffffffff && f + 8 <= fEnd) {
            size = u64(b, f);
            f += 8;
          }
          if (compressedSize === 0xffffffff && f + 8 <= fEnd) {
            compressedSize = u64(b, f);
            f += 8;
          }
          if (localOffset === 0xffffffff && f + 8 <= fEnd) localOffset = u64(b, f);
        }
        e += 4 + len;
      }
      found.set(name, {
        name,
        method: u16(b, o + 10),
        flags: u16(b, o + 8),
        compressedSize,
        size,
        localOffset,
      });
    }
    o += 46 + nameLen + extraLen + commentLen;
  }
  return found;
}

type InflateCtor = typeof import('fflate').Inflate;

/**
 * Inflate one entry, failing with ZipLimitError as soon as it would produce more than `limit` bytes
 * (declared size first, then the real output). `limitName` names the limit in messages.
 */
export function readEntry(
  b: Uint8Array,
  entry: ZipEntry,
  limit: number,
  limitName: string,
  Inflate: InflateCtor,
): Uint8Array {
  if (entry.flags & 1) throw new ZipFormatError(`'${entry.name}' is encrypted`);
  const tooBig = () => new ZipLimitError(`'${entry.name}' inflates to more than ${limitName}`);
  if (entry.size > limit) {
    throw new ZipLimitError(
      `'${entry.name}' declares ${entry.size} bytes uncompressed, more than ${limitName}`,
    );
  }
  const lo = entry.localOffset;
  need(b, lo, 30, 'local header');
  if (u32(b, lo) !== 0x04034b50) throw new ZipFormatError(`bad local header for '${entry.name}'`);
  const start = lo + 30 + u16(b, lo + 26) + u16(b, lo + 28);
  need(b, start, entry.compressedSize, `data of '${entry.name}'`);
  const data = b.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length > limit) throw tooBig();
    return data;
  }
  if (entry.method !== 8) {
    throw new ZipFormatError(`'${entry.name}' uses unsupported compression method ${entry.method}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw tooBig();
    chunks.push(chunk);
    if (final) done = true;
  });
  // Small input slices keep each output burst small (deflate expands at most ~1032:1).
  const SLICE = 2048;
  try {
    for (let i = 0; i < data.length && !done; i += SLICE) {
      inflater.push(data.subarray(i, i + SLICE), i + SLICE >= data.length);
    }
  } catch (e) {
    if (e instanceof ZipLimitError) throw e;
    throw new ZipFormatError(`cannot inflate '${entry.name}': ${(e as Error).message}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
