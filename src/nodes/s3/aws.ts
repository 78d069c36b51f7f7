// AWS plumbing shared by the S3 and S3 Vectors families: environment fallbacks, credentials from the
// environment, client cache keys that never contain a secret, timestamps, and turning SDK errors into
// messages that name the node and the operation. No SDK import here (types only).

import { createHash } from 'node:crypto';
import { NodeError } from '../../util/errors.js';
import { maskUrl } from '../../util/mask.js';

/** The first of `names` that is set in the environment (an empty value counts as set, NODES 1.6). */
export function envFirst(...names: string[]): string | undefined {
  for (const n of names) {
    const v = process.env[n];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A string config value, else the first env var set; `undefined` when neither. */
export function configOrEnv(value: unknown, ...envNames: string[]): string | undefined {
  return typeof value === 'string' ? value : envFirst(...envNames);
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Static credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), read per
 * execution so a changed environment takes effect; undefined leaves the SDK's default chain (profiles,
 * SSO, container and instance roles).
 */
export function envCredentials(): AwsCredentials | undefined {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** A resource-pool key for a client: a hash of everything that shapes it, so no secret is ever in a key. */
export function clientKey(family: string, parts: Record<string, unknown>): string {
  const h = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  return `aws:${family}:${h}`;
}

/** Parse an endpoint override; the message never echoes user:password. */
export function parseEndpoint(node: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new NodeError(`${node}: 'endpoint_url' is not a valid URL: '${maskUrl(raw)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError(`${node}: 'endpoint_url' must be an http or https URL (got '${maskUrl(raw)}')`);
  }
  return raw.trim();
}

export { maskUrl };

/** RFC 3339 UTC with `Z`; the fraction only when it is not zero (`2026-01-02T03:04:05Z`). */
export function rfc3339(d: Date | string | number | undefined): string | undefined {
  if (d === undefined) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace('.000Z', 'Z');
}

/**
 * Remove every credential value of the environment from a text (defence in depth for messages). Values
 * shorter than 8 characters are dummies (`test`) whose removal would only garble the message.
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const v = process.env[name];
    if (v && v.length >= 8) out = out.split(v).join('***');
  }
  return out;
}

export interface AwsErrorInfo {
  /** Service error code (`NoSuchKey`, `ValidationException`, …) or the JS error name. */
  code: string;
  message: string;
  status?: number;
  /** A transport failure (refused, DNS, reset) rather than an answer from the service. */
  network: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
]);

export function awsErrorInfo(err: unknown): AwsErrorInfo {
  const e = (err ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const code = e.Code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.name ?? 'Error';
  let message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  // The SDK's text for an error body it could not parse; the status says more.
  if (message === 'UnknownError' && status !== undefined) message = `HTTP ${status} with no error details`;
  return {
    code,
    message: scrubSecrets(message),
    status,
    network: status === undefined && NETWORK_CODES.has(code),
  };
}

/** Error codes meaning the server refused who we are (or what we may do). */
export const AUTH_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
  'MissingAuthenticationToken',
]);

/**
 * Failures every AWS node words the same way: cancelled, no credentials, no region, unreachable endpoint,
 * refused credentials. Returns undefined for service answers the family words itself.
 */
export function commonAwsFailure(
  node: string,
  op: string,
  err: unknown,
  opts: { signal: AbortSignal; endpoint?: string; regionEnv: string },
): NodeError | undefined {
  const info = awsErrorInfo(err);
  if (opts.signal.aborted || info.code === 'AbortError') {
    return new NodeError(`${node}: ${op} was cancelled`, { cause: opts.signal.reason });
  }
  if (info.code === 'CredentialsProviderError' || /could not load credentials/i.test(info.message)) {
    return new NodeError(
      `${node}: ${op} failed: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE): ${info.message}`,
    );
  }
  if (/region is missing/i.test(info.message)) {
    return new NodeError(`${node}: ${op} failed: no AWS region: set 'region' or one of ${opts.regionEnv}`);
  }
  if (info.network) {
    const where = opts.endpoint ? maskUrl(opts.endpoint) : 'the AWS endpoint';
    return new NodeError(`${node}: ${op} failed: cannot reach ${where}: ${info.message}`);
  }
  if (AUTH_CODES.has(info.code)) {
    return new NodeError(
      `${node}: ${op} was refused by the server (HTTP ${info.status ?? 403}): ${info.code}: ${info.message} ` +
        '(check the AWS credentials and their permissions)',
      { retryable: false },
    );
  }
  return undefined;
}

/** `… (HTTP 400)` when a status is known. */
export function httpSuffix(status: number | undefined): string {
  return status === undefined ? '' : ` (HTTP ${status})`;
}
