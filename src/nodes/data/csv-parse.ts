// csv_parse (NODES 9.4): CSV text from the context into rows (objects keyed by the header, or arrays).
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireString } from '../util.js';
import { checkCsvChars, csvChars } from './csv-options.js';
import { CsvSyntaxError, readCsv } from './csv-reader.js';
import { setField } from './object.js';

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * Type inference on one field (on its trimmed text): true/false (any case) -> boolean, empty -> "",
 * integer or float text -> number (NaN, inf and overflow -> null), anything else -> the trimmed string.
 */
export function inferCsvValue(raw: string): unknown {
  const len = raw.length;
  if (len === 0) return '';
  // trim() only when an end could be whitespace (ASCII space/control, or any non-ASCII character).
  const first = raw.charCodeAt(0);
  const last = raw.charCodeAt(len - 1);
  const t = first <= 32 || first >= 128 || last <= 32 || last >= 128 ? raw.trim() : raw;
  if (t === '') return '';
  const c = t.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    // Digit, sign or dot: an integer (the common case, checked without a regex), a float, a signed
    // inf/nan, or text.
    let i = c === 43 || c === 45 ? 1 : 0;
    const digitsFrom = i;
    while (i < t.length) {
      const d = t.charCodeAt(i);
      if (d < 48 || d > 57) break;
      i++;
    }
    if ((i === t.length && i > digitsFrom) || FLOAT.test(t)) {
      const v = Number(t);
      return Number.isFinite(v) ? v : null;
    }
    return NON_FINITE.test(t) ? null : t;
  }
  const lc = c | 32;
  if (lc === 116 || lc === 102) {
    // t / f: a boolean in any case, or text.
    if (t.length === 4 || t.length === 5) {
      const lower = t.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
    }
    return t;
  }
  if ((lc === 105 || lc === 110) && NON_FINITE.test(t)) return null;
  return t;
}

type RowBuilder = (fields: string[]) => Record<string, unknown>;

/** Most header columns for which a specialised row constructor is generated. */
const MAX_GENERATED_COLUMNS = 512;

/**
 * A function that turns a record with exactly `header.length` fields into an object. Objects built from one
 * object literal share their shape, which makes building 500,000 rows several times faster than assigning
 * keys one by one. The keys are embedded as JSON string literals (which cannot break out of the literal);
 * `__proto__` uses a computed key so that it stays an ordinary property. Undefined when code generation is
 * unavailable (e.g. --disallow-code-generation-from-strings): the caller then assigns keys one by one.
 */
function rowBuilder(header: string[], convert?: (s: string) => unknown): RowBuilder | undefined {
  if (header.length === 0 || header.length > MAX_GENERATED_COLUMNS) return undefined;
  const props = header.map((k, i) => {
    const name = k === '__proto__' ? '["__proto__"]' : JSON.stringify(k);
    return convert ? `${name}: c(f[${i}])` : `${name}: f[${i}]`;
  });
  try {
    const make = new Function('c', `return function row(f) { return { ${props.join(', ')} }; };`);
    return make(convert) as RowBuilder;
  } catch {
    return undefined;
  }
}

function allEmpty(fields: string[]): boolean {
  for (const f of fields) if (f !== '') return false;
  return true;
}

export const csvParse = defineNode({
  name: 'csv_parse',
  category: 'Data transform',
  description: 'Parse CSV text from the context into rows',
  params: {
    source_key: p.string({ description: 'Context key holding the CSV text', required: true }),
    output_key: p.string({ description: 'Context key of the parsed rows', required: true }),
    has_header: p.boolean({
      description: 'The first record names the columns (rows become objects); false gives arrays',
      default: true,
    }),
    delimiter: p.string({
      description: 'Field separator: one single-byte character, or \\t, \\n, \\r',
      default: ',',
    }),
    quote_char: p.string({ description: 'Quote character: one single-byte character', default: '"' }),
    trim: p.boolean({ description: 'Trim whitespace around header names and fields', default: false }),
    skip_empty_lines: p.boolean({
      description: 'Drop records whose fields are all empty (e.g. `,,`); blank lines are always skipped',
      default: true,
    }),
    infer_types: p.boolean({
      description: 'Turn true/false into booleans and numeric text into numbers (other text is trimmed)',
      default: false,
    }),
  },
  outputs: {
    '{output_key}':
      'array of objects keyed by header (extra fields of a long record: column_<n>, 1-based; a record with fewer fields than the header fails the step), or array of arrays without a header',
  },
  check: checkCsvChars,
  run(cfg, nc) {
    const text = requireString(nc.ctx, cfg.source_key);
    const chars = csvChars(cfg);
    const trim = cfg.trim;
    const infer = cfg.infer_types;
    const skipEmpty = cfg.skip_empty_lines;
    const rows: unknown[] = [];
    let header: string[] | undefined;
    let build: RowBuilder | undefined;
    try {
      // With a header every record is copied into an object, so the reader may reuse one array.
      readCsv(text, { ...chars, reuseArray: cfg.has_header }, (fields, line) => {
        if (trim) for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
        if (cfg.has_header && header === undefined) {
          header = fields.slice();
          build = rowBuilder(header, infer ? inferCsvValue : undefined);
          return;
        }
        if (skipEmpty && allEmpty(fields)) return;
        if (!header) {
          rows.push(infer ? fields.map(inferCsvValue) : fields);
          return;
        }
        if (build && fields.length === header.length) {
          rows.push(build(fields));
          return;
        }
        if (fields.length < header.length) {
          // A long record keeps its extra fields (column_<n>, NODES 9.4); a short one has lost fields or a
          // quote, and which column a value belongs to is then a guess.
          throw new CsvSyntaxError(
            line,
            `the record has ${fields.length} field(s) but the header has ${header.length}`,
          );
        }
        // A long record (or no generated builder): keys one by one.
        const row: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) {
          const key = i < header.length ? header[i]! : `column_${i + 1}`;
          setField(row, key, infer ? inferCsvValue(fields[i]!) : fields[i]);
        }
        rows.push(row);
      });
    } catch (e) {
      if (e instanceof CsvSyntaxError) {
        throw new NodeError(`Malformed CSV in '${cfg.source_key}' at ${e.message}`);
      }
      throw e;
    }
    return { [cfg.output_key]: rows };
  },
});
