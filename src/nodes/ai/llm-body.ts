// The request body of an llm call (NODES 17.1 "Request body"), per wire format: OpenAI Chat Completions,
// OpenAI Responses, and Ollama /api/chat. Responses mode carries messages, the system prompt and tools
// (the original silently dropped them and could send an empty input).
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import type { LlmMode } from './llm-endpoint.js';

type Obj = Record<string, unknown>;

export interface BodyInput {
  mode: LlmMode;
  /** `ollama` uses its own wire format; every other provider speaks OpenAI's. */
  ollama: boolean;
  model: string;
  /** The conversation as given (`messages`), or undefined to build one from prompt + system prompt. */
  messages?: unknown[];
  prompt?: string;
  systemPrompt?: string;
  temperature?: number;
  maxTokens?: number;
  maxOutputTokens?: number;
  tools?: Obj[];
  toolChoice?: string | Obj;
  /** Normalised to the Chat Completions shape (`{type, json_schema?}`). */
  responseFormat?: Obj;
  extra?: Obj;
}

/** Top-level `response_format` (this port reads it; the original only honoured `extra.response_format`). */
export function normaliseResponseFormat(v: unknown): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    if (t === 'json' || t === 'json_object') return { type: 'json_object' };
    if (t === 'text') return { type: 'text' };
    throw new NodeError(`llm: unsupported response_format '${v}'; use 'text', 'json_object', or an object`, {
      retryable: false,
    });
  }
  if (!isPlainObject(v)) {
    throw new NodeError("llm: 'response_format' must be a string or object", { retryable: false });
  }
  // Accept the Responses shape too ({type: 'json_schema', name, schema, strict}).
  if (v.type === 'json_schema' && !isPlainObject(v.json_schema) && isPlainObject(v.schema)) {
    const { type: _t, ...rest } = v;
    return { type: 'json_schema', json_schema: rest };
  }
  return v;
}

/** Chat-style function tools (`{type, function: {...}}`) in the Responses API's flat shape. */
function responsesTool(t: Obj): Obj {
  if (t.type === 'function' && isPlainObject(t.function) && t.name === undefined) {
    return { type: 'function', ...t.function };
  }
  return t;
}

function responsesToolChoice(c: string | Obj): string | Obj {
  if (isPlainObject(c) && c.type === 'function' && isPlainObject(c.function) && c.name === undefined) {
    return { type: 'function', name: c.function.name };
  }
  return c;
}

function responsesTextFormat(rf: Obj): Obj {
  if (rf.type === 'json_schema' && isPlainObject(rf.json_schema))
    return { type: 'json_schema', ...rf.json_schema };
  return rf;
}

function conversation(b: BodyInput): unknown[] {
  if (b.messages) return b.messages;
  const msgs: unknown[] = [];
  if (b.systemPrompt !== undefined) msgs.push({ role: 'system', content: b.systemPrompt });
  msgs.push({ role: 'user', content: b.prompt ?? '' });
  return msgs;
}

export function buildBody(b: BodyInput): Obj {
  const body: Obj = { model: b.model };
  if (b.ollama) {
    body.messages = conversation(b);
    body.stream = false;
    const options: Obj = {};
    if (b.temperature !== undefined) options.temperature = b.temperature;
    const limit = b.maxOutputTokens ?? b.maxTokens;
    if (limit !== undefined) options.num_predict = limit;
    if (Object.keys(options).length > 0) body.options = options;
    if (b.tools) body.tools = b.tools;
    const rf = b.responseFormat;
    if (rf?.type === 'json_object') body.format = 'json';
    else if (rf?.type === 'json_schema') {
      const js = isPlainObject(rf.json_schema) ? rf.json_schema : {};
      body.format = isPlainObject(js.schema) ? js.schema : 'json';
    }
  } else if (b.mode === 'chat') {
    if (b.temperature !== undefined) body.temperature = b.temperature;
    if (b.maxTokens !== undefined) body.max_tokens = b.maxTokens;
    if (b.maxOutputTokens !== undefined) body.max_output_tokens = b.maxOutputTokens;
    body.messages = conversation(b);
    if (b.tools) body.tools = b.tools;
    if (b.toolChoice !== undefined) body.tool_choice = b.toolChoice;
    if (b.responseFormat) body.response_format = b.responseFormat;
  } else {
    if (b.temperature !== undefined) body.temperature = b.temperature;
    const limit = b.maxOutputTokens ?? b.maxTokens;
    if (limit !== undefined) body.max_output_tokens = limit;
    if (b.messages) body.input = b.messages;
    else {
      body.input = b.prompt ?? '';
      if (b.systemPrompt !== undefined) body.instructions = b.systemPrompt;
    }
    if (b.tools) body.tools = b.tools.map(responsesTool);
    if (b.toolChoice !== undefined) body.tool_choice = responsesToolChoice(b.toolChoice);
    if (b.responseFormat) body.text = { format: responsesTextFormat(b.responseFormat) };
  }
  if (b.extra) for (const [k, v] of Object.entries(b.extra)) body[k] = v;
  return body;
}

/** Whether the final body asks the model for JSON (response_format, Responses text.format, Ollama format). */
export function jsonRequested(body: Obj, mode: LlmMode, ollama: boolean): boolean {
  const isJson = (t: unknown) => t === 'json_object' || t === 'json_schema';
  if (ollama) return body.format === 'json' || isPlainObject(body.format);
  if (mode === 'responses') {
    const text = body.text;
    if (isPlainObject(text) && isPlainObject(text.format) && isJson(text.format.type)) return true;
  }
  return isPlainObject(body.response_format) && isJson(body.response_format.type);
}

/** The JSON Schema the final body asks the reply to follow, if any (json_schema formats, Ollama `format`). */
export function requestedSchema(body: Obj, mode: LlmMode, ollama: boolean): Obj | undefined {
  if (ollama) return isPlainObject(body.format) ? body.format : undefined;
  if (mode === 'responses' && isPlainObject(body.text) && isPlainObject(body.text.format)) {
    const f = body.text.format;
    return f.type === 'json_schema' && isPlainObject(f.schema) ? f.schema : undefined;
  }
  const rf = body.response_format;
  if (!isPlainObject(rf) || rf.type !== 'json_schema' || !isPlainObject(rf.json_schema)) return undefined;
  return isPlainObject(rf.json_schema.schema) ? rf.json_schema.schema : undefined;
}
