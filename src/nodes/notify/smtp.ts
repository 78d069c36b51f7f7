// send_email through an SMTP server with nodemailer (NODES 8.1, provider "smtp"). nodemailer is loaded
// inside the call so flows that never send mail do not pay for it.
import { readFile } from 'node:fs/promises';
import { NodeError } from '../../util/errors.js';
import { formatSeconds } from '../../util/json.js';
import { redact } from '../http/mask.js';
import type { NodeContext, NodeOutput } from '../types.js';
import type { Mailbox } from './address.js';
import { commonMessage, type EmailConfig } from './message.js';

type TlsMode = 'starttls' | 'tls' | 'none';
const DEFAULT_PORT: Record<TlsMode, number> = { starttls: 587, tls: 465, none: 25 };

function envString(name: string): string | undefined {
  return process.env[name];
}

function resolvePort(cfg: EmailConfig, mode: TlsMode): number {
  if (typeof cfg.smtp_port === 'number') return cfg.smtp_port;
  const env = envString('SMTP_PORT');
  if (env !== undefined) {
    const n = Number(env.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      throw new NodeError(`send_email: SMTP_PORT must be a port number from 1 to 65535 (got '${env}')`, {
        retryable: false,
      });
    }
    return n;
  }
  return DEFAULT_PORT[mode];
}

const fmt = (m: Mailbox) => (m.name !== undefined ? { name: m.name, address: m.address } : m.address);

/** `250 2.0.0 Ok: queued` (or several `250-` lines) → code and the text lines joined with \n. */
export function parseReply(response: string): { code: string; message: string } {
  const lines = response.split(/\r?\n/).filter((l) => l !== '');
  const code = /^(\d{3})/.exec(lines[0] ?? '')?.[1] ?? '';
  const message = lines.map((l) => l.replace(/^\d{3}[ -]?/, '')).join('\n');
  return { code, message };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

function describeSmtpError(e: SmtpError, where: string, timeoutS: number): string {
  if (typeof e.command === 'string' && /^STARTTLS$/i.test(e.command)) {
    const reply = e.response ? ` (it answered: ${e.response})` : '';
    return `send_email SMTP error: ${where} does not support STARTTLS, which smtp_tls = "starttls" requires${reply}; use smtp_tls = "tls" or "none" if that is intended`;
  }
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    const reply = e.response ? parseReply(e.response).message : (e.message ?? '');
    const cmd = e.command && /^(EHLO|HELO|MAIL FROM|RCPT TO|DATA|AUTH [A-Z0-9-]+|STARTTLS)$/i.test(e.command);
    return `send_email SMTP server returned ${e.responseCode}: ${reply}${cmd ? ` (after ${e.command})` : ''}`;
  }
  const msg = e.message ?? String(e);
  let reason: string;
  if (/ECONNREFUSED/.test(msg)) reason = `connection refused to ${where}`;
  else if (/ENOTFOUND|EAI_AGAIN/.test(msg) || e.code === 'EDNS')
    reason = `host not found (DNS lookup failed) for ${where}`;
  else if (e.code === 'ETIMEDOUT' || /timeout/i.test(msg)) {
    reason = `timed out after ${formatSeconds(timeoutS)} (the 'timeout' parameter) talking to ${where}`;
  } else if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(msg)) {
    reason = `TLS certificate of ${where} not accepted (${msg}); set smtp_ca_file to trust a private CA`;
  } else if (e.code === 'ETLS' || /STARTTLS/i.test(msg)) {
    reason = `TLS failed with ${where}: ${msg}`;
  } else reason = `${msg} (${where})`;
  return `send_email SMTP error: ${reason}`;
}

export async function sendViaSmtp(cfg: EmailConfig, nc: NodeContext): Promise<NodeOutput> {
  const host = typeof cfg.smtp_server === 'string' ? cfg.smtp_server : envString('SMTP_SERVER');
  if (host === undefined) {
    throw new NodeError("send_email smtp provider requires 'smtp_server' or SMTP_SERVER env var", {
      retryable: false,
    });
  }
  const msg = commonMessage(cfg);
  const tls = cfg.smtp_tls.toLowerCase();
  const mode: TlsMode = tls === 'tls' || tls === 'none' ? tls : 'starttls';
  if (tls !== mode) {
    nc.log.warn(`send_email: smtp_tls '${cfg.smtp_tls}' is not starttls, tls or none; using starttls`, {
      step: nc.step,
    });
  }
  const port = resolvePort(cfg, mode);
  const user = typeof cfg.smtp_username === 'string' ? cfg.smtp_username : envString('SMTP_USERNAME');
  const pass = typeof cfg.smtp_password === 'string' ? cfg.smtp_password : envString('SMTP_PASSWORD');
  const caFile = typeof cfg.smtp_ca_file === 'string' ? cfg.smtp_ca_file : envString('SMTP_CA_FILE');
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = await readFile(caFile, 'utf8');
    } catch (e) {
      throw new NodeError(`send_email: cannot read smtp_ca_file '${caFile}': ${(e as Error).message}`, {
        retryable: false,
      });
    }
  }
  const where = `${host}:${port}`;
  const secrets = [pass];
  const ms = Math.min(Math.max(cfg.timeout * 1000, 1), 2_147_483_647);

  const nodemailer = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host,
    port,
    secure: mode === 'tls',
    requireTLS: mode === 'starttls',
    ignoreTLS: mode === 'none',
    ...(user !== undefined && pass !== undefined ? { auth: { user, pass } } : {}),
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    dnsTimeout: ms,
    disableFileAccess: true,
    disableUrlAccess: true,
    tls: ca ? { ca: [ca] } : {},
  });

  const p = msg.parsed;
  const mail = {
    from: fmt(p.from),
    to: p.to.map(fmt),
    ...(p.cc.length ? { cc: p.cc.map(fmt) } : {}),
    ...(p.bcc.length ? { bcc: p.bcc.map(fmt) } : {}),
    ...(p.reply_to.length ? { replyTo: p.reply_to.map(fmt) } : {}),
    subject: msg.subject,
    // Both → multipart/alternative with the text part first; neither → an empty text/plain body.
    ...(msg.text !== undefined || msg.html === undefined ? { text: msg.text ?? '' } : {}),
    ...(msg.html !== undefined ? { html: msg.html } : {}),
  };

  // close() does not end a send in flight, so a cancelled step stops waiting for it here; the abandoned
  // connection ends by itself within the SMTP timeouts above.
  let onAbort = () => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      transport.close();
      const r = nc.signal.reason;
      reject(r instanceof Error ? r : new NodeError(`send_email cancelled (${where})`));
    };
  });
  aborted.catch(() => {});
  if (nc.signal.aborted) onAbort();
  else nc.signal.addEventListener('abort', onAbort, { once: true });
  let info: { response?: string };
  try {
    info = await Promise.race([transport.sendMail(mail), aborted]);
  } catch (e) {
    if (nc.signal.aborted) {
      const r = nc.signal.reason;
      throw r instanceof Error ? r : new NodeError(`send_email cancelled (${where})`);
    }
    const err = e as SmtpError;
    throw new NodeError(redact(describeSmtpError(err, where, cfg.timeout), secrets));
  } finally {
    nc.signal.removeEventListener('abort', onAbort);
    transport.close();
  }
  const reply = parseReply(info.response ?? '');
  nc.log.debug(`send_email via SMTP ${where} → ${reply.code}`, { step: nc.step, to: msg.to.length });
  const k = cfg.output_key;
  return { [`${k}_status`]: reply.code, [`${k}_data`]: reply, [`${k}_success`]: true };
}
