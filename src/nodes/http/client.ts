// The HTTP client every HTTP-speaking node uses: global fetch with manual redirects (same-origin only
// unless allowed, never with credentials, no Referer), an optional private-network guard checked on
// every hop, one timeout covering the whole exchange (body included), the step's AbortSignal, and a
// response size limit enforced while streaming. Every message masks credentials.
import { NodeError } from '../../util/errors.js';
import { formatSeconds } from '../../util/json.js';
import type { Logger } from '../types.js';
import { maskUrl, redact } from './mask.js';
import { checkHost, PRIVATE_ADDRESS } from './netguard.js';
import { rawFetch } from './raw.js';
import { httpSettings } from './settings.js';
import { describeTransportError, responseHeaders } from './wire.js';

export interface HttpPlan {
  /** What is being done, for transport errors: `HTTP request` → `HTTP request failed: …`. */
  what: string;
  method: string;
  url: URL;
  headers: Array<[string, string]>;
  body?: string;
  /** Whole-exchange limit in seconds, named `timeout` in every node that uses this client. */
  timeoutS: number;
  /** 0 = a 3xx is the final response. */
  maxRedirects: number;
  allowCrossOriginRedirects: boolean;
  /** Auth, custom headers or a body are set: cross-origin redirects are then always refused. */
  credentialed: boolean;
  blockPrivateNetwork: boolean;
  signal: AbortSignal;
  /** Values to scrub from every message (tokens, passwords). */
  secrets: readonly (string | undefined)[];
  /** How to show a URL in messages (default: maskUrl). */
  showUrl?: (url: string) => string;
  log?: Logger;
}

export interface HttpResult {
  status: number;
  statusText: string;
  /** Lower-case names; `set-cookie` keeps the last value; values that are not visible ASCII become "". */
  headers: Record<string, string>;
  text: string;
  /** The URL that produced the final response (after redirects). */
  url: string;
  redirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Read a body stream, failing as soon as it passes `limit` bytes (0 = no limit). */
async function readLimited(res: Response, limit: number, tooBig: () => NodeError): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (limit > 0 && Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (limit > 0 && total > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  return chunks.length === 1
    ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, total)
    : Buffer.concat(chunks, total);
}

/** Perform the exchange described by `plan`; non-2xx statuses are returned, not thrown. */
export async function sendRequest(plan: HttpPlan): Promise<HttpResult> {
  const show = (u: URL | string) => redact((plan.showUrl ?? maskUrl)(String(u)), plan.secrets);
  const fail = (msg: string, retryable = true) => new NodeError(redact(msg, plan.secrets), { retryable });
  const limit = httpSettings.maxResponseBytes.get();
  const timer = new AbortController();
  const ms = Math.min(Math.max(plan.timeoutS * 1000, 1), 2_147_483_647);
  const t = setTimeout(() => timer.abort(), ms);
  const signal = AbortSignal.any([plan.signal, timer.signal]);

  let url = plan.url;
  let method = plan.method;
  let body = plan.body;
  let headers = plan.headers;
  const origin = url.origin;
  let hops = 0;

  const onAbortOrError = (e: unknown): NodeError | Error => {
    if (plan.signal.aborted) {
      const r = plan.signal.reason;
      return r instanceof Error ? r : new NodeError(`${plan.what} cancelled (${show(url)})`);
    }
    if (timer.signal.aborted) {
      return fail(
        `${plan.what} failed: timed out after ${formatSeconds(plan.timeoutS)} (the 'timeout' parameter) waiting for ${show(url)}`,
      );
    }
    if (e instanceof NodeError) return e;
    const blocked =
      (e as { code?: unknown; address?: unknown }).code === PRIVATE_ADDRESS
        ? (e as { address: string })
        : undefined;
    if (blocked) {
      return fail(
        `${plan.what} blocked: ${show(url)} is a local or private network address (${blocked.address}) and block_private_network is on`,
        false,
      );
    }
    return fail(`${plan.what} failed: ${describeTransportError(e, url.hostname)} to ${show(url)}`);
  };

  try {
    for (;;) {
      if (plan.blockPrivateNetwork) {
        const check = await checkHost(url.hostname);
        if (!check.ok) {
          if (check.reason === 'dns') {
            throw fail(
              `${plan.what} failed: ${describeTransportError(check.error, url.hostname)} to ${show(url)}`,
            );
          }
          throw fail(
            `${plan.what} blocked: ${show(url)} is a local or private network address (${check.address}) and block_private_network is on`,
            false,
          );
        }
        if (signal.aborted) throw signal.reason;
      }
      // fetch cannot send a GET/HEAD body nor check the address it connects to; node:http can.
      const raw = plan.blockPrivateNetwork || (body !== undefined && (method === 'GET' || method === 'HEAD'));
      const res = raw
        ? await rawFetch(url, { method, headers, body, signal, guard: plan.blockPrivateNetwork })
        : await fetch(url, {
            method,
            headers,
            body,
            redirect: 'manual',
            referrerPolicy: 'no-referrer',
            signal,
          });
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location !== null && plan.maxRedirects > 0) {
        await res.body?.cancel().catch(() => {});
        if (hops >= plan.maxRedirects) {
          throw fail(
            `${plan.what} failed: too many redirects (more than max_redirects = ${plan.maxRedirects}) starting at ${show(plan.url)}`,
            false,
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw fail(
            `${plan.what} failed: ${show(url)} redirected to an invalid location '${show(location)}'`,
          );
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw fail(
            `${plan.what} refused a redirect from ${show(url)} to a non-HTTP URL '${show(next)}'`,
            false,
          );
        }
        if (next.origin !== origin) {
          if (!plan.allowCrossOriginRedirects) {
            throw fail(
              `${plan.what} refused a cross-origin redirect from ${show(url)} to ${show(next)} (set allow_cross_origin_redirects = true to follow it)`,
              false,
            );
          }
          if (plan.credentialed) {
            throw fail(
              `${plan.what} refused a cross-origin redirect from ${show(url)} to ${show(next)}: cross-origin redirects are never followed when auth, headers or body are set`,
              false,
            );
          }
        }
        // Like browsers and the original client: 303 (and 301/302 after a POST) continue as a GET
        // without the body; 307/308 repeat the request as it was.
        if (
          res.status === 303
            ? method !== 'HEAD'
            : (res.status === 301 || res.status === 302) && method === 'POST'
        ) {
          method = 'GET';
          body = undefined;
          headers = headers.filter(([n]) => !/^content-(type|length|encoding|language|location)$/i.test(n));
        }
        plan.log?.debug(`${plan.what}: following redirect`, { status: res.status, to: show(next) });
        url = next;
        hops++;
        continue;
      }
      const buf = await readLimited(res, limit, () =>
        fail(
          `${plan.what} failed: the response from ${show(url)} is larger than ${limit} bytes (IRONFLOW_MAX_HTTP_RESPONSE_BYTES)`,
          false,
        ),
      );
      return {
        status: res.status,
        statusText: res.statusText,
        headers: responseHeaders(res.headers),
        text: new TextDecoder().decode(buf),
        url: url.href,
        redirects: hops,
      };
    }
  } catch (e) {
    throw onAbortOrError(e);
  } finally {
    clearTimeout(t);
  }
}
