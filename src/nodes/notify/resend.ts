// send_email through the Resend HTTP API (NODES 8.1, provider "resend").
import { NodeError } from '../../util/errors.js';
import { canonicalJson } from '../../util/json.js';
import { VERSION } from '../../version.js';
import { sendRequest } from '../http/client.js';
import { checkHeader, parseBody, parseHttpUrl } from '../http/wire.js';
import type { NodeContext, NodeOutput } from '../types.js';
import { commonMessage, type EmailConfig } from './message.js';

export function userAgent(): string {
  return `IronFlow ${VERSION}, https://github.com/skitsanos/ironflow`;
}

export async function sendViaResend(cfg: EmailConfig, nc: NodeContext): Promise<NodeOutput> {
  // The key is checked before anything else (NODES 8.1).
  const key = typeof cfg.api_key === 'string' ? cfg.api_key : process.env.RESEND_API_KEY;
  if (key === undefined) {
    throw new NodeError("send_email requires 'api_key' or RESEND_API_KEY env var", { retryable: false });
  }
  const msg = commonMessage(cfg);
  const url = parseHttpUrl(cfg.api_url, 'send_email', 'api_url');
  const body: Record<string, unknown> = { from: msg.from, to: msg.to, subject: msg.subject };
  if (msg.html !== undefined) body.html = msg.html;
  if (msg.text !== undefined) body.text = msg.text;
  // cc, bcc and reply_to go out in the shape given (string or array).
  for (const k of ['cc', 'bcc', 'reply_to'] as const) {
    const v = cfg[k];
    if (typeof v === 'string') body[k] = v;
    else if (Array.isArray(v)) body[k] = v.filter((x) => typeof x === 'string');
  }
  const res = await sendRequest({
    what: 'send_email Resend API request',
    method: 'POST',
    url,
    headers: [
      ['Authorization', checkHeader('send_email', 'Authorization', `Bearer ${key}`)],
      ['User-Agent', userAgent()],
      ['Content-Type', 'application/json'],
    ],
    body: canonicalJson(body),
    timeoutS: cfg.timeout,
    maxRedirects: 10,
    allowCrossOriginRedirects: false,
    credentialed: true,
    blockPrivateNetwork: false,
    signal: nc.signal,
    secrets: [key],
    log: nc.log,
  });
  if (res.status < 200 || res.status > 299) {
    const text = res.text.length > 1000 ? `${res.text.slice(0, 1000)}…` : res.text;
    throw new NodeError(
      `send_email Resend API returned status ${res.status}: ${key.length >= 3 ? text.split(key).join('***') : text}`,
    );
  }
  nc.log.debug(`send_email via Resend → ${res.status}`, { step: nc.step, to: msg.to.length });
  const k = cfg.output_key;
  return { [`${k}_status`]: res.status, [`${k}_data`]: parseBody(res.text), [`${k}_success`]: true };
}
