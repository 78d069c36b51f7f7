// A Slack incoming-webhook stand-in on 127.0.0.1: POST /services/<T>/<B>/<secret> with a JSON payload,
// answers `ok` as text (or a scripted status and body). Records every request.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export interface SlackStandIn {
  /** The webhook URL to post to. */
  webhook: string;
  base: string;
  requests: SlackRequest[];
  /** Script the next replies (default 200 `ok`). */
  reply(status: number, body: string): void;
  stop(): Promise<void>;
}

export const WEBHOOK_PATH = '/services/T0000TEST/B0000TEST/xoxTestSecret42';

export async function startSlack(): Promise<SlackStandIn> {
  const requests: SlackRequest[] = [];
  let next: { status: number; body: string } = { status: 200, body: 'ok' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
      if (req.method !== 'POST' || req.url !== WEBHOOK_PATH) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return res.end('no_service');
      }
      if (json === undefined || typeof (json as { text?: unknown }).text !== 'string') {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        return res.end('invalid_payload');
      }
      res.writeHead(next.status, { 'Content-Type': 'text/plain' });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    webhook: `${base}${WEBHOOK_PATH}`,
    base,
    requests,
    reply: (status, body) => {
      next = { status, body };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startSlack();
  return { env: { SLACK_WEBHOOK: s.webhook }, stop: s.stop };
}
