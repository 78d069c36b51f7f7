// Routing nodes (NODES 10): they never fail because a condition is false; they publish
// `_route_<step>`, which the engine compares with the `route` of dependent steps.
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { resolveDotted } from '../util.js';

const OPERATORS = ['==', '!=', '>=', '<=', '>', '<'] as const;
type Op = (typeof OPERATORS)[number];

/** Index of `op` in `s` outside single- or double-quoted text, or -1. */
function findOutsideQuotes(s: string, op: string): number {
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (s.startsWith(op, i)) return i;
  }
  return -1;
}

function unquote(s: string): string {
  for (const q of ['"', "'"]) {
    if (s.length >= 2 && s.startsWith(q) && s.endsWith(q)) return s.slice(1, -1);
  }
  return s;
}

function compare(op: Op, a: number | string, b: number | string): boolean {
  switch (op) {
    case '==':
      return typeof a === 'number' ? Math.abs(a - (b as number)) < Number.EPSILON : a === b;
    case '!=':
      return typeof a === 'number' ? Math.abs(a - (b as number)) >= Number.EPSILON : a !== b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '<':
      return a < b;
  }
}

/**
 * The if_node condition language: `ctx.k exists`, `ctx.k <op> literal` (== != >= <= > <) and bare
 * `ctx.k` truthiness. Unlike the original, operators inside quoted literals do not split the condition,
 * and booleans and null compare with `true`/`false`/`null` (the original always answered false).
 */
export function evaluateCondition(condition: string, ctx: Readonly<Record<string, unknown>>): boolean {
  const c = condition.trim();
  if (c.endsWith(' exists')) return resolveDotted(ctx, c.slice(0, -7).trim()).found;
  for (const op of OPERATORS) {
    const at = findOutsideQuotes(c, op);
    if (at === -1) continue;
    const left = resolveDotted(ctx, c.slice(0, at).trim());
    const rightText = c.slice(at + op.length).trim();
    if (!left.found) return op === '!=';
    const v = left.value;
    if (typeof v === 'number') {
      const r = Number(rightText);
      if (rightText === '' || Number.isNaN(r)) return false;
      return compare(op, v, r);
    }
    if (typeof v === 'string') {
      if (op !== '==' && op !== '!=') return false;
      return compare(op, v, unquote(rightText));
    }
    if (typeof v === 'boolean' || v === null) {
      if (op !== '==' && op !== '!=') return false;
      const literal =
        rightText === 'true' ? true : rightText === 'false' ? false : rightText === 'null' ? null : undefined;
      if (literal === undefined) return false;
      return op === '==' ? v === literal : v !== literal;
    }
    return false;
  }
  const r = resolveDotted(ctx, c);
  return r.found && r.value !== null && r.value !== false;
}

export const ifNode = defineNode({
  name: 'if_node',
  category: 'Conditional',
  description: 'Evaluate a condition on the context and choose a route',
  params: {
    condition: p.string({
      description: 'e.g. `ctx.amount > 100`, `ctx.name == "x"`, `ctx.key exists`, `ctx.flag`',
      required: true,
    }),
    true_route: p.string({ description: 'Route when the condition holds', default: 'true' }),
    false_route: p.string({ description: 'Route otherwise', default: 'false' }),
  },
  outputs: {
    '_route_<step>': 'the chosen route',
    '_condition_result_<step>': 'the condition result (boolean)',
  },
  run(cfg, nc) {
    const step = cfg._step_name ?? 'if';
    const result = evaluateCondition(cfg.condition, nc.ctx);
    return {
      [`_route_${step}`]: result ? cfg.true_route : cfg.false_route,
      [`_condition_result_${step}`]: result,
    };
  },
});

export const switchNode = defineNode({
  name: 'switch_node',
  category: 'Conditional',
  description: 'Route by matching a context value against cases',
  params: {
    value: p.string({ description: 'Dotted path of the value, e.g. `ctx.tier`', required: true }),
    cases: p.object({ description: 'Map of value (as text) to route name', required: true }),
    default: p.string({ description: 'Route when no case matches', default: 'default' }),
  },
  outputs: { '_route_<step>': 'the chosen route', '_switch_value_<step>': 'the value as text' },
  run(cfg, nc) {
    const step = cfg._step_name ?? 'switch';
    const r = resolveDotted(nc.ctx, cfg.value.trim());
    const text = !r.found ? '' : typeof r.value === 'string' ? r.value : canonicalJson(r.value);
    const route = Object.hasOwn(cfg.cases, text) ? cfg.cases[text] : undefined;
    return {
      [`_route_${step}`]: typeof route === 'string' ? route : cfg.default,
      [`_switch_value_${step}`]: text,
    };
  },
});

function statusCode(key: string, v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new NodeError(`${key} value must fit in u16`);
    return v;
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^\d+$/.test(t) || Number(t) > 65535)
      throw new NodeError(`${key} must be a valid status number string`);
    return Number(t);
  }
  throw new NodeError(`${key} must be a number or numeric string`);
}

export const ifHttpStatus = defineNode({
  name: 'if_http_status',
  category: 'Conditional',
  description: 'Route on an HTTP status code from the context',
  params: {
    status_key: p.string({ description: 'Dotted context path of the status (without ctx.)', required: true }),
    success_route: p.string({ description: 'Route for 200-299 when `routes` is absent', default: 'success' }),
    error_route: p.string({ description: 'Route for other codes when `routes` is absent', default: 'error' }),
    routes: p.object({ description: 'Code ("404"), class ("4xx") or "default" to route name' }),
    default_route: p.string({ description: 'Route when `routes` has no match (default: error_route)' }),
  },
  outputs: {
    '_route_<step>': 'the chosen route',
    '_status_code_<step>': 'the status (number)',
    '_status_class_<step>': 'e.g. "2xx"',
  },
  run(cfg, nc) {
    const step = cfg._step_name ?? 'if_http_status';
    const r = resolveDotted(nc.ctx, cfg.status_key);
    if (!r.found) throw new NodeError(`Key '${cfg.status_key}' not found in context`);
    const code = statusCode(cfg.status_key, r.value);
    const cls = `${Math.floor(code / 100)}xx`;
    let route: string;
    if (cfg.routes && isPlainObject(cfg.routes)) {
      const pick = [String(code), cls, 'default']
        .map((k) => cfg.routes![k])
        .find((v) => typeof v === 'string');
      route = (pick as string | undefined) ?? cfg.default_route ?? cfg.error_route;
    } else {
      route = code >= 200 && code <= 299 ? cfg.success_route : cfg.error_route;
    }
    return { [`_route_${step}`]: route, [`_status_code_${step}`]: code, [`_status_class_${step}`]: cls };
  },
});

export const ifBodyContains = defineNode({
  name: 'if_body_contains',
  category: 'Conditional',
  description: 'Route on whether a context value contains a substring',
  params: {
    source_key: p.string({ description: 'Dotted context path of the text', required: true }),
    pattern: p.string({ description: 'Substring to look for (empty never matches)', required: true }),
    true_route: p.string({ description: 'Route when found', default: 'true' }),
    false_route: p.string({ description: 'Route otherwise', default: 'false' }),
    case_sensitive: p.boolean({ description: 'false lower-cases both sides', default: true }),
    required: p.boolean({ description: 'Fail when the value is missing', default: false }),
  },
  outputs: { '_route_<step>': 'the chosen route', '_contains_<step>': 'whether it matched (boolean)' },
  run(cfg, nc) {
    const step = cfg._step_name ?? 'if_body_contains';
    const r = resolveDotted(nc.ctx, cfg.source_key);
    if (!r.found && cfg.required) {
      throw new NodeError(`if_body_contains requires '${cfg.source_key}' to exist in context`);
    }
    let found = false;
    if (r.found && cfg.pattern !== '') {
      let hay = typeof r.value === 'string' ? r.value : canonicalJson(r.value);
      let needle = cfg.pattern;
      if (!cfg.case_sensitive) {
        hay = hay.toLowerCase();
        needle = needle.toLowerCase();
      }
      found = hay.includes(needle);
    }
    return { [`_route_${step}`]: found ? cfg.true_route : cfg.false_route, [`_contains_${step}`]: found };
  },
});
