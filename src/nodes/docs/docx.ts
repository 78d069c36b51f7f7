// The DOCX model of NODES 14.1: paragraphs (style, list info, formatted runs) read from word/document.xml,
// list kinds from word/numbering.xml, core properties from docProps/core.xml, and the text/markdown views.
import { attr, decodeEntities, parseXml } from './xml.js';

export interface Run {
  text: string;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
}

export interface Paragraph {
  style?: string;
  /** Present when the paragraph has `w:numPr` (a list item). */
  list?: { level: number; numId?: string };
  runs: Run[];
}

interface OpenParagraph extends Paragraph {
  run?: Run;
}

/** A run property is on unless its `w:val` says off (`0`, `false`, `off`; `none` for underline). */
function isOn(attrs: string): boolean {
  const v = attr(attrs, 'w:val');
  return v === undefined || !/^(0|false|off|none)$/i.test(v.trim());
}

/**
 * Walk a WordprocessingML part. Keeps the element stack so rules can look at the parent (`w:pPr/w:pStyle`),
 * and skips `mc:Fallback` subtrees, which repeat the content of the preferred `mc:Choice`.
 */
function walk(
  xml: string,
  on: {
    open?(name: string, attrs: string, parent: string | undefined, grand: string | undefined): void;
    close?(name: string): void;
    text?(text: string, parent: string | undefined): void;
  },
): void {
  const stack: string[] = [];
  let skipAt = -1;
  parseXml(xml, {
    open(name, attrs) {
      if (skipAt === -1) {
        if (name === 'mc:Fallback') skipAt = stack.length;
        else on.open?.(name, attrs, stack[stack.length - 1], stack[stack.length - 2]);
      }
      stack.push(name);
    },
    close(name) {
      // Lenient: pop up to the matching element.
      while (stack.length) {
        const top = stack.pop()!;
        if (skipAt === -1) on.close?.(top);
        else if (stack.length === skipAt) skipAt = -1;
        if (top === name) break;
      }
    },
    text(raw, cdata) {
      if (skipAt !== -1 || !on.text) return;
      on.text(cdata ? raw : decodeEntities(raw), stack[stack.length - 1]);
    },
  });
}

/** Paragraphs of word/document.xml in document order (table cells included); empty ones dropped. */
export function parseDocument(xml: string): Paragraph[] {
  // A slot per paragraph at its start tag, so a text box paragraph (nested inside a run) comes after the
  // text that precedes it, not before its whole host paragraph.
  const out: Array<Paragraph | undefined> = [];
  const open: Array<OpenParagraph & { slot: number }> = [];
  const cur = () => open[open.length - 1];
  walk(xml, {
    open(name, attrs, parent, grand) {
      const p = cur();
      switch (name) {
        case 'w:p':
          open.push({ runs: [], slot: out.push(undefined) - 1 });
          return;
        case 'w:pStyle':
          if (p && parent === 'w:pPr' && grand === 'w:p') p.style = attr(attrs, 'w:val');
          return;
        case 'w:numPr':
          if (p && parent === 'w:pPr' && grand === 'w:p') p.list = { level: 0 };
          return;
        case 'w:ilvl':
          if (p?.list && parent === 'w:numPr')
            p.list.level = Number.parseInt(attr(attrs, 'w:val') ?? '0', 10) || 0;
          return;
        case 'w:numId':
          if (p?.list && parent === 'w:numPr') p.list.numId = attr(attrs, 'w:val');
          return;
        case 'w:r':
          if (p) p.run = { text: '', bold: false, italic: false, underline: false, strike: false };
          return;
        case 'w:b':
        case 'w:i':
        case 'w:u':
        case 'w:strike':
          if (p?.run && parent === 'w:rPr' && grand === 'w:r') {
            const on = isOn(attrs);
            if (name === 'w:b') p.run.bold = on;
            else if (name === 'w:i') p.run.italic = on;
            else if (name === 'w:u') p.run.underline = on;
            else p.run.strike = on;
          }
          return;
        case 'w:tab':
          if (p?.run && parent === 'w:r') p.run.text += '\t';
          return;
        case 'w:br':
        case 'w:cr':
          if (p?.run && parent === 'w:r') p.run.text += '\n';
          return;
      }
    },
    text(text, parent) {
      const run = cur()?.run;
      if (run && parent === 'w:t') run.text += text;
    },
    close(name) {
      const p = cur();
      if (name === 'w:r' && p?.run) {
        if (p.run.text !== '') p.runs.push(p.run);
        p.run = undefined;
      } else if (name === 'w:p') {
        const done = open.pop();
        if (done?.runs.length) {
          const para: Paragraph = { runs: done.runs };
          if (done.style !== undefined) para.style = done.style;
          if (done.list) para.list = done.list;
          out[done.slot] = para;
        }
      }
    },
  });
  return out.filter((x): x is Paragraph => x !== undefined);
}

/** Decides whether a list item is numbered, from word/numbering.xml. */
export type Numbering = (numId: string | undefined, level: number) => boolean;

/**
 * Read word/numbering.xml. A list is numbered when its level's `w:numFmt` is neither `bullet` nor `none`;
 * a level the abstract definition does not list falls back to the last `w:numFmt` of that definition.
 */
export function parseNumbering(xml: string | undefined): Numbering {
  const abstracts = new Map<string, { levels: Map<number, string>; last?: string }>();
  const nums = new Map<string, string>();
  if (xml !== undefined) {
    let abs: { levels: Map<number, string>; last?: string } | undefined;
    let level = 0;
    let numId: string | undefined;
    walk(xml, {
      open(name, attrs, parent) {
        if (name === 'w:abstractNum') {
          abs = { levels: new Map() };
          abstracts.set(attr(attrs, 'w:abstractNumId') ?? '', abs);
        } else if (name === 'w:lvl' && abs) level = Number.parseInt(attr(attrs, 'w:ilvl') ?? '0', 10) || 0;
        else if (name === 'w:numFmt' && abs) {
          const fmt = attr(attrs, 'w:val') ?? '';
          abs.last = fmt;
          if (parent === 'w:lvl') abs.levels.set(level, fmt);
        } else if (name === 'w:num') numId = attr(attrs, 'w:numId');
        else if (name === 'w:abstractNumId' && numId !== undefined && parent === 'w:num') {
          nums.set(numId, attr(attrs, 'w:val') ?? '');
        }
      },
      close(name) {
        if (name === 'w:abstractNum') abs = undefined;
        else if (name === 'w:num') numId = undefined;
      },
    });
  }
  return (id, lvl) => {
    if (id === undefined) return false;
    const a = abstracts.get(nums.get(id) ?? '');
    const fmt = a?.levels.get(lvl) ?? a?.last;
    return fmt !== undefined && fmt !== 'bullet' && fmt !== 'none';
  };
}

const CORE_FIELDS: Record<string, string> = {
  title: 'title',
  creator: 'author',
  subject: 'subject',
  description: 'description',
  keywords: 'keywords',
  lastModifiedBy: 'last_modified_by',
  created: 'created',
  modified: 'modified',
  revision: 'revision',
  category: 'category',
};

/** docProps/core.xml → `{title, author, …}`: values trimmed, empty ones omitted. */
export function parseCoreProperties(xml: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (xml === undefined) return out;
  const texts = new Map<string, string>();
  let depth = 0;
  let field: string | undefined;
  parseXml(xml, {
    open(name, _attrs, selfClosing) {
      depth++;
      if (depth === 2 && !selfClosing) {
        const local = name.slice(name.indexOf(':') + 1);
        field = Object.hasOwn(CORE_FIELDS, local) ? CORE_FIELDS[local] : undefined;
        if (field) texts.set(field, '');
      }
    },
    close() {
      if (depth === 2) field = undefined;
      depth--;
    },
    text(raw, cdata) {
      if (field) texts.set(field, texts.get(field)! + (cdata ? raw : decodeEntities(raw)));
    },
  });
  for (const [k, v] of texts) {
    const t = v.trim();
    if (t) out[k] = t;
  }
  return out;
}

export function docxText(paras: readonly Paragraph[]): string {
  return paras.map((p) => p.runs.map((r) => r.text).join('')).join('\n');
}

function headingLevel(style: string | undefined): number {
  if (!style) return 0;
  if (style === 'Title') return 1;
  if (style === 'Subtitle') return 2;
  const m = /^[Hh]eading([1-6])$/.exec(style);
  return m ? Number(m[1]) : 0;
}

/** Markdown of one run; markers hug the text so surrounding spaces stay outside (`a **b** c`). */
function formatRun(r: Run): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(r.text)!;
  let core = m[2]!;
  if (!core) return r.text;
  if (r.strike) core = `~~${core}~~`;
  if (r.bold && r.italic) core = `***${core}***`;
  else if (r.bold) core = `**${core}**`;
  else if (r.italic) core = `*${core}*`;
  return m[1] + core + m[3];
}

/** Runs split by Word for no visible reason are merged first, so `**He****llo**` does not happen. */
function paragraphMarkdown(runs: readonly Run[]): string {
  const merged: Run[] = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    if (last && last.bold === r.bold && last.italic === r.italic && last.strike === r.strike) {
      last.text += r.text;
    } else merged.push({ ...r });
  }
  return merged.map(formatRun).join('');
}

/**
 * NODES 14.1 markdown: headings (`Heading1..6`, `Title`, `Subtitle`) between blank lines, list items
 * indented two spaces per level with `- ` or a per-level counter that restarts after a non-list paragraph
 * (headings do not reset it; a shallower item resets deeper counters), other paragraphs as lines.
 */
export function docxMarkdown(paras: readonly Paragraph[], numbered: Numbering): string {
  const lines: string[] = [];
  let counters: number[] = [];
  for (const p of paras) {
    const text = paragraphMarkdown(p.runs);
    const level = headingLevel(p.style);
    if (level) {
      if (lines.length && lines[lines.length - 1] !== '') lines.push('');
      lines.push(`${'#'.repeat(level)} ${text}`, '');
    } else if (p.list && p.list.numId !== '0') {
      const lvl = p.list.level;
      counters.length = Math.min(counters.length, lvl + 1);
      let marker = '- ';
      if (numbered(p.list.numId, lvl)) {
        const n = (counters[lvl] ?? 0) + 1;
        counters[lvl] = n;
        marker = `${n}. `;
      }
      lines.push(`${'  '.repeat(lvl)}${marker}${text}`);
    } else {
      counters = [];
      lines.push(text);
    }
  }
  return lines.join('\n').trim();
}
