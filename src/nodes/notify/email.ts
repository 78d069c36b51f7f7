// send_email (NODES 8.1): one message through the Resend HTTP API (default) or an SMTP server.
import { NodeError } from '../../util/errors.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import type { EmailConfig } from './message.js';
import { sendViaResend } from './resend.js';
import { sendViaSmtp } from './smtp.js';

const PROVIDERS = ['resend', 'smtp'];

export const emailParams = {
  provider: p.string({ description: 'resend (default) or smtp', default: 'resend' }),
  to: p.oneOf<string | string[]>(['string', 'array'], {
    description: 'Recipient, or an array of recipients (`addr` or `Name <addr>`)',
    required: true,
    interpolate: 'deep',
  }),
  subject: p.string({ description: 'Subject line', required: true, interpolate: 'string' }),
  from: p.string({
    description: 'Sender; default: env SENDER_EMAIL, else onboarding@resend.dev',
    interpolate: 'string',
    env: 'SENDER_EMAIL',
  }),
  html: p.string({ description: 'HTML body', interpolate: 'string' }),
  text: p.string({
    description: 'Plain-text body (with html: multipart/alternative, text first)',
    interpolate: 'string',
  }),
  cc: p.oneOf<string | string[]>(['string', 'array'], {
    description: 'Cc recipient(s)',
    interpolate: 'deep',
  }),
  bcc: p.oneOf<string | string[]>(['string', 'array'], {
    description: 'Bcc recipient(s)',
    interpolate: 'deep',
  }),
  reply_to: p.oneOf<string | string[]>(['string', 'array'], {
    description: 'Reply-To address(es)',
    interpolate: 'deep',
  }),
  timeout: p.number({
    description: 'Seconds: the whole HTTP request (Resend) or each SMTP command',
    default: 30,
    exclusiveMinimum: 0,
  }),
  output_key: p.string({ description: 'Prefix of the output keys', default: 'email' }),
  api_key: p.string({
    description: 'Resend API key (default: env RESEND_API_KEY)',
    interpolate: 'string',
    env: 'RESEND_API_KEY',
    secret: true,
  }),
  api_url: p.string({ description: 'Resend endpoint', default: 'https://api.resend.com/emails' }),
  smtp_server: p.string({
    description: 'SMTP host (default: env SMTP_SERVER)',
    interpolate: 'string',
    env: 'SMTP_SERVER',
  }),
  smtp_port: p.integer({
    description: 'SMTP port (default: env SMTP_PORT, else 587 for starttls, 465 for tls, 25 for none)',
    minimum: 1,
    maximum: 65535,
    env: 'SMTP_PORT',
  }),
  smtp_username: p.string({
    description: 'SMTP user (default: env SMTP_USERNAME); AUTH only when user and password are both set',
    interpolate: 'string',
    env: 'SMTP_USERNAME',
  }),
  smtp_password: p.string({
    description: 'SMTP password (default: env SMTP_PASSWORD)',
    interpolate: 'string',
    env: 'SMTP_PASSWORD',
    secret: true,
  }),
  smtp_tls: p.string({
    description:
      'starttls (default: plain connection upgraded with STARTTLS, which is required), tls (TLS from the first byte) or none (no TLS); other values act as starttls',
    default: 'starttls',
  }),
  smtp_ca_file: p.string({
    description:
      'PEM file of extra CA certificates to trust for the SMTP server (default: env SMTP_CA_FILE), for servers with a private CA',
    env: 'SMTP_CA_FILE',
  }),
};

export const sendEmail = defineNode({
  name: 'send_email',
  category: 'Notification',
  description: 'Send an email via the Resend API or SMTP',
  params: emailParams,
  outputs: {
    '{output_key}_status': 'Resend: HTTP status (number); SMTP: the reply code as a string, e.g. "250"',
    '{output_key}_data': 'Resend: the reply (JSON or text); SMTP: {code, message}',
    '{output_key}_success': 'true',
  },
  check(cfg) {
    const prov = cfg.provider;
    return typeof prov === 'string' && !PROVIDERS.includes(prov)
      ? [{ path: '$.provider', message: `send_email: unsupported provider '${prov}'` }]
      : [];
  },
  run(cfg, nc) {
    const c = cfg as unknown as EmailConfig;
    if (c.provider === 'smtp') return sendViaSmtp(c, nc);
    if (c.provider !== 'resend') throw new NodeError(`send_email: unsupported provider '${c.provider}'`);
    return sendViaResend(c, nc);
  },
});
