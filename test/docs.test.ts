// The node reference is generated from the schemas; this fails when docs/nodes.md is stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

test('docs/nodes.md matches the node declarations (run `npm run docs`)', async () => {
  // @ts-expect-error: a plain .mjs script without types
  const { renderNodeDocs } = await import('../scripts/gen-node-docs.mjs');
  const fresh: string = await renderNodeDocs();
  expect(readFileSync(join(import.meta.dirname, '../docs/nodes.md'), 'utf8')).toBe(fresh);
});
