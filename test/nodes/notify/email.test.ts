import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parseMailbox } from '../../../src/nodes/notify/address.js';
import { checkNode, type LogLine, runNode } from '../../helpers/nodes.js';
import { freePort } from '../../services/ports.js';
import { type ResendStandIn, startResend } from '../../services/resend.js';
import { type SmtpStandIn, startSmtp } from '../../services/smtp.js';

const ENV_KEYS = [
  'RESEND_API_KEY',
  'SENDER_EMAIL',
  'SMTP_SERVER',
  'SMTP_PORT',
  'SMTP_USERNAME',
  'SMTP_PASSWORD',
  'SMTP_CA_FILE',
];
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const clearEnv = () => {
  for (const k of ENV_KEYS) delete process.env[k];
};
clearEnv();
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('addresses', () => {
  test.each([
    ['a@example.com', { address: 'a@example.com' }],
    ['Ann Lee <ann@example.com>', { name: 'Ann Lee', address: 'ann@example.com' }],
    ['"Lee, Ann" <ann@example.com>', { name: 'Lee, Ann', address: 'ann@example.com' }],
    ['<x.y+tag@sub.example.org>', { address: 'x.y+tag@sub.example.org' }],
    ['jörg@bücher.de', { address: 'jörg@bücher.de' }],
    ['root@[127.0.0.1]', { address: 'root@[127.0.0.1]' }],
  ])('%s parses', (s, want) => {
    expect(parseMailbox(s)).toEqual(want);
  });
  test.each([
    ['', 'the address is empty'],
    ['ann.example.com', "missing '@'"],
    ['@example.com', "nothing before '@'"],
    ['ann@', "nothing after '@'"],
    ['ann@exa mple.com', 'the address contains whitespace'],
    ['ann..lee@example.com', "invalid local part 'ann..lee'"],
    ['ann@-example.com', "invalid domain '-example.com'"],
    ['Ann <ann@example.com', "unbalanced '<' or '>'"],
    ['a@x.com, b@y.com', 'several addresses in one string; give them as an array'],
    ['ann@example.com\r\nBcc: evil@example.com', 'line breaks are not allowed'],
  ])('%j is rejected: %s', (s, reason) => {
    expect(parseMailbox(s)).toBe(reason);
  });
});

describe('send_email via Resend', () => {
  let resend: ResendStandIn;
  beforeAll(async () => {
    resend = await startResend();
  });
  afterAll(() => resend.stop());
  afterEach(() => {
    resend.requests.length = 0;
    clearEnv();
  });

  test('POST with bearer key, IronFlow User-Agent and the JSON message', async () => {
    const out = await runNode(
      'send_email',
      {
        api_key: resend.key,
        api_url: resend.apiUrl,
        from: 'IronFlow <flows@example.com>',
        to: ['${ctx.email}', 42, 'Bob <bob@example.com>'],
        subject: 'Hello ${ctx.name}',
        html: '<p>Hi ${ctx.name}</p>',
        text: 'Hi ${ctx.name}',
        cc: 'cc@example.com',
        bcc: ['b1@example.com'],
        reply_to: ['reply@example.com'],
      },
      { email: 'ann@example.com', name: 'Ann' },
    );
    expect(out.email_status).toBe(200);
    expect(out.email_success).toBe(true);
    expect((out.email_data as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
    const req = resend.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${resend.key}`);
    expect(req.headers['user-agent']).toMatch(
      /^IronFlow \d+\.\d+\.\d+, https:\/\/github\.com\/skitsanos\/ironflow$/,
    );
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({
      from: 'IronFlow <flows@example.com>',
      to: ['ann@example.com', 'Bob <bob@example.com>'],
      subject: 'Hello Ann',
      html: '<p>Hi Ann</p>',
      text: 'Hi Ann',
      cc: 'cc@example.com',
      bcc: ['b1@example.com'],
      reply_to: ['reply@example.com'],
    });
  });

  test('env fallbacks: RESEND_API_KEY and SENDER_EMAIL, then onboarding@resend.dev', async () => {
    process.env.RESEND_API_KEY = resend.key;
    process.env.SENDER_EMAIL = 'env@example.com';
    await runNode('send_email', {
      api_url: resend.apiUrl,
      to: 'a@example.com',
      subject: 's',
      output_key: 'm',
    });
    delete process.env.SENDER_EMAIL;
    await runNode('send_email', { api_url: resend.apiUrl, to: 'a@example.com', subject: 's' });
    expect(resend.requests.map((r) => r.json?.from)).toEqual(['env@example.com', 'onboarding@resend.dev']);
    expect(resend.requests[0]!.json?.to).toEqual(['a@example.com']);
  });

  test('the API key is checked first', async () => {
    const e = await failure(
      runNode('send_email', { to: 'not-an-address', subject: 's', api_url: resend.apiUrl }),
    );
    expect(e.message).toBe("send_email requires 'api_key' or RESEND_API_KEY env var");
  });

  test('a wrong key: 403 with the reply body, the key never shown', async () => {
    const e = await failure(
      runNode('send_email', {
        api_key: 're_wrong_key_123',
        api_url: resend.apiUrl,
        to: 'a@example.com',
        subject: 's',
      }),
    );
    expect(e.message).toBe(
      'send_email Resend API returned status 403: {"statusCode":403,"name":"invalid_api_key","message":"API key is invalid"}',
    );
    expect(e.message).not.toContain('re_wrong_key_123');
  });

  test('invalid addresses fail before any request', async () => {
    const base = { api_key: resend.key, api_url: resend.apiUrl, subject: 's' };
    const a = await failure(runNode('send_email', { ...base, to: 'ann.example.com' }));
    expect(a.message).toBe("send_email: invalid 'to' address 'ann.example.com': missing '@'");
    const b = await failure(
      runNode('send_email', { ...base, to: 'a@example.com', cc: ['ok@example.com', 'bad@'] }),
    );
    expect(b.message).toBe("send_email: invalid 'cc' address 'bad@': nothing after '@'");
    const c = await failure(runNode('send_email', { ...base, to: [1, 2] }));
    expect(c.message).toBe("send_email 'to' must be a string or array of strings");
    expect(resend.requests).toHaveLength(0);
  });

  test('static checks', () => {
    expect(checkNode('send_email', {})).toEqual([
      "send_email requires 'to'",
      "send_email requires 'subject'",
    ]);
    expect(checkNode('send_email', { to: 'a@example.com', subject: 's', provider: 'sendgrid' })).toEqual([
      "send_email: unsupported provider 'sendgrid'",
    ]);
  });

  test('unreachable API: connection refused, no key in the message', async () => {
    const port = await freePort();
    const e = await failure(
      runNode('send_email', {
        api_key: 're_secret_abcdef',
        api_url: `http://127.0.0.1:${port}/emails`,
        to: 'a@example.com',
        subject: 's',
      }),
    );
    expect(e.message).toBe(
      `send_email Resend API request failed: connection refused to http://127.0.0.1:${port}/emails`,
    );
  });
});

/** Split a raw message into its header block and body. */
function splitMail(raw: string): { headers: string; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  return { headers: raw.slice(0, at), body: raw.slice(at + 4) };
}

describe('send_email via SMTP', () => {
  let plain: SmtpStandIn;
  let starttls: SmtpStandIn;
  let implicit: SmtpStandIn;
  let authed: SmtpStandIn;
  beforeAll(async () => {
    [plain, starttls, implicit, authed] = await Promise.all([
      startSmtp({ mode: 'none', rejectDomain: 'nowhere.example' }),
      startSmtp({ mode: 'starttls' }),
      startSmtp({ mode: 'tls' }),
      startSmtp({ mode: 'none', auth: { user: 'mailer', pass: 'Sup3r-Secret!' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain.stop(), starttls.stop(), implicit.stop(), authed.stop()]);
  });
  afterEach(() => {
    for (const s of [plain, starttls, implicit, authed]) s.messages.length = 0;
    clearEnv();
  });

  const smtp = (s: SmtpStandIn, extra: Record<string, unknown> = {}) => ({
    provider: 'smtp',
    smtp_server: s.host,
    smtp_port: s.port,
    from: 'IronFlow <flows@example.com>',
    subject: 'Report',
    ...extra,
  });

  test('none: text + html is multipart/alternative with the text part first; Bcc only in the envelope', async () => {
    const out = await runNode(
      'send_email',
      smtp(plain, {
        smtp_tls: 'none',
        to: ['Ann <ann@example.com>', 'bob@example.com'],
        cc: 'carl@example.com',
        bcc: 'secret-bcc@example.com',
        reply_to: 'replies@example.com',
        subject: 'Report for ${ctx.day}',
        text: 'Plain ${ctx.day}',
        html: '<b>HTML ${ctx.day}</b>',
      }),
      { day: 'Monday' },
    );
    expect(out.email_status).toBe('250');
    expect(out.email_success).toBe(true);
    expect(out.email_data).toEqual({ code: '250', message: expect.stringContaining('OK') });
    const mail = plain.messages[0]!;
    expect(mail.from).toBe('flows@example.com');
    expect(mail.to).toEqual([
      'ann@example.com',
      'bob@example.com',
      'carl@example.com',
      'secret-bcc@example.com',
    ]);
    expect(mail.secure).toBe(false);
    const { headers, body } = splitMail(mail.raw);
    expect(headers).toMatch(/^From: IronFlow <flows@example\.com>$/m);
    expect(headers).toMatch(/^To: Ann <ann@example\.com>, bob@example\.com$/m);
    expect(headers).toMatch(/^Cc: carl@example\.com$/m);
    expect(headers).toMatch(/^Reply-To: replies@example\.com$/m);
    expect(headers).toMatch(/^Subject: Report for Monday$/m);
    expect(headers).not.toMatch(/^Bcc:/m);
    expect(headers).toMatch(/^Content-Type: multipart\/alternative;/m);
    const textAt = body.indexOf('Content-Type: text/plain');
    const htmlAt = body.indexOf('Content-Type: text/html');
    expect(textAt).toBeGreaterThan(-1);
    expect(htmlAt).toBeGreaterThan(textAt);
    expect(body).toContain('Plain Monday');
    expect(body).toContain('<b>HTML Monday</b>');
  });

  test('only html is a single text/html part; neither is an empty text/plain', async () => {
    await runNode('send_email', smtp(plain, { smtp_tls: 'none', to: 'a@example.com', html: '<i>x</i>' }));
    await runNode('send_email', smtp(plain, { smtp_tls: 'none', to: 'a@example.com' }));
    const [h, n] = plain.messages.map((m) => splitMail(m.raw));
    expect(h!.headers).toMatch(/^Content-Type: text\/html/m);
    expect(h!.body).toContain('<i>x</i>');
    expect(n!.headers).toMatch(/^Content-Type: text\/plain/m);
    expect(n!.body.trim()).toBe('');
  });

  test('env fallbacks: SMTP_SERVER, SMTP_PORT, credentials', async () => {
    process.env.SMTP_SERVER = authed.host;
    process.env.SMTP_PORT = String(authed.port);
    process.env.SMTP_USERNAME = 'mailer';
    process.env.SMTP_PASSWORD = 'Sup3r-Secret!';
    const out = await runNode('send_email', {
      provider: 'smtp',
      smtp_tls: 'none',
      to: 'a@example.com',
      subject: 's',
      text: 't',
    });
    expect(out.email_status).toBe('250');
    expect(authed.messages[0]!.user).toBe('mailer');
    expect(authed.messages[0]!.from).toBe('onboarding@resend.dev');
  });

  test('wrong credentials: 535 from the server, no password in the message', async () => {
    const e = await failure(
      runNode(
        'send_email',
        smtp(authed, {
          smtp_tls: 'none',
          to: 'a@example.com',
          smtp_username: 'mailer',
          smtp_password: 'wrong-pass-77',
        }),
      ),
    );
    expect(e.message).toMatch(/^send_email SMTP server returned 535: Authentication credentials invalid/);
    expect(e.message).not.toContain('wrong-pass-77');
    expect(authed.messages).toHaveLength(0);
  });

  test('a rejected recipient is a negative reply', async () => {
    const e = await failure(
      runNode('send_email', smtp(plain, { smtp_tls: 'none', to: 'x@nowhere.example' })),
    );
    expect(e.message).toMatch(/^send_email SMTP server returned 550: /);
    expect(e.message).toContain('x@nowhere.example');
  });

  test('starttls with a private CA (smtp_ca_file) upgrades the connection', async () => {
    const out = await runNode(
      'send_email',
      smtp(starttls, { to: 'a@example.com', text: 'over tls', smtp_ca_file: starttls.certFile }),
    );
    expect(out.email_status).toBe('250');
    expect(starttls.messages[0]!.secure).toBe(true);
  });

  test('implicit tls, CA from SMTP_CA_FILE', async () => {
    process.env.SMTP_CA_FILE = implicit.certFile!;
    const out = await runNode(
      'send_email',
      smtp(implicit, { smtp_tls: 'tls', to: 'a@example.com', text: 'x' }),
    );
    expect(out.email_status).toBe('250');
    expect(implicit.messages[0]!.secure).toBe(true);
  });

  test('an untrusted certificate fails with a hint', async () => {
    const e = await failure(runNode('send_email', smtp(implicit, { smtp_tls: 'tls', to: 'a@example.com' })));
    expect(e.message).toMatch(/^send_email SMTP error: TLS certificate of 127\.0\.0\.1:\d+ not accepted/);
    expect(e.message).toContain('smtp_ca_file');
    expect(implicit.messages).toHaveLength(0);
  });

  test('starttls is required: a server without it fails (unknown modes act as starttls)', async () => {
    const logs: LogLine[] = [];
    const e = await failure(
      runNode('send_email', smtp(plain, { smtp_tls: 'ssl', to: 'a@example.com' }), {}, { logs }),
    );
    expect(e.message).toMatch(/^send_email SMTP error: /);
    expect(e.message).toMatch(/STARTTLS/i);
    expect(plain.messages).toHaveLength(0);
    expect(logs.some((l) => l.level === 'warn' && l.msg.includes("smtp_tls 'ssl'"))).toBe(true);
  });

  test('unreachable server: connection refused naming host and port', async () => {
    const port = await freePort();
    const e = await failure(
      runNode('send_email', {
        provider: 'smtp',
        smtp_server: '127.0.0.1',
        smtp_port: port,
        smtp_tls: 'none',
        smtp_username: 'u',
        smtp_password: 'pw-never-shown',
        to: 'a@example.com',
        subject: 's',
      }),
    );
    expect(e.message).toBe(`send_email SMTP error: connection refused to 127.0.0.1:${port}`);
  });

  test('missing server and invalid addresses', async () => {
    const e = await failure(runNode('send_email', { provider: 'smtp', to: 'a@example.com', subject: 's' }));
    expect(e.message).toBe("send_email smtp provider requires 'smtp_server' or SMTP_SERVER env var");
    const f = await failure(
      runNode('send_email', smtp(plain, { smtp_tls: 'none', to: 'a@example.com', from: 'nobody' })),
    );
    expect(f.message).toBe("send_email: invalid 'from' address 'nobody': missing '@'");
    const g = await failure(
      runNode(
        'send_email',
        smtp(plain, { smtp_tls: 'none', to: 'a@example.com', reply_to: ['ok@example.com', 'x y@z'] }),
      ),
    );
    expect(g.message).toBe("send_email: invalid 'reply_to' address 'x y@z': the address contains whitespace");
    expect(plain.messages).toHaveLength(0);
  });

  test('a server that never greets: the timeout names the limit; the step signal cancels', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((sock) => {
      sockets.add(sock);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const cfg = {
      provider: 'smtp',
      smtp_server: '127.0.0.1',
      smtp_port: port,
      smtp_tls: 'none',
      to: 'a@example.com',
      subject: 's',
    };
    try {
      const e = await failure(runNode('send_email', { ...cfg, timeout: 0.3 }));
      expect(e.message).toBe(
        `send_email SMTP error: timed out after 0.3s (the 'timeout' parameter) talking to 127.0.0.1:${port}`,
      );
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('run cancelled')), 100);
      const c = await failure(runNode('send_email', cfg, {}, { signal: ac.signal }));
      expect(c.message).toBe('run cancelled');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
