// Child flow files written into a temp dir per test file, and a real engine (memory store) whose
// SubflowRunner the tests can reach (drain, load count).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Engine } from '../../../src/engine/engine.js';
import { EngineSubflows } from '../../../src/engine/subflows.js';
import type { Context, RunInfo } from '../../../src/engine/types.js';
import type { MemoryStore } from '../../../src/store/memory.js';
import { type Captured, testEngine } from '../../helpers/engine.js';

export interface Harness {
  dir: string;
  engine: Engine;
  store: MemoryStore;
  out: Captured;
  subflows: EngineSubflows;
  /** Write `source` to `<dir>/<name>` (sub-folders created). Returns the absolute path. */
  write(name: string, source: string): string;
  /** Load `<dir>/<name>` and run it with `_flow_dir` = dir (plus `ctx`). */
  run(name: string, ctx?: Context): Promise<RunInfo>;
  /** Child runs of `runId`, oldest first. */
  children(runId: string): Promise<RunInfo[]>;
  cleanup(): Promise<void>;
}

export function harness(opts: { concurrency?: number } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'ironflow-subflows-'));
  const { engine, store, out } = testEngine(opts);
  const subflows = new EngineSubflows(engine);
  engine.setSubflows(subflows);
  const h: Harness = {
    dir,
    engine,
    store,
    out,
    subflows,
    write(name, source) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, source);
      return p;
    },
    async run(name, ctx = {}) {
      const loaded = await engine.loadFile(join(dir, name));
      return engine.run(loaded, { _flow_dir: dir, ...ctx });
    },
    async children(runId) {
      const out: RunInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listRuns({ parentRunId: runId, limit: 1000, cursor });
        for (const s of page.runs) out.push(await store.getRun(s.id));
        cursor = page.nextCursor;
      } while (cursor);
      return out.sort((a, b) => (a.started ?? '').localeCompare(b.started ?? ''));
    },
    async cleanup() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** A child that greets `ctx.name`. */
export const GREET = `local flow = Flow.new("greet")
flow:step("greet", nodes.template_render({ template = "Hello, \${ctx.name}!", output_key = "greeting" }))
return flow
`;

/** A child whose only step fails. */
export const FAILING = `local flow = Flow.new("failing")
flow:step("read", nodes.read_file({ path = "/nonexistent/ironflow-test/missing.txt" }))
return flow
`;
