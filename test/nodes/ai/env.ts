// Hermetic provider env for the AI node tests: every variable the nodes read is cleared before each test,
// then the stand-in's variables are set; the previous environment is restored afterwards.
import { afterEach, beforeEach } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';

export const PROVIDER_ENV = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_COMPATIBLE_BASE_URL',
  'LLM_BASE_URL',
  'AZURE_OPENAI_ENDPOINT',
  'AZURE_OPENAI_API_KEY',
  'AZURE_OPENAI_API_VERSION',
  'AZURE_OPENAI_CHAT_DEPLOYMENT',
  'AZURE_OPENAI_RESPONSES_DEPLOYMENT',
  'OLLAMA_HOST',
  'OAUTH_BASE_URL',
  'OAUTH_TOKEN_URL',
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_SECRET',
  'OAUTH_SCOPE',
  'IRONFLOW_MAX_AI_INPUT_BYTES',
];

export function useProviderEnv(env: () => Record<string, string>): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = {};
    const e = env();
    for (const k of new Set([...PROVIDER_ENV, ...Object.keys(e)])) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
    for (const k of PROVIDER_ENV) if (e[k] !== undefined) process.env[k] = e[k];
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    overrideSetting('IRONFLOW_MAX_AI_INPUT_BYTES', undefined);
  });
}
