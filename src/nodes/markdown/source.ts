// The text source shared by the markdown nodes (NODES 13): exactly one of `input` (interpolated) or
// `source_key` (a context key: a string as is, any other JSON value as its JSON text).
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import { requireKey } from '../util.js';

export const sourceParams = {
  input: p.string({ description: 'The text (interpolated); or use source_key', interpolate: 'string' }),
  source_key: p.string({ description: 'Context key of the text (non-strings are used as JSON text)' }),
};

function problem(node: string, cfg: Record<string, unknown>): string | undefined {
  const hasInput = cfg.input !== undefined && cfg.input !== null;
  const hasKey = cfg.source_key !== undefined && cfg.source_key !== null;
  if (hasInput && hasKey) return `${node} accepts either 'input' or 'source_key', not both`;
  if (!hasInput && !hasKey) return `${node} requires either 'input' string or 'source_key'`;
  return undefined;
}

/** Static one-of check of `input` / `source_key`. */
export function checkSource(node: string) {
  return (cfg: Record<string, unknown>) => {
    const msg = problem(node, cfg);
    return msg ? [{ path: '$.input', message: msg }] : [];
  };
}

/** The text a markdown node works on. */
export function readSource(
  node: string,
  cfg: { input?: string; source_key?: string },
  nc: NodeContext,
): string {
  const msg = problem(node, cfg);
  if (msg) throw new NodeError(msg);
  if (cfg.input !== undefined && cfg.input !== null) return cfg.input;
  const v = requireKey(nc.ctx, cfg.source_key!);
  return typeof v === 'string' ? v : canonicalJson(v);
}
