// A Resend API stand-in on 127.0.0.1: POST /emails with `Authorization: Bearer <key>` and a JSON body
// answers 200 {"id": …}; a wrong key gets 403, a missing one 401, a body without from/to/subject 422.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export const RESEND_TEST_KEY = 're_test_0123456789abcdef';

export interface ResendRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: Record<string, unknown> | undefined;
}

export interface ResendStandIn {
  /** The endpoint to use as api_url. */
  apiUrl: string;
  key: string;
  requests: ResendRequest[];
  stop(): Promise<void>;
}

export async function startResend(key = RESEND_TEST_KEY): Promise<ResendStandIn> {
  const requests: ResendRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method !== 'POST' || req.url !== '/emails')
        return reply(404, { statusCode: 404, name: 'not_found' });
      const auth = req.headers.authorization;
      if (!auth) return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key' });
      if (auth !== `Bearer ${key}`) {
        return reply(403, { statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid' });
      }
      if (!json?.from || !json.to || !json.subject) {
        return reply(422, { statusCode: 422, name: 'validation_error', message: 'Missing required field' });
      }
      reply(200, { id: randomUUID() });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/emails`,
    key,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startResend();
  return { env: { RESEND_API_URL: s.apiUrl, RESEND_API_KEY: s.key }, stop: s.stop };
}
