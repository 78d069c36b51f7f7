// csv_stringify (NODES 9.5): an object or an array (of objects, arrays or scalars) into CSV text.
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';
import { checkCsvChars, csvChars } from './csv-options.js';

/** Field text: null -> empty, strings raw, numbers and booleans as text, arrays/objects as sorted JSON. */
function fieldText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return canonicalJson(v);
}

/** The header and the data records of a value, as NODES 9.5 lays out each shape. */
function tabulate(value: unknown): { header: string[]; records: unknown[][] } {
  if (isPlainObject(value)) {
    const header = Object.keys(value).sort();
    return { header, records: [header.map((k) => value[k])] };
  }
  const items = value as unknown[];
  let objects = 0;
  let arrays = 0;
  for (const item of items) {
    if (Array.isArray(item)) arrays++;
    else if (isPlainObject(item)) objects++;
  }
  const scalars = items.length - objects - arrays;
  if ((objects > 0 ? 1 : 0) + (arrays > 0 ? 1 : 0) + (scalars > 0 ? 1 : 0) > 1) {
    throw new NodeError('csv_stringify array must contain only objects, only arrays, or only scalar values');
  }
  if (objects > 0) {
    const keys = new Set<string>();
    for (const item of items) for (const k of Object.keys(item as object)) keys.add(k);
    const header = [...keys].sort();
    const records = items.map((item) => {
      const o = item as Record<string, unknown>;
      return header.map((k) => (Object.hasOwn(o, k) ? o[k] : null));
    });
    return { header, records };
  }
  if (arrays > 0) {
    let width = 0;
    for (const item of items) width = Math.max(width, (item as unknown[]).length);
    const header = Array.from({ length: width }, (_, i) => `column_${i + 1}`);
    const records = items.map((item) => {
      const row = item as unknown[];
      return row.length === width ? row : [...row, ...new Array<null>(width - row.length).fill(null)];
    });
    return { header, records };
  }
  return { header: ['value'], records: items.map((v) => [v]) };
}

export const csvStringify = defineNode({
  name: 'csv_stringify',
  category: 'Data transform',
  description: 'Serialize an object or an array of rows to CSV text',
  params: {
    source_key: p.string({
      description: 'Context key of an object, or an array of objects, arrays or scalars',
      required: true,
    }),
    output_key: p.string({ description: 'Context key of the CSV text', required: true }),
    delimiter: p.string({
      description: 'Field separator: one single-byte character, or \\t, \\n, \\r',
      default: ',',
    }),
    quote_char: p.string({ description: 'Quote character: one single-byte character', default: '"' }),
    include_headers: p.boolean({ description: 'Write the header record first', default: true }),
    quote_all: p.boolean({
      description: 'Quote every field (default: only fields that need it)',
      default: false,
    }),
  },
  outputs: {
    '{output_key}':
      'CSV text, every record (header included) ending with \\n; headers are sorted object keys, column_1..N for arrays, value for scalars',
  },
  check: checkCsvChars,
  run(cfg, nc) {
    const value = requireKey(nc.ctx, cfg.source_key);
    if (!isPlainObject(value) && !Array.isArray(value)) {
      throw new NodeError("csv_stringify requires 'source_key' to contain an object or array");
    }
    const { delimiter, quote } = csvChars(cfg);
    const { header, records } = tabulate(value);
    const doubled = quote + quote;
    const dc = delimiter.charCodeAt(0);
    const qc = quote.charCodeAt(0);
    const needsQuotes = (s: string): boolean => {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === dc || c === qc || c === 10 || c === 13) return true;
      }
      return false;
    };
    const quoted = (s: string) => quote + s.split(quote).join(doubled) + quote;
    const line = (fields: unknown[]): string => {
      // A record of one empty field (or none) is written as "" so that it does not read back as a blank line.
      if (fields.length === 0) return quote + quote;
      if (fields.length === 1 && !cfg.quote_all) {
        const s = fieldText(fields[0]);
        return s === '' ? quote + quote : needsQuotes(s) ? quoted(s) : s;
      }
      let out = '';
      for (let i = 0; i < fields.length; i++) {
        const s = fieldText(fields[i]);
        if (i > 0) out += delimiter;
        out += cfg.quote_all || needsQuotes(s) ? quoted(s) : s;
      }
      return out;
    };
    const lines: string[] = [];
    if (cfg.include_headers) lines.push(line(header));
    for (const r of records) lines.push(line(r));
    return { [cfg.output_key]: lines.length === 0 ? '' : `${lines.join('\n')}\n` };
  },
});
