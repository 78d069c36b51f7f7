// validate_schema and json_validate (NODES 19.4, 19.5): check a context value against a JSON Schema.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { requireKey } from '../util.js';
import { compileSchema, describeError, InvalidSchemaError } from './compile.js';

/** Most violations listed in one failure message; the rest are counted. */
const MAX_LISTED = 100;

async function validate(value: unknown, schema: unknown): Promise<Record<string, unknown>> {
  let check: Awaited<ReturnType<typeof compileSchema>>;
  try {
    check = await compileSchema(schema);
  } catch (e) {
    if (e instanceof InvalidSchemaError) throw new NodeError(`Invalid JSON schema: ${e.message}`);
    throw e;
  }
  if (check(value)) return { validation_success: true, validation_errors: [] };
  const errors = (check.errors ?? []).map(describeError);
  const listed = errors.slice(0, MAX_LISTED);
  if (errors.length > MAX_LISTED) listed.push(`(and ${errors.length - MAX_LISTED} more)`);
  throw new NodeError(`Schema validation failed: ${listed.join('; ')}`);
}

const schemaParam = p.any({
  description:
    'JSON Schema (object or boolean); draft from `$schema` (2020-12 by default; 2019-09, draft-07, draft-06); formats are checked',
  required: true,
});

const outputs = {
  validation_success: 'true (a failed validation fails the step instead)',
  validation_errors: 'empty array',
};

export const validateSchema = defineNode({
  name: 'validate_schema',
  category: 'Utility',
  description: 'Validate a context value against a JSON Schema',
  params: {
    source_key: p.string({ description: 'Context key of the value to validate', required: true }),
    schema: schemaParam,
  },
  outputs,
  run(cfg, nc) {
    return validate(requireKey(nc.ctx, cfg.source_key), cfg.schema);
  },
});

export const jsonValidate = defineNode({
  name: 'json_validate',
  category: 'Utility',
  description: 'Validate JSON (a JSON string or a value) against a JSON Schema',
  params: {
    source_key: p.string({
      description: 'Context key of the value; a string is parsed as JSON first',
      required: true,
    }),
    schema: schemaParam,
  },
  outputs,
  run(cfg, nc) {
    let value = requireKey(nc.ctx, cfg.source_key);
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch (e) {
        throw new NodeError(`Invalid JSON string in '${cfg.source_key}': ${(e as Error).message}`);
      }
    }
    return validate(value, cfg.schema);
  },
});
