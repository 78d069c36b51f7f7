// Reads Lua 5.4 precompiled chunks (the output of lua_dump) far enough to list the global variables a
// function reads and writes, with their lines: that is how `validate` warns about misspelled globals
// (IF-096) without running anything.

export interface GlobalAccess {
  name: string;
  line: number;
  write: boolean;
}

interface Proto {
  linedefined: number;
  code: Uint32Array;
  k: Array<string | number | boolean | null>;
  upvalNames: string[];
  protos: Proto[];
  lines: number[];
}

const OP_GETTABUP = 11;
const OP_SETTABUP = 15;
const ABSLINEINFO = -0x80;

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Error('truncated Lua chunk');
    return this.b[this.pos++]!;
  }
  size(): number {
    let x = 0;
    for (;;) {
      const b = this.byte();
      x = x * 128 + (b & 0x7f);
      if (b & 0x80) return x;
    }
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) throw new Error('truncated Lua chunk');
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  string(): string | null {
    const n = this.size();
    if (n === 0) return null;
    return Buffer.from(this.bytes(n - 1)).toString('utf8');
  }
}

function readFunction(r: Reader): Proto {
  r.string(); // source
  const linedefined = r.size();
  r.size(); // lastlinedefined
  r.byte(); // numparams
  r.byte(); // is_vararg
  r.byte(); // maxstacksize
  const ncode = r.size();
  const raw = r.bytes(ncode * 4);
  const code = new Uint32Array(ncode);
  for (let i = 0; i < ncode; i++) {
    code[i] =
      (raw[i * 4]! | (raw[i * 4 + 1]! << 8) | (raw[i * 4 + 2]! << 16) | (raw[i * 4 + 3]! << 24)) >>> 0;
  }
  const nk = r.size();
  const k: Proto['k'] = [];
  for (let i = 0; i < nk; i++) {
    const t = r.byte();
    if (t === 0x04 || t === 0x14) k.push(r.string() ?? '');
    else if (t === 0x13 || t === 0x03) {
      r.bytes(8);
      k.push(0);
    } else k.push(t === 0x11 ? true : t === 0x01 ? false : null);
  }
  const nup = r.size();
  r.bytes(nup * 3);
  const np = r.size();
  const protos: Proto[] = [];
  for (let i = 0; i < np; i++) protos.push(readFunction(r));
  const nli = r.size();
  const lineinfo = r.bytes(nli);
  const nabs = r.size();
  const abs: Array<{ pc: number; line: number }> = [];
  for (let i = 0; i < nabs; i++) abs.push({ pc: r.size(), line: r.size() });
  const nloc = r.size();
  for (let i = 0; i < nloc; i++) {
    r.string();
    r.size();
    r.size();
  }
  const nupn = r.size();
  const upvalNames: string[] = [];
  for (let i = 0; i < nupn; i++) upvalNames.push(r.string() ?? '');
  const lines: number[] = [];
  let line = linedefined;
  let ai = 0;
  for (let pc = 0; pc < nli; pc++) {
    const d = (lineinfo[pc]! << 24) >> 24;
    if (d === ABSLINEINFO) {
      while (ai < abs.length && abs[ai]!.pc < pc) ai++;
      line = abs[ai]?.line ?? line;
    } else line += d;
    lines.push(line);
  }
  return { linedefined, code, k, upvalNames, protos, lines };
}

/** Parse a dumped chunk (header checked) into its main function prototype. */
function parseChunk(chunk: Uint8Array): Proto {
  const r = new Reader(chunk);
  const sig = r.bytes(4);
  if (sig[0] !== 0x1b || sig[1] !== 0x4c || sig[2] !== 0x75 || sig[3] !== 0x61)
    throw new Error('not a Lua chunk');
  if (r.byte() !== 0x54 || r.byte() !== 0) throw new Error('not a Lua 5.4 chunk');
  r.bytes(6 + 3 + 8 + 8); // LUAC_DATA, sizes, LUAC_INT, LUAC_NUM
  r.byte(); // number of upvalues of the main closure
  return readFunction(r);
}

/** Every global read (GETTABUP on _ENV) and write (SETTABUP on _ENV) in a chunk and its nested functions. */
export function globalAccesses(chunk: Uint8Array): GlobalAccess[] {
  const out: GlobalAccess[] = [];
  const walk = (p: Proto) => {
    for (let pc = 0; pc < p.code.length; pc++) {
      const ins = p.code[pc]!;
      const op = ins & 0x7f;
      if (op === OP_GETTABUP) {
        const b = (ins >>> 16) & 0xff;
        const c = (ins >>> 24) & 0xff;
        const name = p.k[c];
        if (p.upvalNames[b] === '_ENV' && typeof name === 'string') {
          out.push({ name, line: p.lines[pc] ?? p.linedefined, write: false });
        }
      } else if (op === OP_SETTABUP) {
        const a = (ins >>> 7) & 0xff;
        const b = (ins >>> 16) & 0xff;
        const name = p.k[b];
        if (p.upvalNames[a] === '_ENV' && typeof name === 'string') {
          out.push({ name, line: p.lines[pc] ?? p.linedefined, write: true });
        }
      }
    }
    for (const child of p.protos) walk(child);
  };
  walk(parseChunk(chunk));
  return out;
}

/** String constants of a chunk (used as hints of the context keys a handler reads). */
export function stringConstants(chunk: Uint8Array): string[] {
  const out = new Set<string>();
  const walk = (p: Proto) => {
    for (const k of p.k) if (typeof k === 'string') out.add(k);
    for (const child of p.protos) walk(child);
  };
  walk(parseChunk(chunk));
  return [...out];
}
