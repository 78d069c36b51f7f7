// A small, fast XML tokenizer for the parts of a DOCX. It never expands DOCTYPE entities (no "billion
// laughs"), decodes the five predefined entities and character references, and reports elements by their
// qualified name (`w:p`), which is how WordprocessingML is addressed.

export interface XmlHandler {
  /** `attrs` is the raw attribute text; read values with `attr()`. */
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Character data: `raw` still has entity references unless `cdata` is true. */
  text(raw: string, cdata: boolean): void;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function fromCodePoint(cp: number): string {
  if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD';
  return String.fromCodePoint(cp);
}

/** Decode `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;` and `&#xHH;`; other `&…;` stay as they are. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      return fromCodePoint(Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10));
    }
    return NAMED[ref] ?? whole;
  });
}

/** The decoded value of attribute `name` (qualified, e.g. `w:val`) in a raw attribute string. */
export function attr(attrs: string, name: string): string | undefined {
  let from = 0;
  for (;;) {
    const at = attrs.indexOf(name, from);
    if (at === -1) return undefined;
    from = at + name.length;
    const before = at === 0 ? ' ' : attrs[at - 1]!;
    if (!/\s/.test(before)) continue;
    let i = from;
    while (i < attrs.length && /\s/.test(attrs[i]!)) i++;
    if (attrs[i] !== '=') continue;
    i++;
    while (i < attrs.length && /\s/.test(attrs[i]!)) i++;
    const q = attrs[i];
    if (q !== '"' && q !== "'") continue;
    const end = attrs.indexOf(q, i + 1);
    if (end === -1) return undefined;
    return decodeEntities(attrs.slice(i + 1, end));
  }
}

/** Index of the `>` that ends a tag starting at `i`, skipping quoted attribute values. */
function tagEnd(src: string, i: number): number {
  let quote = 0;
  for (let j = i; j < src.length; j++) {
    const c = src.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return j;
  }
  return -1;
}

function skipTo(src: string, i: number, marker: string, what: string): number {
  const end = src.indexOf(marker, i);
  if (end === -1) throw new XmlError(`unterminated ${what}`);
  return end + marker.length;
}

/** Walk `src`, calling the handler for every element and text run. Throws XmlError on broken markup. */
export function parseXml(src: string, h: XmlHandler): void {
  let i = 0;
  const n = src.length;
  while (i < n) {
    const lt = src.indexOf('<', i);
    if (lt === -1) {
      h.text(src.slice(i), false);
      break;
    }
    if (lt > i) h.text(src.slice(i, lt), false);
    const c1 = src.charCodeAt(lt + 1);
    if (c1 === 33 /* ! */) {
      if (src.startsWith('<!--', lt)) i = skipTo(src, lt + 4, '-->', 'comment');
      else if (src.startsWith('<![CDATA[', lt)) {
        const end = src.indexOf(']]>', lt + 9);
        if (end === -1) throw new XmlError('unterminated CDATA section');
        h.text(src.slice(lt + 9, end), true);
        i = end + 3;
      } else {
        // DOCTYPE (with an optional internal subset in brackets): skipped, never expanded.
        const bracket = src.indexOf('[', lt);
        const gt = src.indexOf('>', lt);
        if (gt === -1) throw new XmlError('unterminated declaration');
        i = bracket !== -1 && bracket < gt ? skipTo(src, bracket, ']>', 'DOCTYPE') : gt + 1;
      }
      continue;
    }
    if (c1 === 63 /* ? */) {
      i = skipTo(src, lt + 2, '?>', 'processing instruction');
      continue;
    }
    const gt = tagEnd(src, lt + 1);
    if (gt === -1) throw new XmlError('unterminated tag');
    if (c1 === 47 /* / */) {
      h.close(src.slice(lt + 2, gt).trim());
      i = gt + 1;
      continue;
    }
    let inner = src.slice(lt + 1, gt);
    const selfClosing = inner.endsWith('/');
    if (selfClosing) inner = inner.slice(0, -1);
    const m = /^[^\s/>]+/.exec(inner);
    if (!m) throw new XmlError('element without a name');
    const name = m[0];
    h.open(name, inner.slice(name.length), selfClosing);
    if (selfClosing) h.close(name);
    i = gt + 1;
  }
}
