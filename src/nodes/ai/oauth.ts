// OAuth 2 client-credentials tokens for the `oauth` providers (NODES 17.2). The cache is process-wide (kept
// in nc.services.resources) and keyed by token URL, client id, a hash of the secret and the scope, so two
// identity providers or two clients in one process never get each other's token (the original had one
// global slot). A token is reused until 60 s before it expires; concurrent steps share one token request.
import { createHash } from 'node:crypto';
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import { clip, formEncode, post, redact, retryableStatus } from './http.js';

export interface OAuthCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not handed out any more (expiry minus the 60 s margin). */
  reuseUntil: number;
}

/** Seconds before expiry at which a cached token is replaced. */
export const TOKEN_EXPIRY_MARGIN_S = 60;

/** The parameters of the oauth provider, the same for llm and ai_embed. */
export function oauthParams() {
  return {
    token_url: p.string({
      description: 'oauth: token endpoint',
      interpolate: 'string',
      env: 'OAUTH_TOKEN_URL',
    }),
    client_id: p.string({ description: 'oauth: client id', interpolate: 'string', env: 'OAUTH_CLIENT_ID' }),
    client_secret: p.string({
      description: 'oauth: client secret',
      interpolate: 'string',
      env: 'OAUTH_CLIENT_SECRET',
      secret: true,
    }),
    scope: p.string({ description: 'oauth: scope (optional)', interpolate: 'string', env: 'OAUTH_SCOPE' }),
  };
}

export class OAuthTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  static key(c: OAuthCredentials): string {
    const secret = createHash('sha256').update(c.clientSecret).digest('hex');
    return JSON.stringify(['oauth', c.tokenUrl, c.clientId, secret, c.scope ?? '']);
  }

  /**
   * A valid token for these credentials, fetching one when none is cached or it is about to expire. Steps
   * that ask at the same time share one request; when that request dies because the step that made it
   * was aborted, a waiting step whose own signal is fine makes its own request.
   */
  async token(
    c: OAuthCredentials,
    fetchToken: () => Promise<{ token: string; expiresIn: number }>,
    signal: AbortSignal,
  ): Promise<{ token: string; cached: boolean }> {
    const key = OAuthTokenCache.key(c);
    const hit = this.tokens.get(key);
    if (hit && Date.now() < hit.reuseUntil) return { token: hit.token, cached: true };
    const shared = this.pending.get(key);
    if (shared) {
      try {
        return { token: await shared, cached: false };
      } catch (e) {
        if (signal.aborted) throw e;
        // fall through: the other step's request failed; try with ours (its error will be our own)
      }
    }
    const p = fetchToken().then(({ token, expiresIn }) => {
      this.tokens.set(key, { token, reuseUntil: Date.now() + (expiresIn - TOKEN_EXPIRY_MARGIN_S) * 1000 });
      return token;
    });
    this.pending.set(key, p);
    const clear = () => {
      if (this.pending.get(key) === p) this.pending.delete(key);
    };
    p.then(clear, clear);
    return { token: await p, cached: false };
  }

  /** Forget a token the API refused (revoked or rotated before its announced expiry). */
  invalidate(c: OAuthCredentials, token: string): void {
    const key = OAuthTokenCache.key(c);
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }

  size(): number {
    return this.tokens.size;
  }
}

export function tokenCache(nc: NodeContext): Promise<OAuthTokenCache> {
  return nc.services.resources.get('ai:oauth-token-cache', () => new OAuthTokenCache());
}

/** POST the client-credentials form to the token URL and read `access_token` and `expires_in`. */
export async function requestToken(
  c: OAuthCredentials,
  nc: NodeContext,
  timeoutS: number,
): Promise<{ token: string; expiresIn: number }> {
  const pairs: Array<[string, string]> = [
    ['grant_type', 'client_credentials'],
    ['client_id', c.clientId],
    ['client_secret', c.clientSecret],
  ];
  if (c.scope !== undefined) pairs.push(['scope', c.scope]);
  const secrets = [c.clientSecret];
  const reply = await post({
    url: c.tokenUrl,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: formEncode(pairs),
    timeoutS,
    signal: nc.signal,
    label: 'OAuth token request',
    secrets,
  });
  if (!reply.ok) {
    throw new NodeError(
      redact(`OAuth token request failed (${reply.status}): ${clip(reply.text)}`, secrets),
      { retryable: retryableStatus(reply.status) },
    );
  }
  const body = reply.json;
  if (!isPlainObject(body)) {
    throw new NodeError(
      redact(`Failed to parse OAuth token response: not a JSON object: ${clip(reply.text, 200)}`, secrets),
    );
  }
  const token = body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new NodeError("Failed to parse OAuth token response: missing 'access_token'");
  }
  // Some identity providers send expires_in as a numeric string.
  const raw = body.expires_in;
  const expiresIn = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) {
    throw new NodeError("Failed to parse OAuth token response: missing or invalid 'expires_in'");
  }
  nc.log.debug('oauth token fetched', {
    token_url: c.tokenUrl,
    client_id: c.clientId,
    expires_in: expiresIn,
  });
  return { token, expiresIn };
}

/** A bearer token for `c`, from the process-wide cache or a new token request. */
export async function bearerToken(
  c: OAuthCredentials,
  nc: NodeContext,
  timeoutS: number,
): Promise<{ token: string; cached: boolean }> {
  const cache = await tokenCache(nc);
  return cache.token(c, () => requestToken(c, nc, timeoutS), nc.signal);
}

/** Read the four OAuth settings of a node config, with their env fallbacks (NODES 17.2). */
export function oauthCredentials(
  cfg: Record<string, unknown>,
  missing: (param: string, env: string) => never,
): OAuthCredentials {
  const read = (param: string, env: string): string | undefined => {
    const v = cfg[param];
    if (typeof v === 'string') return v;
    return process.env[env];
  };
  const tokenUrl = read('token_url', 'OAUTH_TOKEN_URL') ?? missing('token_url', 'OAUTH_TOKEN_URL');
  const clientId = read('client_id', 'OAUTH_CLIENT_ID') ?? missing('client_id', 'OAUTH_CLIENT_ID');
  const clientSecret =
    read('client_secret', 'OAUTH_CLIENT_SECRET') ?? missing('client_secret', 'OAUTH_CLIENT_SECRET');
  const scope = read('scope', 'OAUTH_SCOPE');
  return { tokenUrl, clientId, clientSecret, ...(scope !== undefined ? { scope } : {}) };
}
