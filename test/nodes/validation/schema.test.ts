import { describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { compiledSchemaCount, compileSchema, detectDraft } from '../../../src/nodes/validation/compile.js';
import { checkNode, runNode } from '../../helpers/nodes.js';

const person = {
  type: 'object',
  required: ['name', 'email'],
  properties: {
    name: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
};

const validate = (value: unknown, schema: unknown = person) =>
  runNode('validate_schema', { source_key: 'v', schema }, { v: value });

describe('validate_schema', () => {
  test('valid value', async () => {
    expect(await validate({ name: 'Zoë', email: 'zoe@example.com', age: 3, tags: ['a'] })).toEqual({
      validation_success: true,
      validation_errors: [],
    });
  });

  test('every violation is listed with its JSON pointer', async () => {
    const err = await validate({ name: '', age: -1, tags: ['a', 2], extra: 1 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg.startsWith('Schema validation failed: ')).toBe(true);
    const parts = msg.slice('Schema validation failed: '.length).split('; ');
    expect(parts).toHaveLength(5);
    expect(parts).toContain("must have required property 'email' at ");
    expect(parts).toContain("must NOT have additional properties ('extra') at ");
    expect(parts.some((p) => p.endsWith(' at /name'))).toBe(true);
    expect(parts.some((p) => p.endsWith(' at /age'))).toBe(true);
    expect(parts).toContain('must be string at /tags/1');
  });

  test('formats are checked', async () => {
    await expect(validate({ name: 'a', email: 'not-an-email' })).rejects.toThrow(
      'Schema validation failed: must match format "email" at /email',
    );
    await expect(validate('2024-13-01', { type: 'string', format: 'date' })).rejects.toThrow(/format "date"/);
    expect(await validate('2024-02-29T10:00:00Z', { type: 'string', format: 'date-time' })).toMatchObject({
      validation_success: true,
    });
  });

  test('root pointer is empty; enum lists allowed values', async () => {
    await expect(validate(5, { type: 'string' })).rejects.toThrow(
      /^Schema validation failed: must be string at $/,
    );
    await expect(validate('c', { enum: ['a', 'b'] })).rejects.toThrow(
      'must be equal to one of the allowed values: "a", "b" at ',
    );
  });

  test('boolean schemas', async () => {
    expect(await validate({ any: 1 }, true)).toMatchObject({ validation_success: true });
    await expect(validate(1, false)).rejects.toThrow('Schema validation failed:');
  });

  test('drafts from $schema', async () => {
    // draft-07 `items` array form (tuple) vs 2020-12 `prefixItems`.
    const d7 = { $schema: 'http://json-schema.org/draft-07/schema#', items: [{ type: 'string' }] };
    await expect(validate([1], d7)).rejects.toThrow('must be string at /0');
    const d2020 = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      prefixItems: [{ type: 'string' }],
    };
    await expect(validate([1], d2020)).rejects.toThrow('must be string at /0');
    const d6 = { $schema: 'http://json-schema.org/draft-06/schema#', type: 'integer' };
    await expect(validate(1.5, d6)).rejects.toThrow('must be integer at ');
    const d2019 = { $schema: 'https://json-schema.org/draft/2019-09/schema', minItems: 2 };
    await expect(validate([1], d2019)).rejects.toThrow('must NOT have fewer than 2 items at ');
    expect(detectDraft({})).toBe('2020-12');
  });

  test('invalid schemas', async () => {
    await expect(validate(1, { type: 'nonsense' })).rejects.toThrow(/^Invalid JSON schema: /);
    await expect(validate(1, { $ref: 'http://example.com/remote.json' })).rejects.toThrow(
      /^Invalid JSON schema: .*can't resolve reference/,
    );
    await expect(validate(1, 'string')).rejects.toThrow(
      'Invalid JSON schema: a schema must be an object or a boolean',
    );
    await expect(validate(1, { $schema: 'http://json-schema.org/draft-04/schema#' })).rejects.toThrow(
      /Invalid JSON schema: \$schema .* is not supported/,
    );
    await expect(validate(1, { $schema: 'https://example.com/my-meta' })).rejects.toThrow(
      "Invalid JSON schema: unknown $schema 'https://example.com/my-meta'",
    );
  });

  test('$id: two different schemas with the same $id both work', async () => {
    await expect(validate(1, { $id: 'https://x.test/s', type: 'string' })).rejects.toThrow('must be string');
    expect(await validate(1, { $id: 'https://x.test/s', type: 'number' })).toMatchObject({
      validation_success: true,
    });
  });

  test('compiled validators are cached by canonical text and bounded', async () => {
    const a = await compileSchema({ type: 'object', properties: { x: { type: 'string' } } });
    const b = await compileSchema({ properties: { x: { type: 'string' } }, type: 'object' });
    expect(b).toBe(a);
    overrideSetting('IRONFLOW_SCHEMA_CACHE_SIZE', 3);
    try {
      for (let i = 0; i < 10; i++) await compileSchema({ minimum: i });
      expect(compiledSchemaCount()).toBe(3);
    } finally {
      overrideSetting('IRONFLOW_SCHEMA_CACHE_SIZE', undefined);
    }
  });

  test('missing key and static errors', async () => {
    await expect(runNode('validate_schema', { source_key: 'v', schema: {} }, {})).rejects.toThrow(
      "Key 'v' not found in context",
    );
    expect(checkNode('validate_schema', { source_key: 'v' })).toEqual(["validate_schema requires 'schema'"]);
    expect(checkNode('validate_schema', { schema: {} })).toEqual(["validate_schema requires 'source_key'"]);
  });

  test('a large array', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `n${i}` }));
    const schema = {
      type: 'array',
      items: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' } } },
    };
    expect(await validate(rows, schema)).toMatchObject({ validation_success: true });
    const bad = rows.map((r) => ({ ...r, id: String(r.id) }));
    const msg = await validate(bad, schema).catch((e: Error) => e.message);
    expect(msg).toMatch(/^Schema validation failed: must be integer at \/0\/id; must be integer at \/1\/id;/);
    expect(msg).toMatch(/\(and 99900 more\)$/);
  });
});

describe('json_validate', () => {
  test('a JSON string is parsed first', async () => {
    const out = await runNode(
      'json_validate',
      { source_key: 'j', schema: person },
      { j: '{"name":"Ann","email":"ann@example.com"}' },
    );
    expect(out).toEqual({ validation_success: true, validation_errors: [] });
    await expect(
      runNode('json_validate', { source_key: 'j', schema: person }, { j: '{"name":"Ann"}' }),
    ).rejects.toThrow("Schema validation failed: must have required property 'email' at ");
  });

  test('non-strings are validated directly', async () => {
    expect(
      await runNode('json_validate', { source_key: 'j', schema: { type: 'number' } }, { j: 5 }),
    ).toMatchObject({
      validation_success: true,
    });
  });

  test('invalid JSON text', async () => {
    await expect(runNode('json_validate', { source_key: 'j', schema: {} }, { j: '{nope' })).rejects.toThrow(
      "Invalid JSON string in 'j': ",
    );
  });

  test('static errors', () => {
    expect(checkNode('json_validate', { source_key: 'j' })).toEqual(["json_validate requires 'schema'"]);
  });
});
