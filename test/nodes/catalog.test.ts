// The registry's catalog lists each family's node names so nothing loads before a flow needs it; this
// keeps the catalog equal to what the families actually define.
import { expect, test } from 'vitest';
import { CATALOG } from '../../src/nodes/registry.js';

test('the catalog matches every family module', async () => {
  for (const [family, f] of Object.entries(CATALOG)) {
    const mod = await f.load();
    expect([family, mod.nodes.map((n) => n.name)]).toEqual([family, [...f.nodes]]);
  }
});
