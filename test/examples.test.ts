// Runs every flow under examples/ through the engine, as `ironflow run` would: each with the context,
// env and local stand-in services its `.example.json` sidecar names (see docs/contributing.md).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { silentLogger } from '../src/nodes/types.js';
import { JsonStore } from '../src/store/json.js';

interface Sidecar {
  context?: Record<string, unknown>;
  env?: Record<string, string>;
  services?: string[];
  expect?: 'success' | 'failed';
  skip?: string;
}

interface Service {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '../examples');

function flows(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'samples' && name !== 'children') out.push(...flows(p));
    } else if (name.endsWith('.lua')) out.push(p);
  }
  return out;
}

function substitute(v: unknown, tmp: string): unknown {
  if (typeof v === 'string') return v.split('$TMPDIR').join(tmp);
  if (Array.isArray(v)) return v.map((x) => substitute(x, tmp));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, tmp)]));
  return v;
}

const services = new Map<string, Promise<Service>>();
function service(name: string): Promise<Service> {
  let s = services.get(name);
  if (!s) {
    s = import(/* @vite-ignore */ `./services/${name}.ts`).then((m: { default: () => Promise<Service> }) =>
      m.default(),
    );
    services.set(name, s);
  }
  return s;
}

const storeDir = mkdtempSync(join(tmpdir(), 'ironflow-examples-'));
const store = new JsonStore(storeDir);
const engine = new Engine({ store, logger: silentLogger, print: () => {} });

const temps: string[] = [storeDir];

afterAll(async () => {
  await engine.close();
  await store.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
  for (const s of services.values()) await (await s).stop();
});

describe.sequential('examples', () => {
  for (const file of flows(root)) {
    const sidecarPath = file.replace(/\.lua$/, '.example.json');
    const sidecar: Sidecar = existsSync(sidecarPath) ? JSON.parse(readFileSync(sidecarPath, 'utf8')) : {};
    const name = relative(root, file);
    test.skipIf(Boolean(sidecar.skip))(name, { timeout: 60_000 }, async () => {
      const env: Record<string, string> = { ...sidecar.env };
      for (const s of sidecar.services ?? []) Object.assign(env, (await service(s)).env);
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        const tmp = mkdtempSync(join(tmpdir(), 'ironflow-example-'));
        temps.push(tmp);
        const ctx = {
          ...(substitute(sidecar.context ?? {}, tmp) as Record<string, unknown>),
          _flow_dir: dirname(file),
        };
        const loaded = await engine.loadFile(file);
        const run = await engine.run(loaded, ctx);
        const failures = Object.values(run.tasks)
          .filter((t) => t.status === 'failed')
          .map((t) => `${t.name}: ${t.error}`);
        expect({
          status: run.status,
          failures: run.status === (sidecar.expect ?? 'success') ? [] : failures,
        }).toEqual({
          status: sidecar.expect ?? 'success',
          failures: [],
        });
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });
  }
});
