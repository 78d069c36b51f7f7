// Keeping credentials out of messages, log lines, outputs and records: one set of rules for every node,
// store and server.

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

/** Mask the password of every URL inside a free text: `redis://:***@host`, `postgres://user:***@host/db`. */
export function maskUrlsInText(text: string): string {
  return text.replace(
    /([a-z][a-z0-9+.-]*:\/\/)([^/\s:@'"]*):([^@\s/'"]*)@/gi,
    (_m, scheme: string, user: string) => `${scheme}${user}:***@`,
  );
}

/** Replace every occurrence of each secret value (3 characters or more) in `text` with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (typeof s === 'string' && s.length >= 3) out = out.split(s).join('***');
  }
  return out;
}
