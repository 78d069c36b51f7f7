// Dotenv loading (CORE 7.2, IF-018): the whole file is parsed before anything is applied; the first of
// duplicate keys wins; variables already in the environment win; a malformed or unreadable file is an
// error that never echoes the file's contents (it may hold secrets).
import { readFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.js';

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;

/** Parse dotenv text. Throws ConfigError naming the line number (not its content) on a malformed line. */
export function parseDotenv(text: string, label: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*(#.*)?$/.test(raw)) continue;
    const m = LINE.exec(raw);
    if (!m) throw new ConfigError(`Failed to parse dotenv file '${label}': line ${i + 1} is not KEY=VALUE`);
    const key = m[1]!;
    let value = m[2]!;
    const q = value[0];
    if (q === '"' || q === "'" || q === '`') {
      // A quoted value may span lines until its closing quote.
      let body = value.slice(1);
      let end = findClose(body, q);
      while (end === -1 && i + 1 < lines.length) {
        body += `\n${lines[++i]}`;
        end = findClose(body, q);
      }
      if (end === -1)
        throw new ConfigError(`Failed to parse dotenv file '${label}': unterminated quote for ${key}`);
      const rest = body.slice(end + 1).trim();
      if (rest && !rest.startsWith('#')) {
        throw new ConfigError(
          `Failed to parse dotenv file '${label}': unexpected text after the quoted value of ${key}`,
        );
      }
      value = body.slice(0, end);
      if (q === '"')
        value = value.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    } else {
      const hash = value.search(/\s#/);
      if (hash !== -1) value = value.slice(0, hash).trimEnd();
    }
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

function findClose(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && q === '"') i++;
    else if (s[i] === q) return i;
  }
  return -1;
}

/**
 * Load `path` (explicit: it must exist) or `./.env` when present. Returns the names that were applied.
 */
export function loadDotenv(path: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = path ?? '.env';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (path === undefined && code === 'ENOENT') return [];
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new ConfigError(`Failed to load dotenv file '${file}': ${why}`);
  }
  const applied: string[] = [];
  for (const [k, v] of parseDotenv(text, file)) {
    if (env[k] === undefined) {
      env[k] = v;
      applied.push(k);
    }
  }
  return applied;
}
