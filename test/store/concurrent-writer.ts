// The script two child processes run at once against one server (see concurrentWriters below).
export const WRITER_SCRIPT = `
import { openStore } from './src/store/open.js';
const [spec, prefix, tag, count] = process.argv.slice(2);
const store = await openStore(spec, { tablePrefix: prefix, redisPrefix: prefix });
// both processes try to create the shared run (and, on a fresh namespace, the tables) at the same moment
await store.initRun('shared', 'shared', {}).catch((e) => {
  if (e.kind !== 'conflict') throw e;
});
const n = Number(count);
let next = 0;
async function worker() {
  while (next < n) {
    const i = next++;
    const id = tag + '-' + i;
    await store.initRun(id, 'concurrent', { tag, i });
    await store.setRunStatus(id, 'running');
    for (let j = 0; j < 4; j++) {
      await store.upsertTask(id, { name: 's' + j, status: 'running', attempt: 1, node_type: 'log' });
      await store.upsertTask(id, { name: 's' + j, status: 'success', attempt: 1, node_type: 'log', output: { j } });
    }
    await store.updateCtx(id, { done: true });
    await store.setRunStatus(id, 'success');
    // everyone also writes into one shared run
    await store.upsertTask('shared', { name: tag + '-' + i, status: 'success', attempt: 1, node_type: 'log' });
    await store.updateCtx('shared', { [tag + '-' + i]: i });
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
await store.flush();
await store.close();
console.log('wrote ' + n);
`;
