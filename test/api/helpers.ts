// Start the real API server on a free loopback port with a JSON store in a temp directory, and talk to it
// with fetch. Logs are captured (JSON lines) so tests can check what reached them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type ApiConfig, apiConfigDefaults } from '../../src/api/config.js';
import { type ApiServer, buildServer } from '../../src/api/server.js';
import { JsonStore } from '../../src/store/json.js';
import type { StateStore } from '../../src/store/types.js';

export interface TestServer {
  url: string;
  server: ApiServer;
  store: StateStore;
  storeDir: string;
  logs: string[];
  /** Shut down (grace 0 unless given), close the store, remove the temp directory. */
  stop(graceMs?: number): Promise<void>;
}

export function tempDir(prefix = 'ironflow-api-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(
  over: Partial<ApiConfig> = {},
  opts: { store?: StateStore; storeDir?: string; keepStore?: boolean; stallAbandoned?: boolean } = {},
): Promise<TestServer> {
  const storeDir = opts.storeDir ?? tempDir('ironflow-api-store-');
  const store = opts.store ?? (await new JsonStore(storeDir).open());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = apiConfigDefaults({ host: '127.0.0.1', port: 0, allowUnauthenticated: false, ...over });
  const server = await buildServer({
    config,
    store,
    pino: pino({ level: 'debug' }, sink),
    stallAbandoned: opts.stallAbandoned,
  });
  const [addr] = await server.listen();
  let stopped = false;
  return {
    url: `http://${addr}`,
    server,
    store,
    storeDir,
    logs,
    async stop(graceMs = 0) {
      if (stopped) return;
      stopped = true;
      await server.shutdown(graceMs);
      if (!opts.keepStore) {
        await store.close();
        if (!opts.storeDir) rmSync(storeDir, { recursive: true, force: true });
      }
    },
  };
}

/** A parsed JSON response, read loosely by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies as loose JSON
export type Loose = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Loose;
  text: string;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body =
      typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A flow source: template_render → log → template_render. */
export const THREE_STEPS = `
local flow = Flow.new("three_steps")
flow:step("greet", nodes.template_render({ template = "Hello \${ctx.name}", output_key = "greeting" }))
flow:step("say", nodes.log({ message = "\${ctx.greeting}" })):depends_on("greet")
flow:step("shout", nodes.template_render({ template = "\${ctx.greeting}!", output_key = "final" })):depends_on("say")
return flow
`;

/** A flow whose one step waits `seconds`. */
export function delayFlow(seconds: number, name = 'slow'): string {
  return `
local flow = Flow.new("${name}")
flow:step("wait", nodes.delay({ seconds = ${seconds} }))
flow:step("after", nodes.template_render({ template = "done", output_key = "result" })):depends_on("wait")
return flow
`;
}

/** Read a Server-Sent Events stream to its end: [{event, data, id}]. */
export async function readSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  contentType: string | null;
  events: Array<{ event: string; data: Loose; id?: string }>;
}> {
  const res = await fetch(url, { headers });
  const contentType = res.headers.get('content-type');
  if (!res.ok || !res.body) return { status: res.status, contentType, events: [] };
  const text = await res.text();
  const events: Array<{ event: string; data: Loose; id?: string }> = [];
  for (const block of text.split('\n\n')) {
    let event = 'message';
    let data = '';
    let id: string | undefined;
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) {
        event = line.slice(7);
        any = true;
      } else if (line.startsWith('data: ')) {
        data += line.slice(6);
        any = true;
      } else if (line.startsWith('id: ')) id = line.slice(4);
    }
    if (any) events.push({ event, data: JSON.parse(data), id });
  }
  return { status: res.status, contentType, events };
}
