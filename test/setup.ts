// Every test sees all node families loaded (the CLI loads them only as flows need them). In beforeAll,
// not at import: a test file's vi.mock must be in place before a family module is first loaded.
import { beforeAll } from 'vitest';

beforeAll(async () => {
  const { registry } = await import('../src/nodes/registry.js');
  await registry.loadAll();
});
