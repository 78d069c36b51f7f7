// Embedding requests shared by ai_embed and ai_chunk_semantic (NODES 17.2): provider and credential
// resolution with the original's error texts, the OpenAI / Ollama / OAuth wire formats, and batching into
// as few requests as the provider accepts.
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import type { NodeContext } from '../types.js';
import { clip, configOrEnv, maskUrl, post, redact, retryableStatus, trimTrailingSlashes } from './http.js';
import { bearerToken, type OAuthCredentials, oauthCredentials, oauthParams, tokenCache } from './oauth.js';

export const EMBED_PROVIDERS = ['openai', 'ollama', 'oauth'] as const;
export type EmbedProvider = (typeof EMBED_PROVIDERS)[number];

export const DEFAULT_EMBED_MODEL: Record<EmbedProvider, string> = {
  openai: 'text-embedding-3-small',
  ollama: 'nomic-embed-text',
  oauth: 'openai-text-embedding-3-small',
};

/** Most inputs one request may carry: OpenAI's embeddings endpoint accepts 2,048; Ollama has no cap. */
export const MAX_BATCH_INPUTS: Record<EmbedProvider, number> = {
  openai: 2048,
  oauth: 2048,
  ollama: Number.POSITIVE_INFINITY,
};

/** Parameters both embedding nodes declare (provider, model, timeout and credentials). */
export function embedParams(defaultTimeout: number) {
  return {
    provider: p.string({
      description: 'openai, ollama or oauth (exact, case-sensitive)',
      default: 'openai',
    }),
    model: p.string({
      description:
        'Embedding model (default text-embedding-3-small, nomic-embed-text for ollama, ' +
        'openai-text-embedding-3-small for oauth)',
    }),
    timeout: p.number({
      description: 'Seconds for each request (the OAuth token request too)',
      default: defaultTimeout,
      exclusiveMinimum: 0,
    }),
    batch_size: p.integer({
      description:
        'Most texts per request (default: 2048 for openai and oauth, unlimited for ollama); lower it for ' +
        'OpenAI-compatible services with a smaller cap',
      minimum: 1,
    }),
    api_key: p.string({
      description: 'openai: API key',
      interpolate: 'string',
      env: 'OPENAI_API_KEY',
      secret: true,
    }),
    base_url: p.string({
      description:
        'openai: API base (env OPENAI_BASE_URL, default https://api.openai.com/v1); oauth: API base (env OAUTH_BASE_URL, required)',
      interpolate: 'string',
    }),
    ollama_host: p.string({
      description: 'ollama: server URL (default http://localhost:11434)',
      interpolate: 'string',
      env: 'OLLAMA_HOST',
    }),
    ...oauthParams(),
  };
}

/** The static check both embedding nodes share: an unknown provider, with the original's text. */
export function checkEmbedProvider(node: string, cfg: Record<string, unknown>) {
  const prov = cfg.provider;
  if (typeof prov === 'string' && !(EMBED_PROVIDERS as readonly string[]).includes(prov)) {
    return [{ path: '$.provider', message: `${node}: unsupported provider '${prov}'` }];
  }
  return [];
}

export interface EmbedTarget {
  node: string;
  provider: EmbedProvider;
  model: string;
  url: string;
  apiKey?: string;
  oauth?: OAuthCredentials;
  batchSize: number;
  timeoutS: number;
}

/** Resolve provider, model, URL and credentials (no network). Fails with the node's error texts. */
export function resolveEmbedTarget(node: string, cfg: Record<string, unknown>): EmbedTarget {
  const prov = typeof cfg.provider === 'string' ? cfg.provider : 'openai';
  if (!(EMBED_PROVIDERS as readonly string[]).includes(prov)) {
    throw new NodeError(`${node}: unsupported provider '${prov}'`, { retryable: false });
  }
  const provider = prov as EmbedProvider;
  const fail = (message: string): never => {
    throw new NodeError(message, { retryable: false });
  };
  const model = typeof cfg.model === 'string' ? cfg.model : DEFAULT_EMBED_MODEL[provider];
  const batch = typeof cfg.batch_size === 'number' && cfg.batch_size >= 1 ? Math.floor(cfg.batch_size) : 0;
  const base = {
    node,
    provider,
    model,
    batchSize: batch || MAX_BATCH_INPUTS[provider],
    timeoutS: typeof cfg.timeout === 'number' && cfg.timeout > 0 ? cfg.timeout : 120,
  };
  if (provider === 'openai') {
    const apiKey =
      configOrEnv(cfg.api_key, 'OPENAI_API_KEY') ??
      fail(`${node} (openai) requires 'api_key' or OPENAI_API_KEY env var`);
    const url = `${trimTrailingSlashes(configOrEnv(cfg.base_url, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1')}/embeddings`;
    return { ...base, url, apiKey };
  }
  if (provider === 'oauth') {
    const apiBase =
      configOrEnv(cfg.base_url, 'OAUTH_BASE_URL') ??
      fail(`${node} (oauth) requires 'base_url' or OAUTH_BASE_URL env var`);
    const oauth = oauthCredentials(cfg, (param, env) =>
      fail(`${node} (oauth) requires '${param}' or ${env} env var`),
    );
    return { ...base, url: `${trimTrailingSlashes(apiBase)}/embeddings`, oauth };
  }
  let host = configOrEnv(cfg.ollama_host, 'OLLAMA_HOST') ?? 'http://localhost:11434';
  // OLLAMA_HOST is also the Ollama server's own variable, often written without a scheme (`0.0.0.0:11434`).
  if (!/^https?:\/\//i.test(host)) host = `http://${host}`;
  return { ...base, url: `${trimTrailingSlashes(host)}/api/embed` };
}

export interface EmbedResult {
  vectors: number[][];
  /** Embedding requests made (token requests not counted). */
  requests: number;
}

/**
 * Embed `texts` in order, in batches of at most `target.batchSize` texts per request. `noun` names the
 * texts in the count-mismatch message (`texts`, `sentences`).
 */
export async function embedTexts(
  target: EmbedTarget,
  texts: readonly string[],
  nc: NodeContext,
  noun: string,
): Promise<EmbedResult> {
  const vectors: number[][] = [];
  const size = Math.min(target.batchSize, texts.length);
  const batches = size > 0 ? Math.ceil(texts.length / size) : 0;
  for (let b = 0; b < batches; b++) {
    const batch = texts.slice(b * size, (b + 1) * size);
    const got = await embedBatch(target, batch, nc);
    if (got.length !== batch.length) {
      const where = batches > 1 ? ` (request ${b + 1} of ${batches})` : '';
      throw new NodeError(
        `${target.node}: provider returned ${got.length} embeddings for ${batch.length} ${noun}${where}`,
      );
    }
    for (const v of got) vectors.push(v);
  }
  return { vectors, requests: batches };
}

async function embedBatch(target: EmbedTarget, input: string[], nc: NodeContext): Promise<number[][]> {
  const body = JSON.stringify({ input, model: target.model });
  const label = `${target.node}: request to ${target.provider} (${maskUrl(target.url)})`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  let secrets: string[] = [];
  let token: { token: string; cached: boolean } | undefined;
  if (target.provider === 'openai') {
    headers.authorization = `Bearer ${target.apiKey}`;
    secrets = [target.apiKey ?? ''];
  } else if (target.oauth) {
    token = await bearerToken(target.oauth, nc, target.timeoutS);
    headers.authorization = `Bearer ${token.token}`;
    secrets = [token.token, target.oauth.clientSecret];
  }
  nc.log.debug('embedding request', {
    provider: target.provider,
    url: maskUrl(target.url),
    model: target.model,
    inputs: input.length,
  });
  let reply = await post({
    url: target.url,
    headers,
    body,
    timeoutS: target.timeoutS,
    signal: nc.signal,
    label,
    secrets,
  });
  if (reply.status === 401 && target.oauth && token?.cached) {
    // The cached token was refused before its announced expiry (revoked, rotated): fetch a new one once.
    (await tokenCache(nc)).invalidate(target.oauth, token.token);
    token = await bearerToken(target.oauth, nc, target.timeoutS);
    headers.authorization = `Bearer ${token.token}`;
    secrets = [token.token, target.oauth.clientSecret];
    reply = await post({
      url: target.url,
      headers,
      body,
      timeoutS: target.timeoutS,
      signal: nc.signal,
      label,
      secrets,
    });
  }
  if (!reply.ok) {
    const message =
      target.provider === 'ollama'
        ? `Ollama error (${reply.status}): ${ollamaError(reply.json, reply.text)}`
        : `OpenAI API error (${reply.status}): ${openaiError(reply.json, reply.text)}`;
    throw new NodeError(redact(message, secrets), { retryable: retryableStatus(reply.status) });
  }
  if (reply.json === undefined) {
    throw new NodeError(
      redact(
        `${target.node}: ${target.provider} replied with a body that is not JSON: ${clip(reply.text, 200)}`,
        secrets,
      ),
    );
  }
  return target.provider === 'ollama'
    ? ollamaVectors(target.node, reply.json)
    : openaiVectors(target.node, reply.json);
}

function openaiError(json: unknown, text: string): string {
  if (isPlainObject(json) && isPlainObject(json.error) && typeof json.error.message === 'string') {
    return json.error.message;
  }
  return clip(text);
}

function ollamaError(json: unknown, text: string): string {
  if (isPlainObject(json) && typeof json.error === 'string') return json.error;
  return clip(text);
}

function vector(node: string, v: unknown, i: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new NodeError(`${node}: embedding ${i} in the reply is not an array of numbers`);
  }
  return v as number[];
}

function openaiVectors(node: string, json: unknown): number[][] {
  if (!isPlainObject(json) || !Array.isArray(json.data)) {
    throw new NodeError(`${node}: the reply has no 'data' array`);
  }
  return json.data.map((d, i) => vector(node, isPlainObject(d) ? d.embedding : undefined, i));
}

function ollamaVectors(node: string, json: unknown): number[][] {
  if (!isPlainObject(json) || !Array.isArray(json.embeddings)) {
    throw new NodeError(`${node}: the reply has no 'embeddings' array`);
  }
  return json.embeddings.map((v, i) => vector(node, v, i));
}
