import { MemoryStore } from '../../src/store/memory.js';
import { storeConformance } from './conformance.js';

storeConformance({
  kind: 'memory',
  create: async () => ({ store: new MemoryStore() }),
});
