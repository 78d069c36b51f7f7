// The HTTP plumbing the AI nodes share: one POST with the node's timeout and the step's AbortSignal,
// credential masking for messages and logs, form encoding and env-var fallbacks.
import { NodeError } from '../../util/errors.js';
import { formatSeconds } from '../../util/json.js';

export interface HttpReply {
  status: number;
  ok: boolean;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface PostOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Seconds for the whole exchange, body read included. */
  timeoutS: number;
  signal: AbortSignal;
  /** Start of every transport error message, e.g. `llm: request to openai (https://…)`. */
  label: string;
  /** Values that must never appear in an error message (API keys, tokens, client secrets). */
  secrets: readonly string[];
}

/** Redirects followed within one origin before giving up. */
const MAX_REDIRECTS = 10;

/**
 * POST and read the whole reply. Transport failures and the node's own timeout become NodeErrors whose
 * message starts with `label`; an aborted step (deadline, cancelled run) rethrows the step's abort reason so
 * the engine reports it as such. Non-2xx replies are returned, not thrown: each node words its own error.
 *
 * Redirects (CORE 9 item 26): every AI request carries credentials and a body, so a redirect is followed
 * only within the same origin (re-sent as the same POST, at most 10 times); a redirect to another origin
 * fails instead of handing the key (`api-key`, `x-api-key`, a bearer token) and the prompt to another host.
 */
export async function post(opts: PostOptions): Promise<HttpReply> {
  if (opts.signal.aborted) throw abortReason(opts.signal);
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(opts.timeoutS * 1000)));
  const signal = AbortSignal.any([opts.signal, timeout]);
  const secrets = [...opts.secrets, ...urlSecrets(opts.url)];
  let url = opts.url;
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: opts.headers,
        body: opts.body,
        signal,
        redirect: 'manual',
      });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location !== null) {
        await res.body?.cancel();
        const next = new URL(location, url);
        if (next.origin !== new URL(url).origin) {
          throw new NodeError(
            redact(
              `${opts.label} was redirected (${res.status}) to another origin, ${maskUrl(next.href)}; ` +
                'not followed, so the credentials and the request stay with the configured host',
              secrets,
            ),
            { retryable: false },
          );
        }
        if (hop >= MAX_REDIRECTS) {
          throw new NodeError(`${opts.label} was redirected more than ${MAX_REDIRECTS} times`, {
            retryable: false,
          });
        }
        url = next.href;
        continue;
      }
      const text = await res.text();
      return { status: res.status, ok: res.ok, text, json: parseJson(text) };
    }
  } catch (e) {
    if (e instanceof NodeError) throw e;
    if (opts.signal.aborted) throw abortReason(opts.signal);
    if (timeout.aborted) {
      throw new NodeError(`${opts.label} timed out after ${formatSeconds(opts.timeoutS)}`);
    }
    throw new NodeError(redact(`${opts.label} failed: ${transportMessage(e)}`, secrets), { cause: e });
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

function transportMessage(e: unknown): string {
  const err = e as { message?: string; cause?: { message?: string; code?: string } };
  const cause = err.cause?.message ?? err.cause?.code;
  return cause ? `${err.message ?? 'error'} (${cause})` : (err.message ?? String(e));
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Replace every occurrence of a secret (4 characters or more) with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join('***');
  return out;
}

const SENSITIVE_QUERY = /key|token|secret|password|passwd|signature|^sig$|^code$|auth/i;

/** The password and sensitive query values of a URL, raw and decoded (for redact). */
export function urlSecrets(raw: string): string[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (u.password) out.push(u.password, decodeURIComponent(u.password));
  for (const [k, v] of u.searchParams) if (SENSITIVE_QUERY.test(k) && v) out.push(v, encodeURIComponent(v));
  return out;
}

/** A URL fit for messages: the password of userinfo and sensitive query values become `***`. */
export function maskUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return raw;
  }
  let changed = false;
  if (u.password) {
    u.password = '***';
    changed = true;
  }
  for (const [k] of [...u.searchParams]) {
    if (SENSITIVE_QUERY.test(k)) {
      u.searchParams.set(k, '***');
      changed = true;
    }
  }
  return changed ? u.toString().replaceAll('%2A%2A%2A', '***') : raw;
}

/** Cap long reply bodies in error messages (a gateway's HTML error page can be large). */
export function clip(text: string, max = 4000): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Percent-encoding of NODES 3.1: only A–Z a–z 0–9 - _ . ~ stay literal; space is %20, never +. */
export function formEncode(pairs: ReadonlyArray<readonly [string, string]>): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/** NODES 1.6: the config value when it is a string, else the first env var that is set (empty counts). */
export function configOrEnv(value: unknown, ...envs: string[]): string | undefined {
  if (typeof value === 'string') return value;
  for (const name of envs) {
    const v = process.env[name];
    if (v !== undefined) return v;
  }
  return undefined;
}

export function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return s.slice(0, end);
}

/** HTTP statuses worth retrying: timeouts, rate limits and server errors. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
