// An SMTP server on 127.0.0.1 (smtp-server from npm) that keeps every message it receives. Modes:
// `none` (plain, no STARTTLS offered), `starttls` (plain, STARTTLS offered) and `tls` (implicit TLS),
// the last two with a self-signed key pair generated at start (write `cert` to a file to trust it).
import { rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The DATA stream as received (headers and body). */
  raw: string;
  user?: string;
  secure: boolean;
}

export interface SmtpOptions {
  mode?: 'none' | 'starttls' | 'tls';
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
  /** Reply code for RCPT TO of addresses at this domain (e.g. 550). */
  rejectDomain?: string;
}

export interface SmtpStandIn {
  host: string;
  port: number;
  messages: ReceivedMail[];
  /** PEM certificate of the server (starttls and tls modes). */
  cert?: string;
  /** Path of a file holding `cert`, for smtp_ca_file / SMTP_CA_FILE. */
  certFile?: string;
  stop(): Promise<void>;
}

let pems: Promise<{ cert: string; key: string }> | undefined;

/** One self-signed pair per process, valid for 127.0.0.1 and localhost. */
export function testKeyPair(): Promise<{ cert: string; key: string }> {
  pems ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((r) => ({ cert: r.cert, key: r.private }));
  return pems;
}

export async function startSmtp(opts: SmtpOptions = {}): Promise<SmtpStandIn> {
  const mode = opts.mode ?? 'none';
  const messages: ReceivedMail[] = [];
  const tls = mode === 'none' ? undefined : await testKeyPair();
  const options: SMTPServerOptions = {
    secure: mode === 'tls',
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    disabledCommands:
      mode === 'none' ? ['STARTTLS', ...(opts.auth ? [] : ['AUTH'])] : opts.auth ? [] : ['AUTH'],
    allowInsecureAuth: true,
    authOptional: !opts.auth,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        cb(null, { user: auth.username });
      } else {
        const err = new Error('Authentication credentials invalid') as Error & { responseCode: number };
        err.responseCode = 535;
        cb(err);
      }
    },
    onRcptTo(address, _session, cb) {
      if (opts.rejectDomain && address.address.endsWith(`@${opts.rejectDomain}`)) {
        const err = new Error(`Mailbox ${address.address} unavailable`) as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo)
    .port;
  let certFile: string | undefined;
  if (tls) {
    certFile = join(tmpdir(), `ironflow-smtp-test-${process.pid}-${port}.pem`);
    await writeFile(certFile, tls.cert);
  }
  return {
    host: '127.0.0.1',
    port,
    messages,
    cert: tls?.cert,
    certFile,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (certFile) await rm(certFile, { force: true });
    },
  };
}

export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startSmtp({ mode: 'none' });
  return {
    env: { SMTP_SERVER: s.host, SMTP_HOST: s.host, SMTP_PORT: String(s.port), SMTP_TLS: 'none' },
    stop: s.stop,
  };
}
