// Node parameters are declared once, with this builder. The declaration gives the TypeScript type of the
// config a node receives, the static check `validate` runs (DECISIONS 3), the interpolation the engine
// applies before the node runs (the I / I* columns of NODES.md), and the JSON Schema that
// `ironflow nodes --json`, the API and the generated docs show.
import { lintTemplate } from '../engine/interpolate.js';
import { isPlainObject, jsonType } from '../util/json.js';

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'any';

export interface ParamSpec<T = unknown> {
  type: ParamType | readonly ParamType[];
  description: string;
  required?: boolean;
  default?: T;
  enum?: readonly string[];
  /** Enum values compare case-insensitively. */
  enumIgnoreCase?: boolean;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  /** Shape of array items (documentation and a one-level check). */
  items?: ParamSpec;
  /** Known members of an object parameter (documentation and a one-level check). */
  properties?: Record<string, ParamSpec>;
  /** `string`: the value is rendered with ${ctx…} (I); `deep`: every string leaf is (I*). */
  interpolate?: 'string' | 'deep';
  /** Environment variable used when the parameter is absent (documentation). */
  env?: string;
  /** A credential: never logged, masked in errors and records. */
  secret?: boolean;
  /** Phantom member carrying T for inference; never set. */
  readonly __t?: T;
}

export type ParamsShape = Record<string, ParamSpec>;

type Opts<T> = Omit<ParamSpec<T>, 'type' | '__t'>;

/** Builders: `p.string({ description, required: true, interpolate: 'string' })`. */
export const p = {
  string: <O extends Opts<string>>(o: O) => ({ ...o, type: 'string' as const }) as O & ParamSpec<string>,
  number: <O extends Opts<number>>(o: O) => ({ ...o, type: 'number' as const }) as O & ParamSpec<number>,
  integer: <O extends Opts<number>>(o: O) => ({ ...o, type: 'integer' as const }) as O & ParamSpec<number>,
  boolean: <O extends Opts<boolean>>(o: O) => ({ ...o, type: 'boolean' as const }) as O & ParamSpec<boolean>,
  object: <O extends Opts<Record<string, unknown>>>(o: O) =>
    ({ ...o, type: 'object' as const }) as O & ParamSpec<Record<string, unknown>>,
  array: <O extends Opts<unknown[]>>(o: O) => ({ ...o, type: 'array' as const }) as O & ParamSpec<unknown[]>,
  any: <O extends Opts<unknown>>(o: O) => ({ ...o, type: 'any' as const }) as O & ParamSpec<unknown>,
  /** A parameter accepting several JSON types, e.g. `p.oneOf(['string', 'object'], {...})`. */
  oneOf: <T = unknown, O extends Opts<T> = Opts<T>>(types: readonly ParamType[], o: O) =>
    ({ ...o, type: types }) as O & ParamSpec<T>,
};

type ValueOf<S> = S extends ParamSpec<infer T> ? T : unknown;
type IsGuaranteed<S> = S extends { required: true }
  ? true
  : S extends { default: infer D }
    ? [D] extends [undefined]
      ? false
      : true
    : false;

/** The config type a node receives: required and defaulted parameters are present, others optional. */
export type ParamsOf<P extends ParamsShape> = {
  [K in keyof P as IsGuaranteed<P[K]> extends true ? K : never]: ValueOf<P[K]>;
} & {
  [K in keyof P as IsGuaranteed<P[K]> extends true ? never : K]?: ValueOf<P[K]>;
} & { _step_name?: string };

function typeMatches(t: ParamType, v: unknown): boolean {
  switch (t) {
    case 'any':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
  }
}

function typeLabel(t: ParamSpec['type']): string {
  const list = Array.isArray(t) ? t : [t];
  const names = list.map((x) =>
    x === 'integer' ? 'an integer' : x === 'object' ? 'an object' : x === 'array' ? 'an array' : `a ${x}`,
  );
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** Check one value against a spec; returns problems as "must be …" phrases. */
function checkValue(spec: ParamSpec, v: unknown): string | undefined {
  const types = (Array.isArray(spec.type) ? spec.type : [spec.type]) as ParamType[];
  if (!types.some((t) => typeMatches(t, v))) return `must be ${typeLabel(spec.type)} (got ${jsonType(v)})`;
  if (spec.enum && typeof v === 'string') {
    const ok = spec.enumIgnoreCase
      ? spec.enum.some((e) => e.toLowerCase() === v.toLowerCase())
      : spec.enum.includes(v);
    if (!ok) return `must be one of ${spec.enum.join(', ')} (got '${v}')`;
  }
  if (typeof v === 'number') {
    if (spec.minimum !== undefined && v < spec.minimum) return `must be at least ${spec.minimum} (got ${v})`;
    if (spec.exclusiveMinimum !== undefined && v <= spec.exclusiveMinimum) {
      return `must be greater than ${spec.exclusiveMinimum} (got ${v})`;
    }
    if (spec.maximum !== undefined && v > spec.maximum) return `must be at most ${spec.maximum} (got ${v})`;
  }
  return undefined;
}

export interface ParamProblem {
  /** JSON-style path inside the config, e.g. `$.headers.Authorization`. */
  path: string;
  message: string;
}

/** Keys the engine adds or uses to carry Lua functions; never reported as unknown. */
const INTERNAL_KEYS = new Set(['bytecode_b64', 'transform_bytecode_b64']);

/**
 * The static check of a node config (DECISIONS 3): missing required parameters, literals of the wrong
 * type or out of range, unknown enum values, and malformed ${ctx…} placeholders in interpolated fields.
 * Unknown parameters are returned separately as warnings (the original ignored them).
 */
export function checkParams(
  node: string,
  params: ParamsShape,
  config: Record<string, unknown>,
): { errors: ParamProblem[]; unknown: string[] } {
  const errors: ParamProblem[] = [];
  const unknown: string[] = [];
  for (const [name, spec] of Object.entries(params)) {
    const v = config[name];
    const path = `$.${name}`;
    if (v === undefined || v === null) {
      if (spec.required) errors.push({ path, message: `${node} requires '${name}'` });
      continue;
    }
    const bad = checkValue(spec, v);
    if (bad) {
      errors.push({ path, message: `parameter '${name}' ${bad}` });
      continue;
    }
    if (spec.items && Array.isArray(v)) {
      v.forEach((item, i) => {
        const b = checkValue(spec.items!, item);
        if (b) errors.push({ path: `${path}[${i}]`, message: `parameter '${name}[${i}]' ${b}` });
      });
    }
    if (spec.properties && isPlainObject(v)) {
      for (const [k, sub] of Object.entries(spec.properties)) {
        const sv = v[k];
        if (sv === undefined || sv === null) {
          if (sub.required)
            errors.push({ path: `${path}.${k}`, message: `parameter '${name}' requires '${k}'` });
          continue;
        }
        const b = checkValue(sub, sv);
        if (b) errors.push({ path: `${path}.${k}`, message: `parameter '${name}.${k}' ${b}` });
      }
    }
    if (spec.interpolate) lintValue(v, path, spec.interpolate === 'deep', errors);
  }
  for (const k of Object.keys(config)) {
    if (!(k in params) && !k.startsWith('_') && !INTERNAL_KEYS.has(k)) unknown.push(k);
  }
  return { errors, unknown };
}

function lintValue(v: unknown, path: string, deep: boolean, out: ParamProblem[]): void {
  if (typeof v === 'string') {
    for (const message of lintTemplate(v)) out.push({ path, message });
    return;
  }
  if (!deep) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) lintValue(v[i], `${path}[${i}]`, true, out);
  } else if (isPlainObject(v))
    for (const [k, x] of Object.entries(v)) lintValue(x, `${path}.${k}`, true, out);
}

/** Fill in defaults (shallow copies of object/array defaults, so a node can never mutate the spec). */
export function withDefaults(params: ParamsShape, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const [name, spec] of Object.entries(params)) {
    if ((out[name] === undefined || out[name] === null) && spec.default !== undefined) {
      const d = spec.default;
      out[name] = Array.isArray(d) ? [...d] : isPlainObject(d) ? { ...d } : d;
    }
  }
  return out;
}

/** JSON Schema (draft 2020-12) of a node's parameters. */
export function paramsJsonSchema(params: ParamsShape): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(params)) {
    properties[name] = specSchema(spec);
    if (spec.required) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: true };
}

function specSchema(spec: ParamSpec): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  const types = (Array.isArray(spec.type) ? spec.type : [spec.type]).filter((t) => t !== 'any');
  if (types.length === 1) s.type = types[0];
  else if (types.length > 1) s.type = types;
  s.description = spec.description;
  if (spec.default !== undefined) s.default = spec.default;
  if (spec.enum) s.enum = spec.enum;
  if (spec.minimum !== undefined) s.minimum = spec.minimum;
  if (spec.exclusiveMinimum !== undefined) s.exclusiveMinimum = spec.exclusiveMinimum;
  if (spec.maximum !== undefined) s.maximum = spec.maximum;
  if (spec.items) s.items = specSchema(spec.items);
  if (spec.properties) {
    s.properties = Object.fromEntries(Object.entries(spec.properties).map(([k, v]) => [k, specSchema(v)]));
  }
  if (spec.interpolate) s['x-interpolated'] = spec.interpolate === 'deep' ? 'every string leaf' : true;
  if (spec.env) s['x-env'] = spec.env;
  if (spec.secret) s['x-secret'] = true;
  return s;
}
