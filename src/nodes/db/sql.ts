// Turns the `query` of db_query/db_exec into SQL with native parameter markers and a list of slots that say
// where each bound value comes from. Context values never become SQL text (IF-039):
//
//   - `${ctx.path}` in SQL code         → one bound parameter holding the value (typed: number, boolean,
//                                          NULL when missing, objects/arrays as JSON text);
//   - `${ctx.path}` inside a '…' string → the string is split and concatenated with a bound parameter
//                                          holding the rendered text: 'Hi ${ctx.n}!' → ('Hi ' || ? || '!'),
//                                          and a string that is only a placeholder, '${ctx.n}', → ? ;
//   - inside a "quoted identifier"      → an error (identifiers cannot be parameters);
//   - inside a comment                  → dropped.
//   - `?` (SQLite also `?NNN`; PostgreSQL `$n`) → the items of `params`, in order.
//
// A small lexer knows the quoting rules of each dialect (SQLite: '…', "…", `…`, -- and /* */; PostgreSQL:
// also E'…' escapes, $tag$…$tag$ strings and nested comments), so markers inside strings and comments stay
// text. Compiled plans are cached by (dialect, number of params, query text).
import { parseTemplate, type Selector } from '../../engine/interpolate.js';
import type { Dialect } from './url.js';

export type Slot =
  | { kind: 'param'; index: number }
  | { kind: 'ctx'; path: readonly Selector[]; text: boolean };

/** SQL with native markers; SQLite: slot i feeds the i-th `?`; PostgreSQL: slot i feeds `$<i+1>`. */
export interface Plan {
  text: string;
  slots: Slot[];
}

/** A query that cannot be turned into a statement (wrong parameter count, placeholder in an identifier). */
export class PlanError extends Error {}

/**
 * A query that ended inside a transaction (a lone BEGIN). Connections are shared by all steps and runs, so
 * the transaction is rolled back and the step fails: a transaction must begin and end within one query.
 */
export class OpenTransactionError extends Error {
  constructor() {
    super(
      'the query left a transaction open, so it was rolled back; a transaction must begin and end within one query (a db_exec script such as BEGIN; …; COMMIT;)',
    );
  }
}

/** A db_query result over IRONFLOW_DB_MAX_ROWS. */
export class TooManyRowsError extends Error {
  constructor(max: number) {
    super(
      `the query returned more than ${max} rows (IRONFLOW_DB_MAX_ROWS); add a LIMIT, page with LIMIT/OFFSET, or raise the setting`,
    );
  }
}

type Token =
  | { t: 'sql'; s: string }
  | { t: 'qmark'; n?: number; raw: string }
  | { t: 'dollar'; n: number }
  | { t: 'ctx'; path: readonly Selector[] }
  | { t: 'lit'; open: string; close: string; pieces: Array<string | readonly Selector[]> };

type Mode = 'normal' | 'squote' | 'dquote' | 'backtick' | 'line' | 'block' | 'dollarq';

const isIdent = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_\u0080-\uffff]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** Split the query into SQL text, parameter markers, placeholders and strings that contain placeholders. */
function lex(query: string, dialect: Dialect): Token[] {
  const pg = dialect === 'postgres';
  const tokens: Token[] = [];
  let sql = '';
  let mode: Mode = 'normal';
  let depth = 0; // nested block comments (PostgreSQL)
  let backslash = false; // E'…' strings
  let open = '';
  let close = '';
  let body = '';
  let pieces: Array<string | readonly Selector[]> = [];
  const flush = () => {
    if (sql) tokens.push({ t: 'sql', s: sql });
    sql = '';
  };
  const endLiteral = () => {
    if (pieces.length === 0) sql += open + body + close;
    else {
      pieces.push(body);
      flush();
      tokens.push({ t: 'lit', open, close, pieces });
    }
    pieces = [];
    body = '';
    mode = 'normal';
  };

  for (const part of parseTemplate(query).template) {
    if (typeof part !== 'string') {
      if (mode === 'normal') {
        flush();
        tokens.push({ t: 'ctx', path: part });
      } else if (mode === 'squote' || mode === 'dollarq') {
        pieces.push(body, part);
        body = '';
      } else if (mode === 'dquote' || mode === 'backtick') {
        throw new PlanError(
          'a ${ctx…} placeholder cannot be used inside a quoted identifier: identifiers (table and column names) cannot be bound parameters',
        );
      }
      // In a comment: dropped, so a value can never end the comment early.
      continue;
    }
    const s = part;
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      const next = s[i + 1];
      switch (mode) {
        case 'normal':
          if (c === '-' && next === '-') {
            sql += '--';
            i += 2;
            mode = 'line';
          } else if (c === '/' && next === '*') {
            sql += '/*';
            i += 2;
            mode = 'block';
            depth = 1;
          } else if (c === "'") {
            open = "'";
            close = "'";
            backslash = false;
            // E'…' (PostgreSQL): backslash escapes; the prefix moves into the string's opening.
            const prev = sql[sql.length - 1];
            if (pg && (prev === 'E' || prev === 'e') && !isIdent(sql[sql.length - 2])) {
              sql = sql.slice(0, -1);
              open = `${prev}'`;
              backslash = true;
            }
            mode = 'squote';
            i++;
          } else if (c === '"') {
            sql += c;
            mode = 'dquote';
            i++;
          } else if (c === '`' && !pg) {
            sql += c;
            mode = 'backtick';
            i++;
          } else if (c === '?') {
            if (pg && (next === '|' || next === '&')) {
              sql += c + next; // jsonb operators ?| and ?&
              i += 2;
              continue;
            }
            let j = i + 1;
            if (!pg) while (isDigit(s[j])) j++;
            flush();
            tokens.push({
              t: 'qmark',
              n: j > i + 1 ? Number(s.slice(i + 1, j)) : undefined,
              raw: s.slice(i, j),
            });
            i = j;
          } else if (c === '$' && pg && !isIdent(sql[sql.length - 1])) {
            if (isDigit(next)) {
              let j = i + 1;
              while (isDigit(s[j])) j++;
              flush();
              tokens.push({ t: 'dollar', n: Number(s.slice(i + 1, j)) });
              i = j;
              continue;
            }
            DOLLAR_TAG.lastIndex = i;
            const m = DOLLAR_TAG.exec(s);
            if (m) {
              open = m[0];
              close = m[0];
              mode = 'dollarq';
              i += m[0].length;
            } else {
              sql += c;
              i++;
            }
          } else {
            sql += c;
            i++;
          }
          break;
        case 'squote':
          if (backslash && c === '\\') {
            body += s.slice(i, i + 2);
            i += 2;
          } else if (c === "'" && next === "'") {
            body += "''";
            i += 2;
          } else if (c === "'") {
            i++;
            endLiteral();
          } else {
            body += c;
            i++;
          }
          break;
        case 'dollarq':
          if (s.startsWith(close, i)) {
            i += close.length;
            endLiteral();
          } else {
            body += c;
            i++;
          }
          break;
        case 'dquote':
        case 'backtick': {
          const q = mode === 'dquote' ? '"' : '`';
          if (c === q && next === q) {
            sql += c + next;
            i += 2;
          } else {
            sql += c;
            i++;
            if (c === q) mode = 'normal';
          }
          break;
        }
        case 'line':
          sql += c;
          i++;
          if (c === '\n') mode = 'normal';
          break;
        case 'block':
          if (c === '*' && next === '/') {
            sql += '*/';
            i += 2;
            if (--depth === 0) mode = 'normal';
          } else if (pg && c === '/' && next === '*') {
            sql += '/*';
            i += 2;
            depth++;
          } else {
            sql += c;
            i++;
          }
          break;
      }
    }
  }
  // An unterminated string is left for the database to reject.
  if (mode === 'squote' || mode === 'dollarq') {
    sql += open + pieces.filter((x) => typeof x === 'string').join('') + body;
  }
  flush();
  return tokens;
}

function countError(used: number, given: number, dialect: Dialect): PlanError {
  const hint =
    dialect === 'postgres' && given > 0
      ? ' (in PostgreSQL, write $1, $2, … to keep ? as the jsonb operator)'
      : '';
  return new PlanError(
    `the query uses ${used} positional parameter(s) but 'params' has ${given} value(s)${hint}`,
  );
}

function compile(query: string, dialect: Dialect, paramCount: number): Plan {
  const tokens = lex(query, dialect);
  const slots: Slot[] = [];
  let text = '';
  if (dialect === 'sqlite') {
    // SQLite numbering: `?NNN` is parameter NNN; a bare `?` is one more than the largest number so far.
    let max = 0;
    const marker = (slot: Slot) => {
      slots.push(slot);
      return '?';
    };
    for (const tok of tokens) {
      if (tok.t === 'sql') text += tok.s;
      else if (tok.t === 'qmark') {
        if (tok.n !== undefined && tok.n < 1)
          throw new PlanError(`${tok.raw} is not a valid parameter number`);
        const n = tok.n ?? max + 1;
        max = Math.max(max, n);
        text += marker({ kind: 'param', index: n - 1 });
      } else if (tok.t === 'ctx') text += marker({ kind: 'ctx', path: tok.path, text: false });
      else if (tok.t === 'lit') text += literal(tok, (path) => marker({ kind: 'ctx', path, text: true }));
    }
    if (max !== paramCount) throw countError(max, paramCount, dialect);
    return { text, slots };
  }
  // PostgreSQL: `$n` are params; `?` are params only when the query has no `$n` and params is not empty
  // (otherwise `?` is the jsonb operator). Context placeholders are numbered after the params.
  const native = tokens.some((t) => t.t === 'dollar');
  const questions = !native && paramCount > 0;
  for (let i = 0; i < paramCount; i++) slots.push({ kind: 'param', index: i });
  const ctxMarker = (path: readonly Selector[], asText: boolean) => {
    slots.push({ kind: 'ctx', path, text: asText });
    return `$${slots.length}`;
  };
  let used = 0;
  for (const tok of tokens) {
    if (tok.t === 'sql') text += tok.s;
    else if (tok.t === 'qmark') {
      if (questions) text += `$${++used}`;
      else text += tok.raw;
    } else if (tok.t === 'dollar') {
      if (tok.n < 1) throw new PlanError(`$${tok.n} is not a valid parameter number`);
      used = Math.max(used, tok.n);
      text += `$${tok.n}`;
    } else if (tok.t === 'ctx') text += ctxMarker(tok.path, false);
    else if (tok.t === 'lit') text += literal(tok, (path) => ctxMarker(path, true));
  }
  if (used !== paramCount) throw countError(used, paramCount, dialect);
  return { text, slots };
}

/** A string with placeholders: its text pieces stay quoted, each placeholder becomes a marker. */
function literal(tok: Extract<Token, { t: 'lit' }>, marker: (path: readonly Selector[]) => string): string {
  const parts: string[] = [];
  for (const p of tok.pieces) {
    if (typeof p === 'string') {
      if (p !== '') parts.push(tok.open + p + tok.close);
    } else parts.push(marker(p));
  }
  if (parts.length === 1) return parts[0]!;
  return `(${parts.join(' || ')})`;
}

const cache = new Map<string, Plan>();
const CACHE_MAX = 1000;

/** The plan of `query` for `dialect` with `paramCount` positional params (cached). Throws PlanError. */
export function planSql(query: string, dialect: Dialect, paramCount: number): Plan {
  const key = `${dialect}\u0000${paramCount}\u0000${query}`;
  let plan = cache.get(key);
  if (!plan) {
    plan = compile(query, dialect, paramCount);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, plan);
  }
  return plan;
}

/** `ctx.a.b[0]` for messages. */
export function pathText(path: readonly Selector[]): string {
  let out = 'ctx';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  }
  return out;
}
