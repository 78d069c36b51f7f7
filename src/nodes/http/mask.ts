// Keeping secrets out of messages, log lines and outputs: URLs lose their passwords and credential-like
// query values, and any known secret value (a token, a password) is replaced wherever it appears.

export { maskUrl, redact } from '../../util/mask.js';

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
