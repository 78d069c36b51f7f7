// A fetch-shaped request over node:http/https, for what global fetch cannot do: a GET or HEAD with a
// body (the original client sent one), and connections whose DNS answer is checked at connect time
// (block_private_network). Returns a standard Response so the caller's redirect, limit and timeout
// handling stay the same. No keep-alive: every call gets its own connection.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { guardedLookup } from './netguard.js';

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function rawFetch(
  url: URL,
  init: {
    method: string;
    headers: Array<[string, string]>;
    body?: string;
    signal: AbortSignal;
    guard: boolean;
  },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const names = new Set(init.headers.map(([n]) => n.toLowerCase()));
    if (!names.has('accept')) headers.accept = '*/*';
    if (!names.has('user-agent')) headers['user-agent'] = 'node';
    for (const [n, v] of init.headers) if (n.toLowerCase() !== 'content-length') headers[n] = v;
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: init.method,
        headers,
        signal: init.signal,
        agent: false,
        ...(init.guard ? { lookup: guardedLookup as never } : {}),
      },
      (res: IncomingMessage) => {
        const h = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          try {
            h.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          } catch {
            // a header fetch would reject too; leave it out
          }
        }
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          res.destroy();
          reject(new Error(`invalid HTTP status ${status}`));
          return;
        }
        const body = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        if (!body) res.resume();
        resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers: h }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
