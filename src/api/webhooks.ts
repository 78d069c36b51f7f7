// Webhooks (CORE 8.6, IF-011, IF-098): the `webhooks:` map of ironflow.yaml, the optional HMAC signature
// over the raw body, and the initial context of a webhook run. Only listed headers reach `ctx._headers`,
// credential headers can never be listed, and `_headers` is an execution-only overlay (the engine's
// `hiddenKeys`): steps see it, run records never hold it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from '../engine/types.js';
import { ConfigError } from '../util/errors.js';
import { isPlainObject } from '../util/json.js';
import { ApiError, badRequest, forbidden } from './errors.js';

export interface WebhookSignature {
  header: string;
  prefix: string;
  secret: Buffer;
}

export interface WebhookSpec {
  name: string;
  /** The flow path as written in ironflow.yaml; resolved like a `file` of /flows/run at request time. */
  flow: string;
  /** Lowercase names of the headers copied into `ctx._headers`. */
  forwardHeaders: string[];
  signature?: WebhookSignature;
}

/** Keys a webhook body may not define: the server sets them. */
export const WEBHOOK_RESERVED_KEYS = ['_headers', '_webhook', '_flow_dir'] as const;

/** Headers that carry credentials; listing one in forward_headers is a configuration error. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-id-token',
  'x-session-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-forwarded-access-token',
  'x-amz-security-token',
  'x-amzn-oidc-accesstoken',
  'x-amzn-oidc-data',
  'x-goog-iap-jwt-assertion',
  'x-serverless-authorization',
  'cf-access-jwt-assertion',
  'cf-access-token',
  'x-ms-token-aad-access-token',
  'x-ms-token-aad-id-token',
  'x-ms-token-aad-refresh-token',
  'x-vercel-oidc-token',
  'x-gitlab-token',
  'x-shopify-access-token',
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENTRY_KEYS = new Set(['flow', 'forward_headers', 'signature']);
const SIGNATURE_KEYS = new Set(['type', 'header', 'secret_env', 'prefix']);

/** Parse and check the `webhooks:` map (start-up errors name the webhook and the field). */
export function parseWebhooks(raw: unknown, env: NodeJS.ProcessEnv = process.env): Map<string, WebhookSpec> {
  const out = new Map<string, WebhookSpec>();
  if (raw === undefined || raw === null) return out;
  if (!isPlainObject(raw))
    throw new ConfigError("ironflow.yaml 'webhooks' must be a mapping of name to flow");
  for (const [name, entry] of Object.entries(raw)) {
    const where = `webhook '${name}'`;
    if (name === '') throw new ConfigError('A webhook name must not be empty');
    if (typeof entry === 'string') {
      if (entry.trim() === '') throw new ConfigError(`${where}: the flow path is empty`);
      out.set(name, { name, flow: entry, forwardHeaders: [] });
      continue;
    }
    if (!isPlainObject(entry)) {
      throw new ConfigError(`${where}: use a flow path or {flow, forward_headers, signature}`);
    }
    for (const k of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(k)) {
        throw new ConfigError(`${where}: unknown field '${k}' (use flow, forward_headers, signature)`);
      }
    }
    if (typeof entry.flow !== 'string' || entry.flow.trim() === '') {
      throw new ConfigError(`${where}: 'flow' must be a non-empty path`);
    }
    const spec: WebhookSpec = {
      name,
      flow: entry.flow,
      forwardHeaders: parseForward(entry.forward_headers, where),
    };
    if (entry.signature !== undefined && entry.signature !== null) {
      spec.signature = parseSignature(entry.signature, where, env);
    }
    out.set(name, spec);
  }
  return out;
}

function parseForward(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`${where}: 'forward_headers' must be a list of header names`);
  const names: string[] = [];
  for (const h of v) {
    if (typeof h !== 'string' || !HEADER_NAME.test(h)) {
      throw new ConfigError(`${where}: ${JSON.stringify(h)} is not a valid header name`);
    }
    const lower = h.toLowerCase();
    if (SECRET_HEADERS.has(lower)) {
      throw new ConfigError(
        `${where}: header '${lower}' carries credentials and cannot be forwarded to a flow`,
      );
    }
    if (!names.includes(lower)) names.push(lower);
  }
  return names;
}

function parseSignature(v: unknown, where: string, env: NodeJS.ProcessEnv): WebhookSignature {
  if (!isPlainObject(v)) {
    throw new ConfigError(`${where}: 'signature' must be {type: hmac_sha256, header, secret_env, prefix}`);
  }
  for (const k of Object.keys(v)) {
    if (!SIGNATURE_KEYS.has(k)) throw new ConfigError(`${where}: unknown signature field '${k}'`);
  }
  if (v.type !== 'hmac_sha256') throw new ConfigError(`${where}: signature type must be hmac_sha256`);
  if (typeof v.header !== 'string' || !HEADER_NAME.test(v.header)) {
    throw new ConfigError(`${where}: signature 'header' must be a header name`);
  }
  if (typeof v.secret_env !== 'string' || v.secret_env === '') {
    throw new ConfigError(`${where}: signature 'secret_env' must name an environment variable`);
  }
  const secret = env[v.secret_env];
  if (!secret) {
    throw new ConfigError(`${where}: the signature secret variable ${v.secret_env} is not set`);
  }
  if (v.prefix !== undefined && typeof v.prefix !== 'string') {
    throw new ConfigError(`${where}: signature 'prefix' must be a string`);
  }
  return {
    header: v.header.toLowerCase(),
    prefix: (v.prefix as string | undefined) ?? 'sha256=',
    secret: Buffer.from(secret, 'utf8'),
  };
}

/** Constant-time check of `<prefix><hex HMAC-SHA256 of the raw body>` (any failure → 403, no run). */
export function verifySignature(sig: WebhookSignature, raw: Buffer, headers: IncomingHttpHeaders): void {
  const fail = () => forbidden('Webhook signature verification failed');
  const given = headers[sig.header];
  if (typeof given !== 'string' || !given.startsWith(sig.prefix)) throw fail();
  const expected = createHmac('sha256', sig.secret).update(raw).digest('hex');
  // Compare digests of both texts: equal lengths whatever the client sent, and no early exit.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given.slice(sig.prefix.length).trim().toLowerCase()).digest();
  if (!timingSafeEqual(a, b)) throw fail();
}

const JSON_TYPE = /^application\/(?:json|[^\s;/]+\+json)\s*(?:;.*)?$/i;

/** The body as a context object: empty → {}; otherwise JSON (415 for another type), an object (400). */
export function webhookBody(raw: Buffer | undefined, contentType: string | undefined): Context {
  if (!raw || raw.length === 0) return {};
  if (!contentType || !JSON_TYPE.test(contentType.trim())) {
    throw new ApiError(415, 'Unsupported Content-Type: a webhook body must be application/json');
  }
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw badRequest(`Malformed JSON body: ${(e as Error).message}`);
  }
  if (!isPlainObject(v)) throw badRequest('webhook request body must be a JSON object');
  for (const k of WEBHOOK_RESERVED_KEYS) {
    if (Object.hasOwn(v, k)) throw badRequest(`Webhook request context must not define reserved key '${k}'`);
  }
  return v;
}

/**
 * The forwarded headers (`ctx._headers`): each listed header must come exactly once with a text value of
 * at least 8 non-whitespace bytes. `rawHeaders` is Node's flat [name, value, ...] list.
 */
export function forwardedHeaders(spec: WebhookSpec, rawHeaders: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of spec.forwardHeaders) {
    const values: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
    }
    const v = values[0];
    if (values.length !== 1 || v === undefined || Buffer.byteLength(v.replace(/\s+/g, ''), 'utf8') < 8) {
      throw badRequest(
        `Forwarded header '${name}' must be sent exactly once with a value of at least 8 non-whitespace characters`,
      );
    }
    out[name] = v;
  }
  return out;
}
