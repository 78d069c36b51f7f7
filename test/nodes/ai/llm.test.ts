import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';
import { ResourcePool } from '../../../src/engine/resources.js';
import { walkText } from '../../../src/nodes/ai/llm-reply.js';
import { checkNode, type LogLine, runNode } from '../../helpers/nodes.js';
import { type OpenAIStandIn, startOpenAI } from '../../services/openai.js';
import { useProviderEnv } from './env.js';

let s: OpenAIStandIn;
beforeAll(async () => {
  s = await startOpenAI();
});
afterAll(async () => {
  await s.stop();
});
useProviderEnv(() => s.env);
beforeEach(() => s.reset());

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('llm chat (openai)', () => {
  test('prompt + system prompt: request sent and outputs', async () => {
    const out = await runNode(
      'llm',
      { prompt: 'Hello ${ctx.name}', system_prompt: 'Be brief.', temperature: 0.2, max_tokens: 50 },
      { name: 'Ann' },
    );
    const [req] = s.requestsFor('chat');
    expect(req!.path).toBe('/v1/chat/completions');
    expect(req!.headers.authorization).toBe(`Bearer ${s.env.OPENAI_API_KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({
      model: 'gpt-5-mini',
      temperature: 0.2,
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello Ann' },
      ],
    });
    // Request bodies are canonical JSON (sorted keys, NODES 1.4).
    expect(req!.raw.startsWith('{"max_tokens":50,"messages":')).toBe(true);
    expect(out).toMatchObject({
      llm_text: 'Echo: Hello Ann',
      llm_model: 'gpt-5-mini',
      llm_provider: 'openai',
      llm_mode: 'chat',
      llm_status: 200,
      llm_success: true,
      llm_tool_calls: [],
      llm_tool_call_needed: false,
      llm_tool_call_names: [],
      llm_usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
    expect((out.llm_raw as { id: string }).id).toBe('chatcmpl-1');
    expect(out).not.toHaveProperty('llm_json');
  });

  test('`system` alias, input_key, chat_model, output_key', async () => {
    const out = await runNode(
      'llm',
      { input_key: 'question', system: 'S', chat_model: 'gpt-4.1', output_key: 'answer' },
      { question: 'Why?' },
    );
    expect(s.requestsFor('chat')[0]!.body).toMatchObject({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Why?' },
      ],
    });
    expect(out.answer_text).toBe('Echo: Why?');
    await expect(runNode('llm', { input_key: 'question' }, { question: 5 })).rejects.toThrow(
      "llm: input_key 'question' not found or not a string",
    );
  });

  test('messages are sent as given (string leaves interpolated); system_prompt then ignored', async () => {
    await runNode(
      'llm',
      {
        messages: [
          { role: 'system', content: 'You are ${ctx.persona}.' },
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        ],
        system_prompt: 'ignored',
        prompt: 'also ignored',
      },
      { persona: 'a pirate' },
    );
    expect((s.requestsFor('chat')[0]!.body as { messages: unknown }).messages).toEqual([
      { role: 'system', content: 'You are a pirate.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    ]);
  });

  test('tool-call round trip', async () => {
    const first = await runNode('llm', {
      prompt: 'Weather in Paris?',
      tools: WEATHER_TOOL,
      tool_choice: 'auto',
    });
    const req1 = s.requestsFor('chat')[0]!.body as Record<string, unknown>;
    expect(req1.tools).toEqual([WEATHER_TOOL]);
    expect(req1.tool_choice).toBe('auto');
    expect(first).toMatchObject({
      llm_text: '<tool call requested>',
      llm_tool_call_needed: true,
      llm_tool_call_names: ['get_weather'],
    });
    const call = (first.llm_tool_calls as Array<{ id: string; function: { arguments: string } }>)[0]!;
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });

    const second = await runNode(
      'llm',
      {
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              {
                id: '${ctx.call_id}',
                type: 'function',
                function: { name: 'get_weather', arguments: '${ctx.args}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: '${ctx.call_id}', content: '${ctx.result}' },
        ],
      },
      { call_id: call.id, args: call.function.arguments, result: '18°C, sunny' },
    );
    const sent = (s.requestsFor('chat')[1]!.body as { messages: Array<Record<string, unknown>> }).messages;
    expect(sent[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' });
    expect(second).toMatchObject({ llm_text: 'Tool result: 18°C, sunny', llm_tool_call_needed: false });
  });

  test('JSON response formats: extra.response_format and top-level response_format', async () => {
    const schema = {
      type: 'object',
      properties: { summary: { type: 'string' }, score: { type: 'number' }, ok: { type: 'boolean' } },
      required: ['summary', 'score', 'ok'],
    };
    const out = await runNode('llm', {
      prompt: 'Rate it',
      extra: {
        response_format: { type: 'json_schema', json_schema: { name: 'rating', schema, strict: true } },
      },
    });
    expect((s.requestsFor('chat')[0]!.body as Record<string, unknown>).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'rating', schema, strict: true },
    });
    expect(out.llm_json).toEqual({ summary: 'Rate it', score: 42, ok: true });

    const obj = await runNode('llm', { prompt: 'x', response_format: 'json_object' });
    expect((s.requestsFor('chat')[1]!.body as Record<string, unknown>).response_format).toEqual({
      type: 'json_object',
    });
    expect(obj.llm_json).toEqual({ reply: 'x' });
  });

  test('a JSON reply that breaks the requested schema fails the step, naming every violation', async () => {
    const schema = {
      type: 'object',
      properties: { score: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['score', 'summary'],
    };
    const rf = { type: 'json_schema', json_schema: { name: 'rating', schema, strict: true } };
    s.enqueue('chat', {
      body: { choices: [{ message: { content: '{"score": "high", "tags": ["a", 2]}' } }] },
    });
    const err = await runNode('llm', { prompt: 'x', response_format: rf }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain('llm: the model reply does not match the requested JSON schema');
    expect(msg).toContain('summary');
    expect(msg).toContain('/score');
    expect(msg).toContain('/tags/1');
    // A reply that follows it passes through as llm_json.
    s.enqueue('chat', { body: { choices: [{ message: { content: '{"score": 3, "summary": "ok"}' } }] } });
    expect((await runNode('llm', { prompt: 'x', response_format: rf })).llm_json).toEqual({
      score: 3,
      summary: 'ok',
    });
    // A schema Ajv cannot compile is named as the problem.
    const bad = { type: 'json_schema', json_schema: { name: 'b', schema: { type: 'no-such-type' } } };
    s.enqueue('chat', { body: { choices: [{ message: { content: '{}' } }] } });
    await expect(runNode('llm', { prompt: 'x', response_format: bad })).rejects.toThrow(
      'llm: the response_format JSON schema is invalid',
    );
  });

  test('a reply that is not JSON when JSON was asked for fails the step', async () => {
    s.enqueue('chat', {
      body: { choices: [{ message: { role: 'assistant', content: 'Sure! Here is the data: {oops' } }] },
    });
    await expect(runNode('llm', { prompt: 'x', response_format: 'json_object' })).rejects.toThrow(
      'llm: the model reply is not valid JSON although a JSON response format was requested: Sure! Here is the data: {oops',
    );
    // One Markdown fence around the whole reply is tolerated.
    s.enqueue('chat', { body: { choices: [{ message: { content: '```json\n{"a": 1}\n```' } }] } });
    expect((await runNode('llm', { prompt: 'x', response_format: 'json_object' })).llm_json).toEqual({
      a: 1,
    });
  });

  test('reply text shapes: content parts, choices[0].text, nothing', async () => {
    s.enqueue('chat', {
      body: {
        choices: [
          {
            message: {
              content: [
                { type: 'text', text: 'Part one.' },
                { type: 'text', text: 'Part two.' },
              ],
            },
          },
        ],
      },
    });
    expect((await runNode('llm', { prompt: 'x' })).llm_text).toBe('Part one. Part two.');
    s.enqueue('chat', { body: { choices: [{ text: 'legacy completion' }] } });
    expect((await runNode('llm', { prompt: 'x' })).llm_text).toBe('legacy completion');
    s.enqueue('chat', { body: { choices: [{ message: { content: '' } }] } });
    const empty = await runNode('llm', { prompt: 'x' });
    expect(empty.llm_text).toBe('<no reply>');
    expect(empty).not.toHaveProperty('llm_usage');
    // A 2xx body that is not JSON is kept as a string (NODES 17.1).
    s.enqueue('chat', { raw: '{"choices": [' });
    const bad = await runNode('llm', { prompt: 'x' });
    expect(bad).toMatchObject({ llm_raw: '{"choices": [', llm_text: '<no reply>', llm_status: 200 });
  });

  test('extra entries go last and override the model; llm_model reports what was sent', async () => {
    const out = await runNode('llm', { prompt: 'x', model: 'a', extra: { model: 'b', seed: 7 } });
    expect(s.requestsFor('chat')[0]!.body).toMatchObject({ model: 'b', seed: 7 });
    expect(out.llm_model).toBe('b');
  });
});

describe('llm responses mode', () => {
  test('prompt → input string, system prompt → instructions, max_tokens → max_output_tokens', async () => {
    const out = await runNode('llm', {
      mode: 'Responses',
      prompt: 'Summarise',
      system_prompt: 'Be terse.',
      max_tokens: 100,
      responses_model: 'gpt-5',
    });
    const [req] = s.requestsFor('responses');
    expect(req!.path).toBe('/v1/responses');
    expect(req!.body).toEqual({
      model: 'gpt-5',
      input: 'Summarise',
      instructions: 'Be terse.',
      max_output_tokens: 100,
    });
    expect(out).toMatchObject({
      llm_text: 'Echo: Summarise',
      llm_mode: 'responses',
      llm_model: 'gpt-5',
      llm_usage: { input_tokens: 1, output_tokens: 3, total_tokens: 4 },
    });
  });

  test('messages become the input array; chat-style tools are converted; function calls are reported', async () => {
    const out = await runNode('llm', {
      mode: 'responses',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [WEATHER_TOOL, { type: 'web_search' }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(s.requestsFor('responses')[0]!.body).toEqual({
      model: 'gpt-5-mini',
      input: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: WEATHER_TOOL.function.parameters,
        },
        { type: 'web_search' },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
    });
    expect(out).toMatchObject({
      llm_text: '<tool call requested>',
      llm_tool_call_needed: true,
      llm_tool_call_names: ['get_weather'],
    });
  });

  test('output_text wins; JSON schema goes to text.format', async () => {
    s.enqueue('responses', { body: { output_text: 'short answer', output: [] } });
    expect((await runNode('llm', { mode: 'responses', prompt: 'q' })).llm_text).toBe('short answer');
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const out = await runNode('llm', {
      mode: 'responses',
      prompt: 'Oslo',
      response_format: { type: 'json_schema', json_schema: { name: 'c', schema, strict: true } },
    });
    expect((s.requestsFor('responses')[1]!.body as Record<string, unknown>).text).toEqual({
      format: { type: 'json_schema', name: 'c', schema, strict: true },
    });
    expect(out.llm_json).toEqual({ city: 'Oslo' });
  });

  test('never sends an empty input', async () => {
    await expect(runNode('llm', { mode: 'responses', prompt: '' })).rejects.toThrow(
      'llm: responses mode needs a non-empty input',
    );
    expect(s.requests).toHaveLength(0);
  });

  test('auto: responses when no messages and responses_input, else chat', async () => {
    expect((await runNode('llm', { mode: 'auto', prompt: 'a', responses_input: true })).llm_mode).toBe(
      'responses',
    );
    expect((await runNode('llm', { mode: 'AUTO', prompt: 'a' })).llm_mode).toBe('chat');
    const withMessages = await runNode('llm', {
      mode: 'auto',
      responses_input: true,
      messages: [{ role: 'user', content: 'm' }],
    });
    expect(withMessages.llm_mode).toBe('chat');
  });
});

describe('llm providers', () => {
  test('azure: deployment URL, api-version, api-key header, model = deployment', async () => {
    const out = await runNode('llm', { provider: 'Azure', prompt: 'hi' });
    const [req] = s.requestsFor('azure_chat');
    expect(req!.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
    expect(req!.query).toEqual({ 'api-version': '2024-08-01-preview' });
    expect(req!.headers['api-key']).toBe(s.env.AZURE_OPENAI_API_KEY);
    expect(req!.headers.authorization).toBeUndefined();
    expect(out).toMatchObject({ llm_provider: 'azure', llm_model: 'gpt-4o-mini', llm_text: 'Echo: hi' });

    await runNode('llm', {
      provider: 'azure',
      mode: 'responses',
      prompt: 'hi',
      azure_responses_deployment: 'resp-dep',
      azure_api_version: '2025-03-01-preview',
    });
    const [r2] = s.requestsFor('azure_responses');
    expect(r2!.path).toBe('/openai/deployments/resp-dep/responses');
    expect(r2!.query['api-version']).toBe('2025-03-01-preview');

    delete process.env.AZURE_OPENAI_CHAT_DEPLOYMENT;
    await expect(runNode('llm', { provider: 'azure', prompt: 'hi' })).rejects.toThrow(
      'llm (azure) requires deployment for selected mode',
    );
    delete process.env.AZURE_OPENAI_ENDPOINT;
    await expect(runNode('llm', { provider: 'azure', prompt: 'hi' })).rejects.toThrow(
      "llm (azure) requires 'azure_endpoint' or AZURE_OPENAI_ENDPOINT",
    );
  });

  test('Gemini and Groq through their OpenAI-compatible base URLs', async () => {
    const gemini = await runNode('llm', {
      provider: 'custom',
      base_url: s.env.GEMINI_BASE_URL,
      api_key: s.env.GEMINI_API_KEY,
      model: 'gemini-2.0-flash',
      prompt: 'hi',
    });
    expect(s.requests[0]!.path).toBe('/v1beta/openai/chat/completions');
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${s.env.GEMINI_API_KEY}`);
    expect(gemini).toMatchObject({ llm_provider: 'custom', llm_model: 'gemini-2.0-flash' });
    process.env.OPENAI_COMPATIBLE_BASE_URL = s.env.GROQ_BASE_URL!;
    const groq = await runNode('llm', {
      provider: 'compatible',
      api_key: s.env.GROQ_API_KEY,
      model: 'llama-3.3-70b-versatile',
      prompt: 'hi',
    });
    expect(s.requests[1]!.path).toBe('/openai/v1/chat/completions');
    expect(groq.llm_provider).toBe('openai_compatible');
  });

  test('custom: paths, full-URL path, api_key header, no auth', async () => {
    await runNode('llm', {
      provider: 'custom',
      base_url: `${s.url}/gw/`,
      chat_path: 'v2/chat/completions',
      auth_type: 'api_key',
      auth_header: 'X-Goog-Api-Key',
      api_key: s.env.GEMINI_API_KEY,
      prompt: 'a',
    });
    expect(s.requests[0]!.path).toBe('/gw/v2/chat/completions');
    expect(s.requests[0]!.headers['x-goog-api-key']).toBe(s.env.GEMINI_API_KEY);
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    s.reset();
    // auth_type none sends no credentials at all, so the stand-in refuses the call.
    await expect(
      runNode('llm', {
        provider: 'custom',
        path: `${s.url}/x/chat/completions`,
        auth_type: 'none',
        api_key: 'k',
        prompt: 'a',
      }),
    ).rejects.toThrow('returned 401');
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    delete process.env.LLM_BASE_URL;
    await expect(runNode('llm', { provider: 'custom', prompt: 'a' })).rejects.toThrow(
      "llm (custom) requires 'base_url' or LLM_BASE_URL when using custom provider",
    );
    expect(checkNode('llm', { provider: 'custom', auth_type: 'digest', prompt: 'a' })).toEqual([
      "llm: unsupported auth_type 'digest' for custom provider; use 'bearer', 'api_key', or 'none'",
    ]);
  });

  test('ollama: /api/chat body, tools, JSON format, usage from counts', async () => {
    const out = await runNode('llm', {
      provider: 'ollama',
      prompt: 'hi',
      system_prompt: 'sys',
      temperature: 0,
      max_tokens: 64,
      response_format: 'json_object',
    });
    expect(s.requestsFor('ollama_chat')[0]!.body).toEqual({
      model: 'llama3.2',
      stream: false,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
      ],
      options: { temperature: 0, num_predict: 64 },
      format: 'json',
    });
    expect(out).toMatchObject({
      llm_provider: 'ollama',
      llm_json: { reply: 'hi' },
      llm_usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
    });
    const tools = await runNode('llm', {
      provider: 'ollama',
      model: 'qwen3',
      prompt: 'Oslo',
      tools: [WEATHER_TOOL],
    });
    expect(tools).toMatchObject({ llm_tool_call_names: ['get_weather'], llm_text: '<tool call requested>' });
    await expect(runNode('llm', { provider: 'ollama', mode: 'responses', prompt: 'x' })).rejects.toThrow(
      "llm (ollama) supports only mode 'chat'",
    );
  });

  test('oauth: client-credentials token, cached across calls', async () => {
    const pool = new ResourcePool();
    await runNode('llm', { provider: 'oauth', prompt: 'a' }, {}, { resources: pool });
    await runNode('llm', { provider: 'oauth', prompt: 'b', mode: 'responses' }, {}, { resources: pool });
    expect(s.tokenRequests()).toBe(1);
    expect(s.requestsFor('chat')[0]!.headers.authorization).toBe('Bearer tok-ironflow-test-1');
    expect(s.requestsFor('responses')[0]!.headers.authorization).toBe('Bearer tok-ironflow-test-1');
    // ai_embed with the same credentials shares the token.
    await runNode('ai_embed', { provider: 'oauth', input_key: 'q' }, { q: 'x' }, { resources: pool });
    expect(s.tokenRequests()).toBe(1);
    delete process.env.OAUTH_TOKEN_URL;
    await expect(runNode('llm', { provider: 'oauth', prompt: 'a' })).rejects.toThrow(
      "llm (oauth) requires 'token_url' or OAUTH_TOKEN_URL",
    );
  });
});

describe('llm errors', () => {
  test('HTTP errors keep the status, URL and body', async () => {
    s.enqueue('chat', { status: 400, body: { error: { message: 'Invalid model' } } });
    const err = await runNode('llm', { prompt: 'x' }).catch((e) => e);
    expect(err.message).toBe(
      `llm: request to openai (${s.env.OPENAI_BASE_URL}/chat/completions) returned 400: {"error":{"message":"Invalid model"}}`,
    );
    expect(err.retryable).toBe(false);
    s.enqueue('chat', { status: 503, raw: 'upstream down' });
    const e5 = await runNode('llm', { prompt: 'x' }).catch((e) => e);
    expect(e5.message).toMatch(/returned 503: upstream down$/);
    expect(e5.retryable).toBe(true);
  });

  test('API keys never appear in errors, logs or outputs', async () => {
    const key = 'sk-live-very-secret-key-42';
    const logs: LogLine[] = [];
    const err = await runNode('llm', { prompt: 'x', api_key: key }, {}, { logs }).catch((e) => e);
    expect(err.message).toContain('returned 401');
    expect(err.message).toContain('Incorrect API key provided: ***');
    expect(err.message).not.toContain(key);
    const out = await runNode('llm', { prompt: 'x' }, {}, { logs });
    const everything = JSON.stringify([logs, out]);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(s.env.OPENAI_API_KEY);
  });

  test('credentials in a base URL are masked in messages', async () => {
    s.enqueue('chat', { status: 500, raw: 'boom' });
    const base = s.env.OPENAI_BASE_URL!.replace('http://', 'http://user:hunter22@');
    const err = await runNode('llm', { prompt: 'x', base_url: `${base}?api_key=zzz-secret` }).catch((e) => e);
    expect(err.message).toContain('http://user:***@127.0.0.1');
    expect(err.message).not.toContain('hunter22');
    expect(err.message).not.toContain('zzz-secret');
  });

  test('redirects: followed within the origin, refused to another origin', async () => {
    s.enqueue('chat', { status: 307, headers: { location: '/v2/chat/completions' } });
    const out = await runNode('llm', { prompt: 'moved' });
    expect(out.llm_text).toBe('Echo: moved');
    const [a, b] = s.requestsFor('chat');
    expect([a!.path, b!.path]).toEqual(['/v1/chat/completions', '/v2/chat/completions']);
    expect(b!.raw).toBe(a!.raw);
    expect(b!.headers.authorization).toBe(a!.headers.authorization);
    s.reset();
    s.enqueue('chat', { status: 308, headers: { location: 'http://127.0.0.2:9/collect?token=abc123' } });
    const err = await runNode('llm', { prompt: 'x' }).catch((e) => e);
    expect(err.message).toMatch(
      /^llm: request to openai \(.+\) was redirected \(308\) to another origin, http:\/\/127\.0\.0\.2:9\/collect\?token=\*\*\*; not followed/,
    );
    expect(s.requests).toHaveLength(1);
  });

  test('missing API key names the env var', async () => {
    delete process.env.OPENAI_API_KEY;
    await expect(runNode('llm', { prompt: 'x' })).rejects.toThrow(
      "llm (openai) requires 'api_key' or OPENAI_API_KEY",
    );
    await expect(
      runNode('llm', { provider: 'openai_compatible', base_url: s.url, prompt: 'x' }),
    ).rejects.toThrow("llm (openai) requires 'api_key' or OPENAI_API_KEY");
    delete process.env.LLM_BASE_URL;
    await expect(runNode('llm', { provider: 'openai_compatible', prompt: 'x' })).rejects.toThrow(
      "llm (openai_compatible) requires 'base_url' or OPENAI_COMPATIBLE_BASE_URL/LLM_BASE_URL",
    );
  });

  test('static checks use the original texts', () => {
    expect(checkNode('llm', {})).toEqual(["llm: either 'prompt', 'input_key', or 'messages' is required"]);
    expect(checkNode('llm', { prompt: 'x', mode: 'stream' })).toEqual([
      "llm: unsupported mode 'stream'. Use 'chat', 'responses', or 'auto'.",
    ]);
    expect(checkNode('llm', { prompt: 'x', provider: 'anthropic' })).toEqual([
      "llm: unsupported provider 'anthropic'. Use 'openai', 'openai_compatible', 'azure', 'custom', 'ollama', or 'oauth'.",
    ]);
    expect(checkNode('llm', { messages: 'hi' })).toEqual(["llm: 'messages' must be an array"]);
    expect(checkNode('llm', { prompt: 'x', tools: 'get_weather' })).toEqual([
      "llm: 'tools' must be an array of tool objects",
    ]);
    expect(checkNode('llm', { prompt: 'x', tool_choice: 3 })).toEqual([
      "llm: 'tool_choice' must be a string or object",
    ]);
    // An empty Lua table reaches JSON as {}: it counts as absent for messages and tools.
    expect(checkNode('llm', { prompt: 'x', messages: {}, tools: {} })).toEqual([]);
  });

  test('the node timeout and a cancelled step', async () => {
    s.enqueue('chat', { delayMs: 3000, body: {} });
    await expect(runNode('llm', { prompt: 'x', timeout: 0.2 })).rejects.toThrow(
      /^llm: request to openai \(http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\) timed out after 0\.2s$/,
    );
    s.enqueue('chat', { delayMs: 3000, body: {} });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('step deadline')), 100);
    await expect(runNode('llm', { prompt: 'x' }, {}, { signal: ac.signal })).rejects.toThrow('step deadline');
    const refused = await runNode('llm', { prompt: 'x', base_url: 'http://127.0.0.1:1/v1' }).catch((e) => e);
    expect(refused.message).toMatch(
      /^llm: request to openai \(http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions\) failed: /,
    );
  });

  test('the text-size limit is checked before any request (OAuth token included)', async () => {
    overrideSetting('IRONFLOW_MAX_AI_INPUT_BYTES', 100);
    await expect(runNode('llm', { provider: 'oauth', prompt: 'x'.repeat(200) })).rejects.toThrow(
      /^llm: the request is \d+ bytes, over the limit of 100 bytes \(IRONFLOW_MAX_AI_INPUT_BYTES\)$/,
    );
    expect(s.requests).toHaveLength(0);
  });
});

describe('text walker', () => {
  test('walks text, content, message.content, else every value in key order', () => {
    expect(walkText('a')).toEqual(['a']);
    expect(walkText(['a', '', ['b']])).toEqual(['a', 'b']);
    expect(walkText({ text: 'only', content: 'not this' })).toEqual(['only']);
    expect(walkText({ content: [{ type: 'output_text', text: 'x' }] })).toEqual(['x']);
    expect(walkText({ message: { content: 'm' }, other: 'o' })).toEqual(['m']);
    expect(walkText({ b: 'second', a: 'first' })).toEqual(['first', 'second']);
  });
});
