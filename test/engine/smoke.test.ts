import { afterAll, expect, test } from 'vitest';
import { runSource, testEngine } from '../helpers/engine.js';

const { engine, store } = testEngine();
afterAll(() => engine.close());

test('hello world flow runs and is recorded', async () => {
  const run = await runSource(
    engine,
    `
local flow = Flow.new("hello")
flow:step("greet", nodes.template_render({ template = "Hello \${ctx.user_name}!", output_key = "greeting" }))
flow:step("log", nodes.log({ message = "\${ctx.greeting}" })):depends_on("greet")
flow:step("fn", function(ctx) return { len = #ctx.greeting } end):depends_on("greet")
return flow`,
    { user_name: 'Alice' },
  );
  expect(run.status).toBe('success');
  expect(run.ctx).toMatchObject({
    user_name: 'Alice',
    greeting: 'Hello Alice!',
    log_message: 'Hello Alice!',
    len: 12,
  });
  expect(Object.keys(run.tasks)).toEqual(['greet', 'log', 'fn']);
  const stored = await store.getRun(run.id);
  expect(stored.status).toBe('success');
  expect(stored.tasks.fn?.output).toEqual({ len: 12 });
});
