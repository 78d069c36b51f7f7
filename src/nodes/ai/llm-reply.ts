// Reading an llm reply (NODES 17.1 "Reply text extraction" and "Tool calls"): the reply text, the tool
// calls and their names, usage, and the JSON value when a JSON response format was requested.
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import type { LlmMode } from './llm-endpoint.js';

type Obj = Record<string, unknown>;

/**
 * The text walker: strings are collected (non-empty ones), arrays walked item by item, an object walks only
 * its `text`, else its `content`, else its `message.content`, else all its values (in sorted key order,
 * as the original's sorted JSON objects were).
 */
export function walkText(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    if (v !== '') out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) walkText(x, out);
  } else if (isPlainObject(v)) {
    if (Object.hasOwn(v, 'text')) walkText(v.text, out);
    else if (Object.hasOwn(v, 'content')) walkText(v.content, out);
    else if (isPlainObject(v.message) && Object.hasOwn(v.message, 'content'))
      walkText(v.message.content, out);
    else for (const k of Object.keys(v).sort()) walkText(v[k], out);
  }
  return out;
}

const joined = (v: unknown) => walkText(v).join(' ');

function firstChoice(raw: unknown): Obj | undefined {
  if (!isPlainObject(raw) || !Array.isArray(raw.choices)) return undefined;
  const c = raw.choices[0];
  return isPlainObject(c) ? c : undefined;
}

/** Function calls a Responses reply asks for (`output[]` items of type `function_call`). */
function responsesCalls(raw: unknown): Obj[] {
  if (!isPlainObject(raw) || !Array.isArray(raw.output)) return [];
  return raw.output.filter((o): o is Obj => isPlainObject(o) && o.type === 'function_call');
}

export function extractToolCalls(raw: unknown, mode: LlmMode, ollama: boolean): Obj[] {
  let calls: unknown;
  if (ollama) calls = isPlainObject(raw) && isPlainObject(raw.message) ? raw.message.tool_calls : undefined;
  else if (mode === 'responses') return responsesCalls(raw);
  else {
    const c = firstChoice(raw);
    calls =
      (isPlainObject(c?.message) ? c.message.tool_calls : undefined) ??
      (isPlainObject(c?.delta) ? c.delta.tool_calls : undefined);
  }
  return Array.isArray(calls) ? calls.filter((x): x is Obj => isPlainObject(x)) : [];
}

export function toolCallNames(calls: readonly Obj[]): string[] {
  const names: string[] = [];
  for (const c of calls) {
    const fn = c.function;
    const name = isPlainObject(fn) && typeof fn.name === 'string' ? fn.name : c.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

export function extractText(raw: unknown, mode: LlmMode, ollama: boolean, hasToolCalls: boolean): string {
  if (!isPlainObject(raw)) return '';
  if (ollama) {
    const t = isPlainObject(raw.message) ? joined(raw.message.content) : '';
    return t || (typeof raw.response === 'string' ? raw.response : '');
  }
  if (mode === 'chat') {
    const c = firstChoice(raw);
    if (!c) return '';
    let t = isPlainObject(c.message) ? joined(c.message.content) : '';
    if (!t && typeof c.text === 'string') t = c.text;
    if (!t) t = joined(c.content);
    return t;
  }
  if (typeof raw.output_text === 'string' && raw.output_text !== '') return raw.output_text;
  const output = Array.isArray(raw.output) ? raw.output : [];
  const pieces: string[] = [];
  for (const item of output) {
    if (!isPlainObject(item)) continue;
    const t = joined(item.content);
    if (t) pieces.push(t);
    if (typeof item.text === 'string' && item.text !== '') pieces.push(item.text);
  }
  let t = pieces.join(' ');
  // The last resort walks the first output item whole; for a function call that would be its id and
  // arguments, so it is skipped when the reply asks for tools.
  if (!t && !hasToolCalls && output.length > 0) t = joined(output[0]);
  return t;
}

/** `raw.usage` as given; for Ollama, its token counts in the OpenAI shape. */
export function extractUsage(raw: unknown, ollama: boolean): unknown {
  if (!isPlainObject(raw)) return undefined;
  if (raw.usage !== undefined) return raw.usage;
  if (ollama && (typeof raw.prompt_eval_count === 'number' || typeof raw.eval_count === 'number')) {
    const prompt = typeof raw.prompt_eval_count === 'number' ? raw.prompt_eval_count : 0;
    const completion = typeof raw.eval_count === 'number' ? raw.eval_count : 0;
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }
  return undefined;
}

/**
 * The reply parsed as JSON, for a request that asked for a JSON format. Models sometimes wrap JSON in a
 * Markdown code fence; one fence around the whole reply is tolerated.
 */
export function parseJsonReply(text: string): unknown {
  const attempt = (s: string): { ok: true; v: unknown } | { ok: false } => {
    try {
      return { ok: true, v: JSON.parse(s) as unknown };
    } catch {
      return { ok: false };
    }
  };
  const direct = attempt(text.trim());
  if (direct.ok) return direct.v;
  const fenced = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  if (fenced) {
    const inner = attempt(fenced[1]!.trim());
    if (inner.ok) return inner.v;
  }
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  throw new NodeError(
    `llm: the model reply is not valid JSON although a JSON response format was requested: ${shown}`,
  );
}
