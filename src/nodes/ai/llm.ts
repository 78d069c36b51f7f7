// llm (NODES 17.1): one request to a chat model (Chat Completions, Responses, or Ollama's /api/chat) with
// normalised outputs: the reply text, tool calls, usage and, when JSON was requested, the parsed value.
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { defineNode } from '../types.js';
import { compileSchema, describeError, type Validator } from '../validation/compile.js';
import { clip, maskUrl, post, redact, retryableStatus } from './http.js';
import { buildBody, jsonRequested, normaliseResponseFormat, requestedSchema } from './llm-body.js';
import {
  AUTH_TYPES,
  LLM_PROVIDERS,
  type LlmMode,
  resolveEndpoint,
  resolveModel,
  UNSUPPORTED_PROVIDER,
} from './llm-endpoint.js';
import { llmParams } from './llm-params.js';
import { extractText, extractToolCalls, extractUsage, parseJsonReply, toolCallNames } from './llm-reply.js';
import { bearerToken, tokenCache } from './oauth.js';
import { checkInputSize } from './settings.js';

type Obj = Record<string, unknown>;

const MODES = ['chat', 'responses', 'auto'];
const badMode = (m: string) => `llm: unsupported mode '${m}'. Use 'chat', 'responses', or 'auto'.`;
const NO_PROMPT = "llm: either 'prompt', 'input_key', or 'messages' is required";
const BAD_MESSAGES = "llm: 'messages' must be an array";
const BAD_TOOLS = "llm: 'tools' must be an array of tool objects";
const BAD_TOOL_CHOICE = "llm: 'tool_choice' must be a string or object";

/** An empty array, or an empty Lua table (which reaches JSON as `{}`), counts as absent. */
const isEmpty = (v: unknown) =>
  (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

function messagesProblem(v: unknown): string | undefined {
  if (v === undefined || v === null || isEmpty(v)) return undefined;
  return Array.isArray(v) ? undefined : BAD_MESSAGES;
}

function toolsOf(v: unknown): Obj[] | undefined | 'bad' {
  if (v === undefined || v === null || isEmpty(v)) return undefined;
  if (isPlainObject(v)) return [v];
  if (Array.isArray(v) && v.every(isPlainObject)) return v as Obj[];
  return 'bad';
}

function toolChoiceProblem(v: unknown): string | undefined {
  if (v === undefined || v === null || typeof v === 'string' || isPlainObject(v)) return undefined;
  return BAD_TOOL_CHOICE;
}

const fail = (message: string): never => {
  throw new NodeError(message, { retryable: false });
};

export const llm = defineNode({
  name: 'llm',
  category: 'AI',
  description: 'Call a chat model (OpenAI, Azure OpenAI, OpenAI-compatible, custom, Ollama, OAuth gateway)',
  params: llmParams,
  outputs: {
    '{ok}_text': 'the reply ("<tool call requested>" or "<no reply>" when there is no text)',
    '{ok}_model': 'the model that was sent',
    '{ok}_provider': 'canonical provider name',
    '{ok}_mode': 'chat or responses',
    '{ok}_status': 'HTTP status',
    '{ok}_raw': 'the whole parsed reply',
    '{ok}_usage': 'token usage (only when the reply has it)',
    '{ok}_tool_calls': 'tool calls the model asks for ([] if none)',
    '{ok}_tool_call_needed': 'whether there are tool calls',
    '{ok}_tool_call_names': 'their function names',
    '{ok}_json': 'the reply parsed as JSON (only when a JSON response format was requested)',
    '{ok}_success': 'true',
  },
  check(cfg) {
    const out: Array<{ path: string; message: string }> = [];
    const add = (path: string, message: string | undefined) => {
      if (message) out.push({ path, message });
    };
    if (typeof cfg.provider === 'string' && !LLM_PROVIDERS[cfg.provider.toLowerCase()]) {
      add('$.provider', UNSUPPORTED_PROVIDER(cfg.provider));
    }
    if (typeof cfg.mode === 'string' && !MODES.includes(cfg.mode.toLowerCase()))
      add('$.mode', badMode(cfg.mode));
    const msgProblem = messagesProblem(cfg.messages);
    add('$.messages', msgProblem);
    if (toolsOf(cfg.tools) === 'bad') add('$.tools', BAD_TOOLS);
    add('$.tool_choice', toolChoiceProblem(cfg.tool_choice));
    const hasMessages = Array.isArray(cfg.messages) && cfg.messages.length > 0;
    if (!msgProblem && !hasMessages && typeof cfg.prompt !== 'string' && typeof cfg.input_key !== 'string') {
      add('$.prompt', NO_PROMPT);
    }
    const prov = typeof cfg.provider === 'string' ? LLM_PROVIDERS[cfg.provider.toLowerCase()] : 'openai';
    if (
      prov === 'custom' &&
      typeof cfg.auth_type === 'string' &&
      !AUTH_TYPES.includes(cfg.auth_type.toLowerCase())
    ) {
      add(
        '$.auth_type',
        `llm: unsupported auth_type '${cfg.auth_type}' for custom provider; use 'bearer', 'api_key', or 'none'`,
      );
    }
    const rf = cfg.response_format;
    if (rf !== undefined && rf !== null && typeof rf !== 'string' && !isPlainObject(rf)) {
      add('$.response_format', "llm: 'response_format' must be a string or object");
    }
    return out;
  },
  async run(cfg, nc) {
    const provider = LLM_PROVIDERS[cfg.provider.toLowerCase()] ?? fail(UNSUPPORTED_PROVIDER(cfg.provider));
    const ollama = provider === 'ollama';
    const rawMode = cfg.mode.toLowerCase();
    if (!MODES.includes(rawMode)) fail(badMode(cfg.mode));

    const msgProblem = messagesProblem(cfg.messages);
    if (msgProblem) fail(msgProblem);
    const messages = Array.isArray(cfg.messages) && cfg.messages.length > 0 ? cfg.messages : undefined;
    const mode: LlmMode =
      rawMode === 'auto'
        ? !messages && cfg.responses_input && !ollama
          ? 'responses'
          : 'chat'
        : (rawMode as LlmMode);

    let prompt: string | undefined;
    if (!messages) {
      if (typeof cfg.prompt === 'string') prompt = cfg.prompt;
      else if (typeof cfg.input_key === 'string') {
        const v = nc.ctx[cfg.input_key];
        if (!Object.hasOwn(nc.ctx, cfg.input_key) || typeof v !== 'string') {
          fail(`llm: input_key '${cfg.input_key}' not found or not a string`);
        }
        prompt = v as string;
      } else fail(NO_PROMPT);
      if (mode === 'responses' && prompt === '') {
        fail("llm: responses mode needs a non-empty input: the prompt is empty and no 'messages' were given");
      }
    }
    const tools = toolsOf(cfg.tools);
    if (tools === 'bad') fail(BAD_TOOLS);
    const tcProblem = toolChoiceProblem(cfg.tool_choice);
    if (tcProblem) fail(tcProblem);
    if (ollama && cfg.tool_choice !== undefined) {
      nc.log.warn('llm: Ollama has no tool_choice; it is not sent', { step: nc.step });
    }
    const extra = cfg.extra;
    if (extra !== undefined && !isPlainObject(extra)) fail("llm: 'extra' must be an object");

    const ep = resolveEndpoint(provider, mode, cfg);
    const model = resolveModel(cfg, mode, ep);
    const body = buildBody({
      mode,
      ollama,
      model,
      messages,
      prompt,
      systemPrompt: cfg.system_prompt ?? cfg.system,
      temperature: cfg.temperature,
      maxTokens: cfg.max_tokens,
      maxOutputTokens: cfg.max_output_tokens,
      tools: tools as Obj[] | undefined,
      toolChoice: ollama ? undefined : ((cfg.tool_choice ?? undefined) as string | Obj | undefined),
      responseFormat: normaliseResponseFormat(cfg.response_format),
      extra,
    });
    const payload = canonicalJson(body);
    checkInputSize('llm', 'the request', Buffer.byteLength(payload, 'utf8'));

    const label = `llm: request to ${provider} (${maskUrl(ep.url)})`;
    const headers = { ...ep.headers };
    let secrets = [...ep.secrets];
    let token: { token: string; cached: boolean } | undefined;
    const authorise = async () => {
      if (!ep.oauth) return;
      token = await bearerToken(ep.oauth, nc, cfg.timeout);
      headers.authorization = `Bearer ${token.token}`;
      secrets = [...ep.secrets, token.token];
    };
    await authorise();
    nc.log.debug('llm request', { step: nc.step, provider, mode, model: body.model, url: maskUrl(ep.url) });
    const send = () =>
      post({ url: ep.url, headers, body: payload, timeoutS: cfg.timeout, signal: nc.signal, label, secrets });
    let reply = await send();
    if (reply.status === 401 && ep.oauth && token?.cached) {
      // A cached token refused before its announced expiry (revoked or rotated): fetch a new one once.
      (await tokenCache(nc)).invalidate(ep.oauth, token.token);
      await authorise();
      reply = await send();
    }
    if (!reply.ok) {
      throw new NodeError(redact(`${label} returned ${reply.status}: ${clip(reply.text)}`, secrets), {
        retryable: retryableStatus(reply.status),
      });
    }
    const raw = reply.json !== undefined ? reply.json : reply.text;
    if (reply.json === undefined) {
      nc.log.warn('llm: the reply body is not JSON', { step: nc.step, provider, status: reply.status });
    }
    const calls = extractToolCalls(raw, mode, ollama);
    const text = extractText(raw, mode, ollama, calls.length > 0);
    const ok = cfg.output_key;
    const out: Obj = {
      [`${ok}_model`]: typeof body.model === 'string' ? body.model : model,
      [`${ok}_provider`]: provider,
      [`${ok}_mode`]: mode,
      [`${ok}_status`]: reply.status,
      [`${ok}_raw`]: raw,
      [`${ok}_success`]: true,
      [`${ok}_text`]: text || (calls.length > 0 ? '<tool call requested>' : '<no reply>'),
      [`${ok}_tool_calls`]: calls,
      [`${ok}_tool_call_needed`]: calls.length > 0,
      [`${ok}_tool_call_names`]: toolCallNames(calls),
    };
    const usage = extractUsage(raw, ollama);
    if (usage !== undefined) out[`${ok}_usage`] = usage;
    if (calls.length === 0 && jsonRequested(body, mode, ollama)) {
      const value = parseJsonReply(text);
      const schema = requestedSchema(body, mode, ollama);
      if (schema) await checkReplySchema(value, schema);
      out[`${ok}_json`] = value;
    }
    return out;
  },
});

/**
 * A JSON reply against the schema the request sent: providers that do not enforce it (or enforce it
 * loosely) must not hand the next step a value of the wrong shape. Every violation is listed.
 */
async function checkReplySchema(value: unknown, schema: Obj): Promise<void> {
  let validate: Validator;
  try {
    validate = await compileSchema(schema);
  } catch (e) {
    throw new NodeError(`llm: the response_format JSON schema is invalid: ${(e as Error).message}`, {
      retryable: false,
    });
  }
  if (validate(value)) return;
  const problems = (validate.errors ?? []).map(describeError).join('; ');
  throw new NodeError(`llm: the model reply does not match the requested JSON schema: ${problems}`);
}
