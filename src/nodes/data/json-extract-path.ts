// json_extract_path (NODES 9.3): pick a nested value by a dotted path with array indexes (`a.b[0].c`).
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';

type Segment = string | number;

/**
 * Parse a path: segments separated by `.` (empty ones skipped), each an object key (without `.` or `[`)
 * followed by any number of `[n]` indexes (spaces inside the brackets allowed); `[n]` may start a segment.
 * Returns undefined for a path that cannot match anything (bad or unclosed index).
 */
export function parseExtractPath(path: string): Segment[] | undefined {
  const out: Segment[] = [];
  for (const seg of path.split('.')) {
    if (seg === '') continue;
    let i = seg.indexOf('[');
    if (i === -1) {
      out.push(seg);
      continue;
    }
    if (i > 0) out.push(seg.slice(0, i));
    while (i < seg.length) {
      if (seg[i] !== '[') return undefined;
      const close = seg.indexOf(']', i);
      if (close === -1) return undefined;
      const digits = seg.slice(i + 1, close).trim();
      if (!/^\d+$/.test(digits)) return undefined;
      out.push(Number(digits));
      i = close + 1;
    }
  }
  return out;
}

function resolve(value: unknown, path: Segment[]): { found: boolean; value?: unknown } {
  let cur = value;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur) || seg >= cur.length) return { found: false };
      cur = cur[seg];
    } else {
      if (!isPlainObject(cur) || !Object.hasOwn(cur, seg)) return { found: false };
      cur = cur[seg];
    }
  }
  return { found: true, value: cur };
}

export const jsonExtractPath = defineNode({
  name: 'json_extract_path',
  category: 'Data transform',
  description: 'Extract a nested value by a dotted path with array indexes (a.b[0].c)',
  params: {
    source_key: p.string({ description: 'Context key of the value to search', required: true }),
    path: p.string({
      description: 'e.g. `data.items[0].name` or `[0].id`; empty or whitespace-only = the whole value',
      required: true,
    }),
    output_key: p.string({ description: 'Context key of the extracted value', required: true }),
    required: p.boolean({ description: 'Fail when the path is not found', default: false }),
    default: p.any({
      description: 'Value written when the path is not found (and not required)',
      default: null,
    }),
    parse_json: p.boolean({
      description: 'Parse a string source as JSON first (non-strings are used as they are)',
      default: false,
    }),
  },
  outputs: { '{output_key}': 'the value at the path (an explicit null stays null), else `default`' },
  run(cfg, nc) {
    let source = requireKey(nc.ctx, cfg.source_key);
    if (cfg.parse_json && typeof source === 'string') {
      try {
        source = JSON.parse(source);
      } catch (e) {
        throw new NodeError(
          `json_extract_path failed to parse '${cfg.source_key}' as JSON: ${(e as Error).message}`,
        );
      }
    }
    const path = cfg.path.trim() === '' ? [] : parseExtractPath(cfg.path);
    const r = path ? resolve(source, path) : { found: false };
    if (r.found) return { [cfg.output_key]: r.value };
    if (cfg.required) throw new NodeError(`Path '${cfg.path}' was not found in '${cfg.source_key}'`);
    return { [cfg.output_key]: cfg.default ?? null };
  },
});
