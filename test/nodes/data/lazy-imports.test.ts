// Start-up stays fast: the families of issue 3 import their heavy libraries inside run(), never at the top.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const HEAVY = [
  'ajv',
  'ajv-formats',
  'marked',
  'turndown',
  'sanitize-html',
  'csv-parse',
  'csv-stringify',
  'papaparse',
];

test('no static import of a heavy library in data, validation, cache, markdown', () => {
  const offenders: string[] = [];
  for (const family of ['data', 'validation', 'cache', 'markdown']) {
    const dir = join(import.meta.dirname, '../../../src/nodes', family);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
        const spec = m[1]!;
        if (HEAVY.some((h) => spec === h || spec.startsWith(`${h}/`)))
          offenders.push(`${family}/${f}: ${spec}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});
