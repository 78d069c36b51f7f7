// ironflow.yaml (CORE 7.2): optional, all fields optional, unknown fields ignored. Loaded for every command,
// so a broken file in the working directory is reported whatever the command.
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.js';
import { isPlainObject } from '../util/json.js';

export interface WebhookConfig {
  flow: string;
  forward_headers?: string[];
  signature?: { type: string; header: string; secret_env: string; prefix?: string };
}

export interface FileConfig {
  host?: string;
  port?: number;
  store_dir?: string;
  flows_dir?: string;
  max_body?: number;
  max_concurrent_tasks?: number;
  webhooks?: Record<string, string | WebhookConfig>;
  api_key?: string;
  cors_origins?: string[] | string;
  allow_adhoc_flows?: boolean;
  allow_unauthenticated_api?: boolean;
  /** Run store selection (see src/store/open.ts). */
  storage?: Record<string, unknown>;
  store_backend?: string;
  store_url?: string;
  redis_url?: string;
  redis_prefix?: string;
  redis_ttl?: number;
  sql_table_prefix?: string;
  /** The file the values came from (for messages). */
  _path?: string;
  [key: string]: unknown;
}

const TYPES: Record<string, 'string' | 'number' | 'boolean' | 'object'> = {
  host: 'string',
  port: 'number',
  store_dir: 'string',
  flows_dir: 'string',
  max_body: 'number',
  max_concurrent_tasks: 'number',
  webhooks: 'object',
  api_key: 'string',
  allow_adhoc_flows: 'boolean',
  allow_unauthenticated_api: 'boolean',
  storage: 'object',
  store_backend: 'string',
  store_url: 'string',
  redis_url: 'string',
  redis_prefix: 'string',
  redis_ttl: 'number',
  sql_table_prefix: 'string',
};

/** Load the config: `explicit` must exist; otherwise ./ironflow.yaml is used when present. */
export async function loadConfigFile(explicit?: string): Promise<FileConfig> {
  const path = explicit ?? 'ironflow.yaml';
  if (!existsSync(path)) {
    if (explicit !== undefined) throw new ConfigError(`Config file not found: ${explicit}`);
    return {};
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `Failed to read config file: ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ConfigError(`Failed to parse config file: ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { _path: path };
  if (!isPlainObject(doc))
    throw new ConfigError(`Failed to parse config file: ${path}: the top level must be a mapping`);
  for (const [k, t] of Object.entries(TYPES)) {
    const v = doc[k];
    if (v === undefined || v === null) continue;
    const ok = t === 'object' ? isPlainObject(v) : typeof v === t;
    if (!ok) throw new ConfigError(`Failed to parse config file: ${path}: '${k}' must be a ${t}`);
  }
  return { ...(doc as FileConfig), _path: path };
}
