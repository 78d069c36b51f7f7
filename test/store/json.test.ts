import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { JsonStore } from '../../src/store/json.js';
import { storeConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'ironflow-json-store-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

storeConformance({
  kind: 'json',
  create: async () => {
    const dir = join(root, `store-${n++}`, 'runs');
    return {
      store: await new JsonStore(dir).open(),
      reopen: async () => new JsonStore(dir).open(),
    };
  },
});
