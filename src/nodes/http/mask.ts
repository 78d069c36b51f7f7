// Keeping secrets out of messages, log lines and outputs: URLs lose their passwords and credential-like
// query values, and any known secret value (a token, a password) is replaced wherever it appears.

const SENSITIVE_QUERY = /token|secret|passw|pwd|signature|credential|api[-_]?key|^key$|^sig$|^auth|session/i;

function maskQuery(search: string): string {
  return search.replace(/([?&])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    return SENSITIVE_QUERY.test(decoded) ? `${sep}${name}=***` : all;
  });
}

/**
 * A URL safe to show: `https://user:***@host/path?token=***`. A user name without a password is often a
 * token itself (`https://ghp_x@host`), so it is masked too. Text that does not parse as a URL has any
 * `//user:pass@` part masked the same way.
 */
export function maskUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return maskQuery(
      raw.replace(/\/\/([^/@\s:]*):([^/@\s]*)@/g, '//$1:***@').replace(/\/\/([^/@\s:]+)@/g, '//***@'),
    );
  }
  let auth = '';
  if (u.password) auth = `${u.username}:***@`;
  else if (u.username) auth = '***@';
  return `${u.protocol}//${auth}${u.host}${u.pathname}${maskQuery(u.search)}${u.hash}`;
}

/**
 * A webhook URL whose path is the secret (Slack: `/services/T…/B…/XXXX`): keep the origin and the first
 * path segment only, e.g. `https://hooks.slack.com/services/***`.
 */
export function maskWebhookUrl(raw: string): string {
  try {
    const u = new URL(raw);
    const first = u.pathname.split('/').filter(Boolean)[0];
    return `${u.protocol}//${u.host}/${first ? `${first}/` : ''}***`;
  } catch {
    return '***';
  }
}

/** Replace every occurrence of each secret value (3 characters or more) in `text` with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (typeof s === 'string' && s.length >= 3) out = out.split(s).join('***');
  }
  return out;
}
