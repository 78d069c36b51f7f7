// The single-character options shared by csv_parse and csv_stringify (NODES 9.4, 9.5).
import { NodeError } from '../../util/errors.js';

/**
 * The character a `delimiter` / `quote_char` value stands for: exactly one byte (one ASCII character), or
 * one of the two-character escapes `\t`, `\n`, `\r`. Undefined when the value breaks that rule.
 */
export function csvChar(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (v === '\\t') return '\t';
  if (v === '\\n') return '\n';
  if (v === '\\r') return '\r';
  return v.length === 1 && v.charCodeAt(0) < 0x80 ? v : undefined;
}

/** Static check of `delimiter` and `quote_char` literals (the messages of NODES 9.4). */
export function checkCsvChars(cfg: Record<string, unknown>): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const d = cfg.delimiter;
  const q = cfg.quote_char;
  if (typeof d === 'string' && csvChar(d) === undefined) {
    out.push({ path: '$.delimiter', message: 'delimiter must be a single-byte character' });
  }
  if (typeof q === 'string' && csvChar(q) === undefined) {
    out.push({ path: '$.quote_char', message: 'quote_char must be a single-byte character' });
  }
  const dc = csvChar(d ?? ',');
  if (dc !== undefined && dc === csvChar(q ?? '"')) {
    out.push({ path: '$.quote_char', message: 'quote_char must differ from delimiter' });
  }
  return out;
}

/** The delimiter and quote characters of a config; throws the first static problem. */
export function csvChars(cfg: { delimiter: string; quote_char: string }): {
  delimiter: string;
  quote: string;
} {
  const problem = checkCsvChars(cfg)[0];
  if (problem) throw new NodeError(problem.message);
  return { delimiter: csvChar(cfg.delimiter)!, quote: csvChar(cfg.quote_char)! };
}
