// The message fields both send_email providers share: recipients, subject, sender and their checks.
import { NodeError } from '../../util/errors.js';
import { type Mailbox, parseMailbox } from './address.js';

/** send_email's config after defaults and interpolation (see email.ts for the parameters). */
export type EmailConfig = Record<string, unknown> & {
  timeout: number;
  output_key: string;
  api_url: string;
  smtp_tls: string;
  provider: string;
};

/** `to`/`cc`/`bcc`/`reply_to` as a list of strings (non-string array items dropped). */
export function addressList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return undefined;
}

/** Parse every address of a field, failing with `send_email: invalid '<field>' address '<v>': …`. */
export function mailboxes(field: string, values: readonly string[]): Mailbox[] {
  return values.map((v) => {
    const m = parseMailbox(v);
    if (typeof m === 'string') {
      throw new NodeError(`send_email: invalid '${field}' address '${v}': ${m}`, { retryable: false });
    }
    return m;
  });
}

/** The checks both providers share, after the provider-specific first check. */
export function commonMessage(cfg: EmailConfig) {
  if (cfg.to === undefined || cfg.to === null) throw new NodeError("send_email requires 'to' field");
  const to = addressList(cfg.to);
  if (!to || to.length === 0) throw new NodeError("send_email 'to' must be a string or array of strings");
  if (typeof cfg.subject !== 'string') throw new NodeError("send_email requires 'subject' field");
  const from =
    typeof cfg.from === 'string' ? cfg.from : (process.env.SENDER_EMAIL ?? 'onboarding@resend.dev');
  const list = (k: 'cc' | 'bcc' | 'reply_to') => addressList(cfg[k]);
  const fields = {
    from: [from],
    to,
    cc: list('cc') ?? [],
    bcc: list('bcc') ?? [],
    reply_to: list('reply_to') ?? [],
  };
  const parsed = {
    from: mailboxes('from', fields.from)[0]!,
    to: mailboxes('to', fields.to),
    cc: mailboxes('cc', fields.cc),
    bcc: mailboxes('bcc', fields.bcc),
    reply_to: mailboxes('reply_to', fields.reply_to),
  };
  return {
    from,
    to,
    subject: cfg.subject,
    html: typeof cfg.html === 'string' ? cfg.html : undefined,
    text: typeof cfg.text === 'string' ? cfg.text : undefined,
    parsed,
  };
}

export type CommonMessage = ReturnType<typeof commonMessage>;
