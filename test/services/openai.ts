// A stand-in for the AI providers the `ai` nodes talk to, on 127.0.0.1 (node:http, no mocks):
//   OpenAI-style   POST …/chat/completions, …/responses, …/embeddings   (Bearer key or an issued token;
//                  any path prefix, so …/v1, Gemini's …/v1beta/openai and Groq's …/openai/v1 all work)
//   Azure OpenAI   POST /openai/deployments/:dep/chat/completions|responses?api-version=…  (`api-key`)
//   Ollama         POST /api/chat, /api/embed                                           (no auth)
//   OAuth 2        POST /token  (form-encoded client credentials → access_token, expires_in)
// Replies are deterministic: chat echoes the last user message, calls the first tool when tools are
// offered and no tool result is in the conversation yet, and answers JSON when a JSON format is asked
// for; embeddings map topic words to one-hot axes so semantic split points are predictable. Every request
// is recorded, and a test can queue scripted replies (error status, slow reply, malformed body).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Api =
  | 'chat'
  | 'responses'
  | 'embeddings'
  | 'azure_chat'
  | 'azure_responses'
  | 'ollama_chat'
  | 'ollama_embed'
  | 'token'
  | 'unknown';

export interface RecordedRequest {
  api: Api;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  raw: string;
  /** JSON body parsed, the form fields of a token request, or the raw text. */
  body: unknown;
}

export interface ScriptedReply {
  status?: number;
  /** A JSON body. */
  body?: unknown;
  /** A literal body (e.g. malformed JSON); wins over `body`. */
  raw?: string;
  /** Wait this long before answering (a slow provider). */
  delayMs?: number;
  /** Extra response headers (e.g. `location` for a redirect). */
  headers?: Record<string, string>;
}

export const TOPICS: readonly (readonly string[])[] = [
  ['cat', 'cats', 'kitten', 'kittens', 'dog', 'dogs', 'puppy', 'pet', 'pets'],
  ['rocket', 'rockets', 'orbit', 'planet', 'planets', 'launch', 'moon', 'astronaut'],
  ['cook', 'cooking', 'recipe', 'bake', 'oven', 'soup', 'bread', 'kitchen'],
  ['bank', 'loan', 'price', 'market', 'stock', 'money', 'tax', 'budget'],
  ['rain', 'snow', 'weather', 'storm', 'wind', 'cloud', 'forecast', 'sunny'],
  ['code', 'software', 'compiler', 'bug', 'program', 'server', 'database', 'deploy'],
];
/** Dimension of the stand-in embeddings: one axis per topic, one for "no topic word", one always zero. */
export const EMBED_DIM = TOPICS.length + 2;

/** The stand-in's embedding: counts of topic words per axis; a text without any is on the "other" axis. */
export function topicVector(text: string): number[] {
  const v: number[] = new Array<number>(EMBED_DIM).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    TOPICS.forEach((words, axis) => {
      if (words.includes(word)) v[axis]! += 1;
    });
  }
  if (!v.some((x) => x !== 0)) v[TOPICS.length] = 1;
  return v;
}

export interface StandInOptions {
  apiKey?: string;
  azureKey?: string;
  clients?: Record<string, string>;
  tokenExpiresIn?: number;
}

export interface OpenAIStandIn {
  /** http://127.0.0.1:<port> */
  url: string;
  env: Record<string, string>;
  requests: RecordedRequest[];
  requestsFor(api: Api): RecordedRequest[];
  /** Token requests received (all clients, or one client id). */
  tokenRequests(clientId?: string): number;
  /** Queue a reply for the next request of `api` (FIFO). */
  enqueue(api: Api, reply: ScriptedReply): void;
  /** expires_in of tokens issued from now on. */
  setTokenExpiresIn(seconds: number): void;
  /** Refuse every token issued so far (as if revoked). */
  revokeTokens(): void;
  /** Forget recorded requests and queued replies; token numbering starts again at 1. */
  reset(): void;
  stop(): Promise<void>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function partText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map(partText).join(' ');
  if (isObj(c)) return typeof c.text === 'string' ? c.text : partText(c.content);
  return '';
}

function lastOfRole(items: unknown, role: string): Obj | undefined {
  if (!Array.isArray(items)) return undefined;
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i];
    if (isObj(m) && m.role === role) return m;
  }
  return undefined;
}

/** A value matching a JSON schema, built from the user's text (strings), 42 and true. */
export function sampleFor(schema: unknown, text: string): unknown {
  if (!isObj(schema)) return text;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const out: Obj = {};
      const props = isObj(schema.properties) ? schema.properties : {};
      for (const [k, s] of Object.entries(props)) out[k] = sampleFor(s, text);
      return out;
    }
    case 'array':
      return [sampleFor(schema.items, text)];
    case 'number':
    case 'integer':
      return 42;
    case 'boolean':
      return true;
    default:
      return text;
  }
}

/**
 * The arguments the stand-in "model" passes to a tool: its first property gets the last capitalised word
 * of the user text ("Weather in Paris?" → "Paris"), or the whole text when there is none.
 */
function toolArgs(parameters: unknown, text: string): Obj {
  const props = isObj(parameters) && isObj(parameters.properties) ? parameters.properties : {};
  const first = Object.keys(props)[0];
  const names = text.match(/\b[A-Z][a-zA-Z]+\b/g);
  return first ? { [first]: names?.at(-1) ?? text } : {};
}

const words = (s: string) => (s.match(/\S+/g) ?? []).length;

/** Reply text for a conversation: a tool result is reported, JSON when asked for, else an echo. */
function answer(user: string, toolResult: string | undefined, json: 'object' | Obj | undefined): string {
  if (toolResult !== undefined) return `Tool result: ${toolResult}`;
  if (json === 'object') return JSON.stringify({ reply: user });
  if (json) return JSON.stringify(sampleFor(json, user));
  return `Echo: ${user}`;
}

function chatReply(body: Obj): Obj {
  const user = partText(lastOfRole(body.messages, 'user')?.content);
  const tool = lastOfRole(body.messages, 'tool');
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj) : [];
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const usage = { prompt_tokens: words(user), completion_tokens: 3, total_tokens: words(user) + 3 };
  if (tools.length > 0 && !tool) {
    const fn = isObj(tools[0]!.function) ? tools[0]!.function : {};
    const call = {
      id: 'call_1',
      type: 'function',
      function: { name: fn.name, arguments: JSON.stringify(toolArgs(fn.parameters, user)) },
    };
    return {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [call] },
          finish_reason: 'tool_calls',
        },
      ],
      usage,
    };
  }
  const rf = isObj(body.response_format) ? body.response_format : undefined;
  const json =
    rf?.type === 'json_object'
      ? 'object'
      : rf?.type === 'json_schema' && isObj(rf.json_schema)
        ? (rf.json_schema.schema as Obj)
        : undefined;
  const content = answer(user, tool ? partText(tool.content) : undefined, json);
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage,
  };
}

function responsesReply(body: Obj): Obj {
  const input = body.input;
  const user = typeof input === 'string' ? input : partText(lastOfRole(input, 'user')?.content);
  const items = Array.isArray(input) ? input.filter(isObj) : [];
  const toolOut = items.findLast((i) => i.type === 'function_call_output');
  const tools = Array.isArray(body.tools) ? body.tools.filter((t) => isObj(t) && t.type === 'function') : [];
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const usage = { input_tokens: words(user), output_tokens: 3, total_tokens: words(user) + 3 };
  if (tools.length > 0 && !toolOut) {
    const t = tools[0] as Obj;
    const call = {
      type: 'function_call',
      id: 'fc_1',
      call_id: 'call_1',
      name: t.name,
      arguments: JSON.stringify(toolArgs(t.parameters, user)),
      status: 'completed',
    };
    return { id: 'resp_1', object: 'response', model, status: 'completed', output: [call], usage };
  }
  const fmt = isObj(body.text) && isObj(body.text.format) ? body.text.format : undefined;
  const json =
    fmt?.type === 'json_object' ? 'object' : fmt?.type === 'json_schema' ? (fmt.schema as Obj) : undefined;
  const text = answer(user, toolOut ? String(toolOut.output) : undefined, json);
  return {
    id: 'resp_1',
    object: 'response',
    model,
    status: 'completed',
    output: [
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    usage,
  };
}

function ollamaChatReply(body: Obj): Obj {
  const user = partText(lastOfRole(body.messages, 'user')?.content);
  const tool = lastOfRole(body.messages, 'tool');
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObj) : [];
  const base = {
    model: body.model,
    created_at: '2025-01-01T00:00:00Z',
    done: true,
    done_reason: 'stop',
    prompt_eval_count: words(user),
    eval_count: 3,
  };
  if (tools.length > 0 && !tool) {
    const fn = isObj(tools[0]!.function) ? tools[0]!.function : {};
    const call = { function: { name: fn.name, arguments: toolArgs(fn.parameters, user) } };
    return { ...base, message: { role: 'assistant', content: '', tool_calls: [call] } };
  }
  const json = body.format === 'json' ? 'object' : isObj(body.format) ? body.format : undefined;
  return {
    ...base,
    message: { role: 'assistant', content: answer(user, tool ? partText(tool.content) : undefined, json) },
  };
}

function inputs(body: Obj): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  return Array.isArray(input) ? input.map((x) => String(x)) : [];
}

function route(path: string): Api {
  if (path === '/token') return 'token';
  const az = /^\/openai\/deployments\/[^/]+\/(chat\/completions|responses)$/.exec(path);
  if (az) return az[1] === 'responses' ? 'azure_responses' : 'azure_chat';
  if (path === '/api/chat') return 'ollama_chat';
  if (path === '/api/embed') return 'ollama_embed';
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/responses')) return 'responses';
  if (path.endsWith('/embeddings')) return 'embeddings';
  return 'unknown';
}

export async function startOpenAI(opts: StandInOptions = {}): Promise<OpenAIStandIn> {
  const apiKey = opts.apiKey ?? 'sk-test-standin-0123456789';
  const azureKey = opts.azureKey ?? 'azure-test-key-0123456789';
  const clients = opts.clients ?? { 'ironflow-test': 'client-secret-0123456789' };
  const extraKeys = ['gemini-test-key-0123456789', 'gsk-test-key-0123456789'];
  let expiresIn = opts.tokenExpiresIn ?? 3600;
  const requests: RecordedRequest[] = [];
  const queues = new Map<Api, ScriptedReply[]>();
  const tokens = new Set<string>();
  let issued = 0;
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };
  const openaiError = (res: ServerResponse, status: number, message: string) =>
    send(res, status, { error: { message, type: 'invalid_request_error', code: null } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = route(u.pathname);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    let body: unknown = raw;
    if (api === 'token') body = Object.fromEntries(new URLSearchParams(raw));
    else {
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text
      }
    }
    requests.push({
      api,
      method: req.method ?? '',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers,
      raw,
      body,
    });

    const scripted = queues.get(api)?.shift();
    if (scripted) {
      if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      if (res.destroyed) return;
      res.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers });
      res.end(scripted.raw ?? JSON.stringify(scripted.body ?? {}));
      return;
    }
    if (req.method !== 'POST') return openaiError(res, 405, 'method not allowed');
    if (api === 'unknown') return openaiError(res, 404, `no route for ${u.pathname}`);

    if (api === 'token') {
      const form = body as Record<string, string>;
      if (!headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return send(res, 400, { error: 'invalid_request', error_description: 'form body expected' });
      }
      if (form.grant_type !== 'client_credentials')
        return send(res, 400, { error: 'unsupported_grant_type' });
      const id = form.client_id ?? '';
      if (!Object.hasOwn(clients, id) || clients[id] !== form.client_secret) {
        return send(res, 401, { error: 'invalid_client' });
      }
      issued += 1;
      const token = `tok-${id}-${issued}`;
      tokens.add(token);
      return send(res, 200, {
        access_token: token,
        token_type: 'Bearer',
        expires_in: expiresIn,
        ...(form.scope ? { scope: form.scope } : {}),
      });
    }
    if (!isObj(body)) return openaiError(res, 400, 'the body must be a JSON object');

    if (api === 'ollama_chat') return send(res, 200, ollamaChatReply(body));
    if (api === 'ollama_embed') {
      return send(res, 200, { model: body.model, embeddings: inputs(body).map(topicVector) });
    }
    if (api === 'azure_chat' || api === 'azure_responses') {
      if (headers['api-key'] !== azureKey) {
        return send(res, 401, {
          error: { code: '401', message: 'Access denied due to invalid subscription key.' },
        });
      }
      if (!u.searchParams.get('api-version')) return openaiError(res, 404, 'Resource not found');
      return send(res, 200, api === 'azure_chat' ? chatReply(body) : responsesReply(body));
    }
    const auth = headers.authorization ?? '';
    // Bearer like OpenAI, or a key header like Gemini (`x-goog-api-key`) and many gateways (`x-api-key`).
    const key = auth.startsWith('Bearer ')
      ? auth.slice(7)
      : (headers['x-goog-api-key'] ?? headers['x-api-key'] ?? '');
    if (key !== apiKey && !extraKeys.includes(key) && !tokens.has(key)) {
      // Real providers mask the key; echoing it whole proves that the nodes redact it.
      return openaiError(res, 401, `Incorrect API key provided: ${key}`);
    }
    if (api === 'chat') return send(res, 200, chatReply(body));
    if (api === 'responses') return send(res, 200, responsesReply(body));
    const list = inputs(body);
    return send(res, 200, {
      object: 'list',
      model: body.model,
      data: list.map((t, index) => ({ object: 'embedding', index, embedding: topicVector(t) })),
      usage: { prompt_tokens: list.reduce((n, t) => n + words(t), 0), total_tokens: 0 },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) openaiError(res, 500, String(e));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [clientId, clientSecret] = Object.entries(clients)[0] ?? ['', ''];
  const env: Record<string, string> = {
    OPENAI_BASE_URL: `${url}/v1`,
    OPENAI_API_KEY: apiKey,
    LLM_BASE_URL: `${url}/v1`,
    OLLAMA_HOST: url,
    OLLAMA_BASE_URL: url,
    OAUTH_TOKEN_URL: `${url}/token`,
    OAUTH_CLIENT_ID: clientId,
    OAUTH_CLIENT_SECRET: clientSecret,
    OAUTH_BASE_URL: `${url}/v1`,
    AZURE_OPENAI_ENDPOINT: url,
    AZURE_OPENAI_API_KEY: azureKey,
    AZURE_OPENAI_CHAT_DEPLOYMENT: 'gpt-4o-mini',
    AZURE_OPENAI_API_VERSION: '2024-08-01-preview',
    GEMINI_BASE_URL: `${url}/v1beta/openai`,
    GEMINI_API_KEY: extraKeys[0]!,
    GROQ_BASE_URL: `${url}/openai/v1`,
    GROQ_API_KEY: extraKeys[1]!,
  };
  return {
    url,
    env,
    requests,
    requestsFor: (api) => requests.filter((r) => r.api === api),
    tokenRequests: (id) =>
      requests.filter((r) => r.api === 'token' && (id === undefined || (r.body as Obj).client_id === id))
        .length,
    enqueue(api, reply) {
      const q = queues.get(api) ?? [];
      q.push(reply);
      queues.set(api, q);
    },
    setTokenExpiresIn(s) {
      expiresIn = s;
    },
    revokeTokens: () => tokens.clear(),
    reset() {
      requests.length = 0;
      queues.clear();
      issued = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The services contract of docs/contributing.md: `{ env, stop }`. */
export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startOpenAI();
  return { env: s.env, stop: s.stop };
}
