// JSON Schema compilation for validate_schema and json_validate: Ajv (with ajv-formats) loaded on first use,
// one Ajv instance per draft, compiled validators cached by draft + canonical schema text (bounded, least
// recently used first out), since the same flow runs the same schema many times.
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import { defineSetting } from '../../config/settings.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';

export const schemaCacheSize = defineSetting<number>({
  env: 'IRONFLOW_SCHEMA_CACHE_SIZE',
  kind: 'int',
  min: 1,
  default: 256,
  description:
    'Compiled JSON Schemas kept in memory by validate_schema and json_validate (least recently used out).',
});

export type Draft = '2020-12' | '2019-09' | 'draft-07' | 'draft-06';

export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

interface AjvLike {
  compile(schema: unknown): Validator;
  removeSchema(schema: unknown): unknown;
  addMetaSchema(schema: unknown): unknown;
}

type AjvCtor = new (opts: Record<string, unknown>) => AjvLike;

/** A schema Ajv refused (or one whose draft is not supported); the message goes after `Invalid JSON schema: `. */
export class InvalidSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchemaError';
  }
}

/** The draft a schema declares with `$schema` (default 2020-12). */
export function detectDraft(schema: unknown): Draft {
  if (!isPlainObject(schema) || schema.$schema === undefined) return '2020-12';
  const uri = schema.$schema;
  if (typeof uri !== 'string') throw new InvalidSchemaError('$schema must be a string');
  if (/json-schema\.org\/draft\/2020-12\/schema#?$/.test(uri)) return '2020-12';
  if (/json-schema\.org\/draft\/2019-09\/schema#?$/.test(uri)) return '2019-09';
  if (/json-schema\.org\/draft-07\/schema#?$/.test(uri)) return 'draft-07';
  if (/json-schema\.org\/draft-06\/schema#?$/.test(uri)) return 'draft-06';
  if (/json-schema\.org\/draft-0[345]\/schema#?$/.test(uri)) {
    throw new InvalidSchemaError(
      `$schema '${uri}' is not supported; use draft-06, draft-07, 2019-09 or 2020-12`,
    );
  }
  throw new InvalidSchemaError(`unknown $schema '${uri}'`);
}

// CommonJS modules seen from ESM: the class is the module's default export (and its `.default` too).
function cjsDefault<T>(mod: unknown): T {
  const d = (mod as { default?: unknown }).default ?? mod;
  return ((d as { default?: unknown }).default ?? d) as T;
}

let instances: Promise<(draft: Draft) => AjvLike> | undefined;

function loadAjv(): Promise<(draft: Draft) => AjvLike> {
  instances ??= (async () => {
    const [m2020, m2019, m07, mFormats] = await Promise.all([
      import('ajv/dist/2020.js'),
      import('ajv/dist/2019.js'),
      import('ajv'),
      import('ajv-formats'),
    ]);
    const addFormats = cjsDefault<(ajv: AjvLike) => unknown>(mFormats);
    const ctors: Record<Draft, AjvCtor> = {
      '2020-12': cjsDefault<AjvCtor>(m2020),
      '2019-09': cjsDefault<AjvCtor>(m2019),
      'draft-07': cjsDefault<AjvCtor>(m07),
      'draft-06': cjsDefault<AjvCtor>(m07),
    };
    const made = new Map<Draft, AjvLike>();
    return (draft: Draft) => {
      let ajv = made.get(draft);
      if (!ajv) {
        // allErrors: report every violation; strict: false: unknown keywords and formats are annotations,
        // as the JSON Schema specification says; logger: false: nothing on the console.
        ajv = new ctors[draft]({ allErrors: true, strict: false, logger: false, validateFormats: true });
        if (draft === 'draft-06') {
          ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json'));
        }
        addFormats(ajv);
        made.set(draft, ajv);
      }
      return ajv;
    };
  })();
  instances.catch(() => {
    instances = undefined;
  });
  return instances;
}

const cache = new Map<string, Validator>();

/** The compiled validator of `schema` (cached). Throws InvalidSchemaError for a schema Ajv refuses. */
export async function compileSchema(schema: unknown): Promise<Validator> {
  if (!isPlainObject(schema) && typeof schema !== 'boolean') {
    throw new InvalidSchemaError('a schema must be an object or a boolean');
  }
  const draft = detectDraft(schema);
  const key = `${draft}\n${canonicalJson(schema)}`;
  const hit = cache.get(key);
  if (hit) {
    // Refresh its place in the LRU order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const ajv = (await loadAjv())(draft);
  let validate: Validator;
  try {
    validate = ajv.compile(schema);
  } catch (e) {
    throw new InvalidSchemaError((e as Error).message);
  } finally {
    // The compiled function keeps what it needs; dropping the schema from Ajv keeps Ajv's own registry
    // from growing and lets two schemas with the same $id be used one after the other.
    try {
      ajv.removeSchema(schema);
    } catch {}
  }
  cache.set(key, validate);
  const max = schemaCacheSize.get();
  while (cache.size > max) cache.delete(cache.keys().next().value as string);
  return validate;
}

/** Number of cached validators (for tests). */
export function compiledSchemaCount(): number {
  return cache.size;
}

/** `<message> at <JSON pointer of the instance>` for one Ajv error (root pointer empty, as upstream). */
export function describeError(e: ErrorObject): string {
  let msg = e.message ?? `fails '${e.keyword}'`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    msg += ` ('${params.additionalProperty}')`;
  } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    msg += `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'const' && 'allowedValue' in params) {
    msg += ` ${JSON.stringify(params.allowedValue)}`;
  }
  return `${msg} at ${e.instancePath}`;
}
