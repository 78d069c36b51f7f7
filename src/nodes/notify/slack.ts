// slack_notification (NODES 8.2): POST a JSON message to a Slack incoming webhook.
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { sendRequest } from '../http/client.js';
import { maskWebhookUrl } from '../http/mask.js';
import { parseBody, parseHttpUrl } from '../http/wire.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';

const NO_TEXT = "slack_notification requires 'text', 'message', or 'payload.text' to be present";

export const slackNotification = defineNode({
  name: 'slack_notification',
  category: 'Notification',
  description: 'Post a message to a Slack incoming webhook',
  params: {
    webhook_url: p.string({
      description:
        'Incoming-webhook URL (a secret: shown as https://hooks.slack.com/services/*** in messages)',
      interpolate: 'string',
      env: 'SLACK_WEBHOOK',
      secret: true,
    }),
    text: p.string({
      description: 'Message text (wins over message and payload.text)',
      interpolate: 'string',
    }),
    message: p.string({ description: 'Alias of text, used when text is absent', interpolate: 'string' }),
    payload: p.object({
      description:
        'Any Slack message fields (channel, username, blocks, …); every string leaf is interpolated',
      default: {},
      interpolate: 'deep',
    }),
    timeout: p.number({ description: 'Seconds for the whole request', default: 30, exclusiveMinimum: 0 }),
    output_key: p.string({ description: 'Prefix of the output keys', default: 'slack' }),
  },
  outputs: {
    '{output_key}_status': 'HTTP status (number)',
    '{output_key}_data': 'the reply, JSON if it parses, else text (Slack answers "ok")',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const payload = cfg.payload;
    const hasText =
      typeof cfg.text === 'string' ||
      typeof cfg.message === 'string' ||
      (isPlainObject(payload) && typeof payload.text === 'string');
    return hasText || (payload !== undefined && !isPlainObject(payload))
      ? []
      : [{ path: '$.text', message: NO_TEXT }];
  },
  async run(cfg, nc) {
    const raw = typeof cfg.webhook_url === 'string' ? cfg.webhook_url : process.env.SLACK_WEBHOOK;
    if (raw === undefined) {
      throw new NodeError("slack_notification requires 'webhook_url' or SLACK_WEBHOOK env var", {
        retryable: false,
      });
    }
    if (!isPlainObject(cfg.payload)) {
      throw new NodeError("slack_notification requires 'payload' to be an object when provided");
    }
    const payload: Record<string, unknown> = { ...cfg.payload };
    // Every field was interpolated once by the engine; payload.text is not rendered a second time.
    const text = cfg.text ?? cfg.message ?? (typeof payload.text === 'string' ? payload.text : undefined);
    if (text === undefined) throw new NodeError(NO_TEXT);
    payload.text = text;

    let url: URL;
    try {
      url = parseHttpUrl(raw, 'slack_notification', 'webhook_url');
    } catch {
      throw new NodeError(
        `slack_notification: parameter 'webhook_url' is not a valid http(s) URL: '${maskWebhookUrl(raw)}'`,
        { retryable: false },
      );
    }
    const pathSecrets = url.pathname.split('/').slice(2);
    const res = await sendRequest({
      what: 'Slack webhook request',
      method: 'POST',
      url,
      headers: [['Content-Type', 'application/json']],
      body: canonicalJson(payload),
      timeoutS: cfg.timeout,
      maxRedirects: 10,
      allowCrossOriginRedirects: false,
      credentialed: true,
      blockPrivateNetwork: false,
      signal: nc.signal,
      secrets: [...pathSecrets, url.password, url.username],
      showUrl: maskWebhookUrl,
      log: nc.log,
    });
    if (res.status < 200 || res.status > 299) {
      const body = res.text.length > 1000 ? `${res.text.slice(0, 1000)}…` : res.text;
      throw new NodeError(
        `Slack webhook returned status ${res.status} for '${maskWebhookUrl(raw)}': ${body}`,
      );
    }
    nc.log.debug(`slack_notification → ${res.status}`, { step: nc.step });
    const k = cfg.output_key;
    return { [`${k}_status`]: res.status, [`${k}_data`]: parseBody(res.text), [`${k}_success`]: true };
  },
});
