import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';
import { freePort } from '../../services/ports.js';
import { type SlackStandIn, startSlack } from '../../services/slack.js';

let slack: SlackStandIn;
const savedEnv = process.env.SLACK_WEBHOOK;

beforeAll(async () => {
  slack = await startSlack();
});
afterAll(async () => {
  await slack.stop();
  if (savedEnv === undefined) delete process.env.SLACK_WEBHOOK;
  else process.env.SLACK_WEBHOOK = savedEnv;
});
afterEach(() => {
  slack.requests.length = 0;
  slack.reply(200, 'ok');
  delete process.env.SLACK_WEBHOOK;
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('slack_notification', () => {
  test('posts the payload with text, outputs the reply', async () => {
    const out = await runNode(
      'slack_notification',
      {
        webhook_url: slack.webhook,
        text: 'Deployed ${ctx.app}',
        payload: {
          channel: '#ops',
          username: '${ctx.bot}',
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*${ctx.app}*' } }],
        },
      },
      { app: 'api', bot: 'ironflow' },
    );
    expect(out).toEqual({ slack_status: 200, slack_data: 'ok', slack_success: true });
    const req = slack.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({
      channel: '#ops',
      username: 'ironflow',
      text: 'Deployed api',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*api*' } }],
    });
  });

  test('text beats message beats payload.text; the env var gives the URL', async () => {
    process.env.SLACK_WEBHOOK = slack.webhook;
    await runNode('slack_notification', { text: 't', message: 'm', payload: { text: 'p' } });
    await runNode('slack_notification', { message: 'm', payload: { text: 'p' } });
    await runNode(
      'slack_notification',
      { payload: { text: 'p ${ctx.x}' }, output_key: 'n' },
      { x: '${ctx.y}', y: 1 },
    );
    expect(slack.requests.map((r) => (r.json as { text: string }).text)).toEqual(['t', 'm', 'p ${ctx.y}']);
  });

  test('a JSON reply is parsed', async () => {
    slack.reply(200, '{"ok":true,"ts":"1.2"}');
    const out = await runNode('slack_notification', { webhook_url: slack.webhook, text: 'x' });
    expect(out.slack_data).toEqual({ ok: true, ts: '1.2' });
  });

  test('missing text or URL', async () => {
    expect(checkNode('slack_notification', { webhook_url: 'http://x.test/' })).toEqual([
      "slack_notification requires 'text', 'message', or 'payload.text' to be present",
    ]);
    expect(checkNode('slack_notification', { text: 'x', payload: 'nope' })[0]).toMatch(/payload/);
    const e = await failure(runNode('slack_notification', { text: 'x' }));
    expect(e.message).toBe("slack_notification requires 'webhook_url' or SLACK_WEBHOOK env var");
  });

  test('non-2xx fails with status and body; the webhook secret is masked', async () => {
    slack.reply(403, 'invalid_token');
    const e = await failure(runNode('slack_notification', { webhook_url: slack.webhook, text: 'x' }));
    expect(e.message).toBe(
      `Slack webhook returned status 403 for '${slack.base}/services/***': invalid_token`,
    );
    expect(e.message).not.toContain('xoxTestSecret42');
  });

  test('unreachable webhook: connection refused without the secret path', async () => {
    const port = await freePort();
    const e = await failure(
      runNode('slack_notification', {
        webhook_url: `http://127.0.0.1:${port}/services/T1/B2/topSecretPart`,
        text: 'x',
      }),
    );
    expect(e.message).toBe(
      `Slack webhook request failed: connection refused to http://127.0.0.1:${port}/services/***`,
    );
  });

  test('a malformed webhook URL names the parameter', async () => {
    const e = await failure(
      runNode('slack_notification', { webhook_url: 'hooks.slack.com/services/x', text: 'x' }),
    );
    expect(e.message).toBe("slack_notification: parameter 'webhook_url' is not a valid http(s) URL: '***'");
  });
});
