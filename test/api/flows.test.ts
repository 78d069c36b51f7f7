// POST /flows/run and POST /flows/validate against a real server: sources, flows_dir confinement, every
// bad input with its documented status and error body, and the server keeps serving afterwards.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startServer, type TestServer, THREE_STEPS, tempDir } from './helpers.js';

let srv: TestServer;
let flowsDir: string;
let outside: string;

beforeAll(async () => {
  flowsDir = tempDir('ironflow-api-flows-');
  outside = tempDir('ironflow-api-outside-');
  writeFileSync(join(flowsDir, 'three.lua'), THREE_STEPS);
  mkdirSync(join(flowsDir, 'sub'));
  writeFileSync(
    join(flowsDir, 'sub', 'dir.lua'),
    'local f = Flow.new("dir")\nf:step("d", function(ctx) return { dir = ctx._flow_dir } end)\nreturn f\n',
  );
  writeFileSync(join(flowsDir, 'broken.lua'), 'local f = Flow.new("broken"\nSECRET_LINE_CONTENT = 1\n');
  writeFileSync(join(outside, 'secret.lua'), THREE_STEPS);
  symlinkSync(join(outside, 'secret.lua'), join(flowsDir, 'escape.lua'));
  srv = await startServer({ flowsDir: await (await import('node:fs/promises')).realpath(flowsDir) });
});
afterAll(() => srv.stop());

const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  call(srv.url, 'POST', path, body, headers);

describe('POST /flows/run', () => {
  test('runs inline source and records the run', async () => {
    const r = await post('/flows/run', { source: THREE_STEPS, context: { name: 'Ann' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ run_id: expect.any(String), flow_name: 'three_steps', status: 'success' });
    const run = await call(srv.url, 'GET', `/runs/${r.body.run_id}`);
    expect(run.status).toBe(200);
    expect(run.body.ctx).toMatchObject({ name: 'Ann', greeting: 'Hello Ann', final: 'Hello Ann!' });
    // Inline source gets the configured flows_dir as _flow_dir.
    expect(run.body.ctx._flow_dir).toBe(srv.server.api.config.flowsDir);
    expect(Object.keys(run.body.tasks)).toEqual(['greet', 'say', 'shout']);
  });

  test('source_base64 and file work; a file run gets its directory as _flow_dir', async () => {
    const b64 = Buffer.from(THREE_STEPS).toString('base64');
    const a = await post('/flows/run', { source_base64: b64, context: { name: 'B' } });
    expect(a.status).toBe(200);
    expect(a.body.status).toBe('success');
    const f = await post('/flows/run', { file: 'sub/dir.lua' });
    expect(f.status).toBe(200);
    const run = await call(srv.url, 'GET', `/runs/${f.body.run_id}`);
    expect(run.body.ctx.dir).toBe(join(srv.server.api.config.flowsDir!, 'sub'));
    // an absolute path under flows_dir is accepted too
    const abs = await post('/flows/run', { file: join(srv.server.api.config.flowsDir!, 'three.lua') });
    expect(abs.status).toBe(200);
  });

  test('a failed run still answers 200 with status failed; context null means {}', async () => {
    const src = `local f = Flow.new("fails")
f:step("boom", function() error("nope") end)
return f`;
    const r = await post('/flows/run', { source: src, context: null });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('failed');
  });

  test('source selection errors', async () => {
    const none = await post('/flows/run', { context: {} });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({
      error: "Exactly one of 'source', 'source_base64', or 'file' is required",
      code: 'bad_request',
    });
    const two = await post('/flows/run', { source: '', file: 'x.lua' });
    expect(two.status).toBe(400);
    expect(two.body).toEqual({
      error: "Only one of 'source', 'source_base64', or 'file' may be provided",
      code: 'bad_request',
    });
    const b64 = await post('/flows/run', { source_base64: 'not base64!' });
    expect(b64.status).toBe(400);
    expect(b64.body.code).toBe('bad_request');
    expect(b64.body.error).toMatch(/^Invalid base64 in 'source_base64': /);
    const utf = await post('/flows/run', {
      source_base64: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'),
    });
    expect(utf.status).toBe(400);
    expect(utf.body.error).toMatch(/^Base64 payload is not valid UTF-8: /);
  });

  test('malformed JSON, wrong types, wrong content type, oversized body', async () => {
    const bad = await post('/flows/run', '{"source": ');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_request');
    expect(bad.body.error).toMatch(/^Malformed JSON body/);
    const wrong = await post('/flows/run', { source: THREE_STEPS, context: [1, 2] });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('unprocessable_entity');
    expect(wrong.body.error).toContain('context');
    const num = await post('/flows/run', { source: 42 });
    expect(num.status).toBe(422);
    const arr = await post('/flows/run', [1]);
    expect(arr.status).toBe(422);
    const text = await post('/flows/run', 'source=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');
    const big = await post('/flows/run', { source: `-- ${'x'.repeat(1_100_000)}` });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('payload_too_large');
    const empty = await post('/flows/run', '');
    expect(empty.status).toBe(400);
    const proto = await post('/flows/run', '{"source":"x","context":{"__proto__":{"a":1}}}');
    expect(proto.status).toBe(400);
  });

  test('a Lua syntax error in inline source is 400 with the detail', async () => {
    const r = await post('/flows/run', { source: 'local f = Flow.new("x"\nreturn f' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    expect(r.body.error).toMatch(/^Failed to parse flow: Failed to evaluate flow source: /);
  });

  test('a flow file that fails to load gives the generic message (IF-045)', async () => {
    const r = await post('/flows/run', { file: 'broken.lua' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'Failed to load flow file', code: 'bad_request' });
    expect(r.text).not.toContain('SECRET_LINE_CONTENT');
  });

  test('validation failure: 400 with the list of errors and no run record', async () => {
    const before = (await call(srv.url, 'GET', '/runs?limit=1000')).body.total;
    const src = `local f = Flow.new("cyc")
f:step("a", nodes.log({ message = "a" })):depends_on("b")
f:step("b", nodes.log({ message = "b" })):depends_on("a")
f:step("c", nodes.nope({}))
return f`;
    const r = await post('/flows/run', { source: src.replace('nodes.nope({})', '{ _node_type = "nope" }') });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    expect(r.body.error).toMatch(/^Flow validation failed: /);
    expect(r.body.errors).toEqual(
      expect.arrayContaining([expect.stringContaining("unknown node type 'nope'")]),
    );
    const after = (await call(srv.url, 'GET', '/runs?limit=1000')).body.total;
    expect(after).toBe(before);
  });

  test('flows_dir confinement: every miss or escape is the same 404', async () => {
    for (const file of [
      'missing.lua',
      '../x.lua',
      'sub/../three.lua',
      join(outside, 'secret.lua'),
      '/etc/passwd',
      'escape.lua',
      'sub',
    ]) {
      const r = await post('/flows/run', { file });
      expect(r.status, file).toBe(404);
      expect(r.body, file).toEqual({ error: `Flow file not found: ${file}`, code: 'not_found' });
    }
  });

  test('the flow source size limit', async () => {
    const { overrideSetting } = await import('../../src/config/settings.js');
    overrideSetting('IRONFLOW_MAX_FLOW_SOURCE_BYTES', 100);
    try {
      const r = await post('/flows/run', { source: THREE_STEPS });
      expect(r.status).toBe(413);
      expect(r.body.error).toContain('IRONFLOW_MAX_FLOW_SOURCE_BYTES');
    } finally {
      overrideSetting('IRONFLOW_MAX_FLOW_SOURCE_BYTES', undefined);
    }
  });

  test('the server keeps serving after all of the above', async () => {
    const h = await call(srv.url, 'GET', '/health');
    expect(h.status).toBe(200);
    const r = await post('/flows/run', { source: THREE_STEPS, context: { name: 'again' } });
    expect(r.body.status).toBe('success');
  });
});

describe('POST /flows/validate', () => {
  test('a valid flow', async () => {
    const r = await post('/flows/validate', { source: THREE_STEPS });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: true, flow_name: 'three_steps', steps: 3 });
  });

  test('validation errors are listed; step_if guards count as steps', async () => {
    const src = `local f = Flow.new("v")
f:step("a", nodes.log({ message = "a" })):depends_on("ghost")
f:step_if("ctx.x > 1", "b", nodes.log({ message = "b" }))
return f`;
    const r = await post('/flows/validate', { source: src });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(false);
    expect(r.body.flow_name).toBe('v');
    expect(r.body.steps).toBe(3);
    expect(r.body.errors).toEqual(["Step 'a' depends on 'ghost', which does not exist"]);
  });

  test('undefined globals warn, and fail under strict', async () => {
    const src = `local f = Flow.new("w")
f:step("s", function(ctx) return { x = undefinedName } end)
return f`;
    const lax = await post('/flows/validate', { source: src });
    expect(lax.body.valid).toBe(true);
    expect(lax.body.errors).toBeUndefined();
    expect(lax.body.warnings).toEqual([
      expect.objectContaining({
        code: 'undefined_global',
        line: expect.any(Number),
        column: expect.any(Number),
      }),
    ]);
    const strict = await post('/flows/validate', { source: src, strict: true });
    expect(strict.body.valid).toBe(false);
    expect(strict.body.errors).toHaveLength(1);
    expect(strict.body.errors[0]).toContain('undefinedName');
  });

  test('a load failure is 200 with valid false; file load failures stay generic', async () => {
    const r = await post('/flows/validate', { source: 'return 42' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ valid: false, flow_name: null, steps: null });
    expect(r.body.errors[0]).toMatch(/^Failed to evaluate flow source/);
    const f = await post('/flows/validate', { file: 'broken.lua' });
    expect(f.body).toEqual({
      valid: false,
      flow_name: null,
      steps: null,
      errors: ['Failed to load flow file'],
    });
  });

  test('source errors are the same as for /flows/run', async () => {
    expect((await post('/flows/validate', {})).status).toBe(400);
    expect((await post('/flows/validate', { file: '../x.lua' })).status).toBe(404);
    expect((await post('/flows/validate', { source: 'x', source_base64: 'eA==' })).status).toBe(400);
  });
});

describe('ad-hoc flows disabled (IF-054/056)', () => {
  test('inline source is 403 on both endpoints; files still work', async () => {
    const s = await startServer({ flowsDir: srv.server.api.config.flowsDir, allowAdhocFlows: false });
    try {
      for (const path of ['/flows/run', '/flows/validate']) {
        const a = await call(s.url, 'POST', path, { source: THREE_STEPS });
        expect(a.status).toBe(403);
        expect(a.body.code).toBe('forbidden');
        const b = await call(s.url, 'POST', path, { source_base64: 'eA==' });
        expect(b.status).toBe(403);
      }
      const f = await call(s.url, 'POST', '/flows/run', { file: 'three.lua', context: { name: 'x' } });
      expect(f.status).toBe(200);
      expect(f.body.status).toBe('success');
      const esc = await call(s.url, 'POST', '/flows/run', { file: '../x.lua' });
      const abs = await call(s.url, 'POST', '/flows/run', { file: '/tmp/x.lua' });
      expect(esc.status).toBe(404);
      expect(abs.status).toBe(404);
    } finally {
      await s.stop();
    }
  });
});
