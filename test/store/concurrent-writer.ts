// Two child processes writing runs to one server at once, and what must be in the store afterwards.
import { expect } from 'vitest';
import type { StateStore } from '../../src/store/types.js';
import { buildStoreForChildren, runChild } from './child.js';

// The script each child runs (see concurrentWriters below).
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

/** Run WRITER_SCRIPT in two child processes ('a' and 'b', `per` runs each) against `url` at once. */
export async function concurrentWriters(url: string, prefix: string, per: number): Promise<void> {
  const child = buildStoreForChildren();
  try {
    const results = await Promise.all(
      ['a', 'b'].map((tag) =>
        runChild(child.dir, `writer-${tag}.mjs`, WRITER_SCRIPT, [url, prefix, tag, String(per)]),
      ),
    );
    for (const r of results) expect(r.stderr).toBe('');
    for (const r of results) expect(r.stdout.trim()).toBe(`wrote ${per}`);
  } finally {
    child.cleanup();
  }
}

/**
 * Every run both writers made is listed (paging with `query`) complete, and the shared run holds every
 * writer's task and context key.
 */
export async function expectNothingLost(
  store: StateStore,
  per: number,
  query: { status?: 'success'; flowName?: string; limit: number },
): Promise<void> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ ...query, cursor });
    ids.push(...page.runs.map((r) => r.id));
    expect(
      page.runs.every((r) => r.status === 'success' && r.flow_name === 'concurrent' && r.task_count === 4),
    ).toBe(true);
    cursor = page.nextCursor;
  } while (cursor);
  expect(ids.sort()).toEqual(
    ['a', 'b'].flatMap((t) => Array.from({ length: per }, (_, i) => `${t}-${i}`)).sort(),
  );
  const shared = await store.getRun('shared');
  expect(Object.keys(shared.tasks)).toHaveLength(2 * per);
  expect(Object.keys(shared.ctx)).toHaveLength(2 * per);
}
