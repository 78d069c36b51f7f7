// Where an llm request goes and how it authenticates (NODES 17.1 provider table), plus the two providers
// this port adds: `ollama` (native /api/chat) and `oauth` (client-credentials bearer token).
import { NodeError } from '../../util/errors.js';
import { configOrEnv, trimTrailingSlashes } from './http.js';
import { type OAuthCredentials, oauthCredentials } from './oauth.js';

export type LlmMode = 'chat' | 'responses';

/** Accepted provider names (case-insensitive) and their canonical form. */
export const LLM_PROVIDERS: Record<string, string> = {
  openai: 'openai',
  openai_compatible: 'openai_compatible',
  compatible: 'openai_compatible',
  azure: 'azure',
  custom: 'custom',
  ollama: 'ollama',
  oauth: 'oauth',
};

export const UNSUPPORTED_PROVIDER = (p: string) =>
  `llm: unsupported provider '${p}'. Use 'openai', 'openai_compatible', 'azure', 'custom', 'ollama', or 'oauth'.`;

export const AUTH_TYPES = ['bearer', 'api_key', 'none'];

export interface Endpoint {
  provider: string;
  url: string;
  headers: Record<string, string>;
  /** Credentials that must never reach a message. */
  secrets: string[];
  /** Set for `oauth`: the bearer token is fetched (or taken from the cache) just before the request. */
  oauth?: OAuthCredentials;
  /** Azure: the deployment in the URL (also the default model). */
  deployment?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function fail(message: string): never {
  throw new NodeError(message, { retryable: false });
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** Resolve URL, headers and credentials for `provider` (canonical) in `mode`. No network. */
export function resolveEndpoint(provider: string, mode: LlmMode, cfg: Record<string, unknown>): Endpoint {
  const suffix = mode === 'chat' ? '/chat/completions' : '/responses';
  switch (provider) {
    case 'openai':
    case 'openai_compatible': {
      const base =
        provider === 'openai'
          ? (configOrEnv(cfg.base_url, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1')
          : (configOrEnv(cfg.base_url, 'OPENAI_COMPATIBLE_BASE_URL', 'LLM_BASE_URL') ??
            fail("llm (openai_compatible) requires 'base_url' or OPENAI_COMPATIBLE_BASE_URL/LLM_BASE_URL"));
      const key =
        configOrEnv(cfg.api_key, 'OPENAI_API_KEY') ??
        fail("llm (openai) requires 'api_key' or OPENAI_API_KEY");
      return {
        provider,
        url: trimTrailingSlashes(base) + suffix,
        headers: { ...JSON_HEADERS, authorization: `Bearer ${key}` },
        secrets: [key],
      };
    }
    case 'azure': {
      const endpoint =
        configOrEnv(cfg.azure_endpoint, 'AZURE_OPENAI_ENDPOINT') ??
        fail("llm (azure) requires 'azure_endpoint' or AZURE_OPENAI_ENDPOINT");
      const version = configOrEnv(cfg.azure_api_version, 'AZURE_OPENAI_API_VERSION') ?? '2024-08-01-preview';
      const chatDep = configOrEnv(cfg.azure_chat_deployment, 'AZURE_OPENAI_CHAT_DEPLOYMENT');
      const respDep = configOrEnv(cfg.azure_responses_deployment, 'AZURE_OPENAI_RESPONSES_DEPLOYMENT');
      const deployment =
        (mode === 'chat' ? (chatDep ?? respDep) : (respDep ?? chatDep)) ??
        fail('llm (azure) requires deployment for selected mode');
      const key =
        configOrEnv(cfg.api_key, 'AZURE_OPENAI_API_KEY') ??
        fail("llm (azure) requires 'api_key' or AZURE_OPENAI_API_KEY");
      const url =
        `${trimTrailingSlashes(endpoint)}/openai/deployments/${encodeURIComponent(deployment)}${suffix}` +
        `?api-version=${encodeURIComponent(version)}`;
      return { provider, url, headers: { ...JSON_HEADERS, 'api-key': key }, secrets: [key], deployment };
    }
    case 'custom': {
      const path = str(mode === 'chat' ? cfg.chat_path : cfg.responses_path) ?? str(cfg.path) ?? suffix;
      let url: string;
      if (/^https?:\/\//i.test(path)) url = path;
      else {
        const base =
          configOrEnv(cfg.base_url, 'LLM_BASE_URL') ??
          fail("llm (custom) requires 'base_url' or LLM_BASE_URL when using custom provider");
        url = trimTrailingSlashes(base) + (path.startsWith('/') ? path : `/${path}`);
      }
      const authType = (str(cfg.auth_type) ?? 'bearer').toLowerCase();
      if (!AUTH_TYPES.includes(authType)) {
        fail(
          `llm: unsupported auth_type '${cfg.auth_type}' for custom provider; use 'bearer', 'api_key', or 'none'`,
        );
      }
      const key = str(cfg.api_key);
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (key !== undefined && authType === 'bearer') headers.authorization = `Bearer ${key}`;
      if (key !== undefined && authType === 'api_key') {
        headers[(str(cfg.auth_header) ?? 'x-api-key').toLowerCase()] = key;
      }
      return { provider, url, headers, secrets: key !== undefined ? [key] : [] };
    }
    case 'ollama': {
      if (mode !== 'chat') fail("llm (ollama) supports only mode 'chat'");
      let host = configOrEnv(cfg.ollama_host, 'OLLAMA_HOST') ?? 'http://localhost:11434';
      if (!/^https?:\/\//i.test(host)) host = `http://${host}`;
      const key = str(cfg.api_key);
      const headers: Record<string, string> = { ...JSON_HEADERS };
      // Ollama itself needs no key; one given is sent as a bearer token (for a proxy in front of it).
      if (key !== undefined) headers.authorization = `Bearer ${key}`;
      return { provider, url: `${trimTrailingSlashes(host)}/api/chat`, headers, secrets: key ? [key] : [] };
    }
    case 'oauth': {
      const base =
        configOrEnv(cfg.base_url, 'OAUTH_BASE_URL') ??
        fail("llm (oauth) requires 'base_url' or OAUTH_BASE_URL");
      const oauth = oauthCredentials(cfg, (param, env) => fail(`llm (oauth) requires '${param}' or ${env}`));
      return {
        provider,
        url: trimTrailingSlashes(base) + suffix,
        headers: { ...JSON_HEADERS },
        secrets: [oauth.clientSecret],
        oauth,
      };
    }
    default:
      return fail(UNSUPPORTED_PROVIDER(provider));
  }
}

/** NODES 17.1: `model` → chat_model / responses_model → the Azure deployment → the provider default. */
export function resolveModel(cfg: Record<string, unknown>, mode: LlmMode, ep: Endpoint): string {
  return (
    str(cfg.model) ??
    str(mode === 'chat' ? cfg.chat_model : cfg.responses_model) ??
    ep.deployment ??
    (ep.provider === 'ollama' ? 'llama3.2' : 'gpt-5-mini')
  );
}
