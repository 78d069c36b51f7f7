// An httpbin-like HTTP server on 127.0.0.1 for the HTTP node tests and the 05-http examples. It records
// every request (method, path, headers, raw body) and can be scripted with extra routes.
//
//   /get /post /put /patch /delete /anything[/...]  echo {method, args, headers, data, json, form, url}
//   /status/:code            that status, empty body (3xx: Location /get)
//   /headers                 {headers}
//   /basic-auth/:user/:pass  200 {authenticated, user} or 401
//   /bearer                  200 {authenticated, token} or 401
//   /json  /html  /xml       fixed documents
//   /redirect/:n             n relative redirects, then /get
//   /redirect-to?url=&status_code=   one redirect to any URL
//   /loop                    redirects to itself forever
//   /bytes/:n                n bytes of 'x' (Content-Length set)
//   /stream/:n               n bytes of 'x' in 64 KiB chunks, no Content-Length
//   /delay/:seconds          answers after a delay
//   /hang                    never answers
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface Httpbin {
  /** Base URL, e.g. http://127.0.0.1:34567 (no trailing slash). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Add or replace a route for an exact path (any method). */
  route(path: string, handler: Handler): void;
  stop(): Promise<void>;
}

const SLIDESHOW = {
  slideshow: {
    author: 'Yours Truly',
    date: 'date of publication',
    slides: [
      { title: 'Wake up to WonderWidgets!', type: 'all' },
      {
        items: ['Why <em>WonderWidgets</em> are great', 'Who <em>buys</em> WonderWidgets'],
        title: 'Overview',
        type: 'all',
      },
    ],
    title: 'Sample Slide Show',
  },
};

const HTML = `<!DOCTYPE html>
<html><head><title>Herman Melville - Moby-Dick</title></head>
<body><h1>Herman Melville - Moby-Dick</h1><p>Availing himself of the mild, summer-cool weather...</p></body></html>
`;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) out[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
  return out;
}

function echo(req: IncomingMessage, body: Buffer, base: string) {
  const u = new URL(req.url ?? '/', base);
  const text = body.toString('utf8');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const form: Record<string, string> = {};
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(text)) form[k] = v;
  }
  return {
    method: req.method,
    args: Object.fromEntries(u.searchParams),
    headers: flatHeaders(req),
    data: text,
    json,
    form,
    url: u.href,
  };
}

export async function startHttpbin(): Promise<Httpbin> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, Handler>();
  const sockets = new Set<Socket>();
  let base = '';

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const u = new URL(req.url ?? '/', base);
    const path = u.pathname;
    requests.push({ method: req.method ?? '', path, url: req.url ?? '', headers: { ...req.headers }, body });
    const custom = routes.get(path);
    if (custom) return custom(req, res, body);
    const seg = path.split('/').filter(Boolean);
    const m = req.method ?? 'GET';
    if (['/get', '/post', '/put', '/patch', '/delete'].includes(path)) {
      if (path.slice(1).toUpperCase() !== m) return send(res, 405, { error: 'method not allowed' });
      return send(res, 200, echo(req, body, base));
    }
    if (seg[0] === 'anything') return send(res, 200, echo(req, body, base));
    if (seg[0] === 'status' && seg[1]) {
      const code = Number(seg[1]);
      const headers: Record<string, string> = {};
      if (code >= 300 && code < 400) headers.Location = '/get';
      res.writeHead(code, headers);
      return res.end();
    }
    if (path === '/headers') return send(res, 200, { headers: flatHeaders(req) });
    if (seg[0] === 'basic-auth' && seg.length === 3) {
      const [user, pass] = [decodeURIComponent(seg[1]!), decodeURIComponent(seg[2]!)];
      const want = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      if (req.headers.authorization === want) return send(res, 200, { authenticated: true, user });
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Fake Realm"' });
      return res.end();
    }
    if (path === '/bearer') {
      const a = req.headers.authorization ?? '';
      if (a.startsWith('Bearer ') && a.length > 7)
        return send(res, 200, { authenticated: true, token: a.slice(7) });
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer' });
      return res.end();
    }
    if (path === '/json') return send(res, 200, SLIDESHOW);
    if (path === '/html') return send(res, 200, HTML, 'text/html; charset=utf-8');
    if (path === '/xml')
      return send(res, 200, '<?xml version="1.0"?><slideshow title="Sample"/>', 'application/xml');
    if (seg[0] === 'redirect' && seg[1]) {
      const n = Number(seg[1]);
      res.writeHead(302, { Location: n > 1 ? `/redirect/${n - 1}` : '/get' });
      return res.end();
    }
    if (path === '/redirect-to') {
      res.writeHead(Number(u.searchParams.get('status_code') ?? 302), {
        Location: u.searchParams.get('url') ?? '/get',
      });
      return res.end();
    }
    if (path === '/loop') {
      res.writeHead(302, { Location: '/loop' });
      return res.end();
    }
    if (seg[0] === 'bytes' && seg[1]) {
      const n = Number(seg[1]);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': n });
      return res.end(Buffer.alloc(n, 'x'));
    }
    if (seg[0] === 'stream' && seg[1]) {
      let left = Number(seg[1]);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(65536, 'x');
      const pump = () => {
        while (left > 0) {
          const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= c.length;
          if (!res.write(c)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        left = 0;
      });
      return pump();
    }
    if (seg[0] === 'delay' && seg[1]) {
      const t = setTimeout(() => send(res, 200, echo(req, body, base)), Number(seg[1]) * 1000);
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (path === '/hang') return; // never answers
    send(res, 404, { error: 'not found' });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    requests,
    route: (path, handler) => routes.set(path, handler),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startHttpbin();
  return { env: { HTTPBIN_URL: s.url }, stop: s.stop };
}
