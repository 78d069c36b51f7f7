// The API server's configuration (CORE 7.8 and 8.7): each value resolved as explicit flag > environment
// (dotenv included) > ironflow.yaml > default. An invalid value at any tier is an error, never skipped.
import { lookup } from 'node:dns/promises';
import { realpath, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { FileConfig } from '../config/file.js';
import { ConfigError } from '../util/errors.js';
import { A } from './settings.js';
import { parseWebhooks, type WebhookSpec } from './webhooks.js';

/** `ironflow serve` flags (strings as commander gives them). */
export interface ServeFlags {
  host?: string;
  port?: string | number;
  flowsDir?: string;
  maxBody?: string | number;
}

export interface ApiConfig {
  host: string;
  port: number;
  /** Canonical absolute directory flow files are served from (IF-061), when configured. */
  flowsDir?: string;
  /** Largest request body in bytes (413 beyond). */
  maxBody: number;
  /** When set, every route except /health requires it. */
  apiKey?: string;
  /** Origins allowed by CORS; empty = no CORS headers at all. */
  corsOrigins: string[];
  /** Accept inline `source` / `source_base64` (IF-054/056). */
  allowAdhocFlows: boolean;
  allowUnauthenticated: boolean;
  webhooks: Map<string, WebhookSpec>;
  /** 0 = unlimited. */
  maxConcurrentRuns: number;
  shutdownGraceMs: number;
}

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 3000;
export const DEFAULT_MAX_BODY = 1_048_576;

/** Defaults for everything a test or an embedding does not set. */
export function apiConfigDefaults(over: Partial<ApiConfig> = {}): ApiConfig {
  return {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    maxBody: DEFAULT_MAX_BODY,
    corsOrigins: [],
    allowAdhocFlows: true,
    allowUnauthenticated: false,
    webhooks: new Map(),
    maxConcurrentRuns: A.maxConcurrentRuns.get(),
    shutdownGraceMs: A.shutdownGraceSeconds.get() * 1000,
    ...over,
  };
}

type Tier = { value: unknown; from: string } | undefined;

/** The first tier that has a value: flag, then each env var, then the YAML field. */
function pick(
  flag: unknown,
  flagName: string,
  envNames: string[],
  file: FileConfig,
  field: string,
  env: NodeJS.ProcessEnv,
): Tier {
  if (flag !== undefined) return { value: flag, from: flagName };
  for (const n of envNames) {
    const v = env[n];
    if (v !== undefined && v !== '') return { value: v, from: n };
  }
  const y = file[field];
  if (y !== undefined && y !== null) return { value: y, from: `ironflow.yaml '${field}'` };
  return undefined;
}

function intIn(t: Tier, min: number, max: number, fallback: number): number {
  if (!t) return fallback;
  const raw = typeof t.value === 'number' ? String(t.value) : String(t.value).trim();
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(
      `Invalid value '${String(t.value)}' for ${t.from}: use an integer from ${min} to ${max}`,
    );
  }
  return Number(raw);
}

/** A strict boolean: only true/false (IF-054: `off`, `1`, `yes` are start-up errors). */
export function strictBool(t: Tier, fallback: boolean): boolean {
  if (!t) return fallback;
  if (typeof t.value === 'boolean') return t.value;
  const v = String(t.value).trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(`Invalid value '${String(t.value)}' for ${t.from}: use true or false`);
}

function originList(t: Tier): string[] {
  if (!t) return [];
  const items = Array.isArray(t.value) ? t.value : String(t.value).split(',');
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string')
      throw new ConfigError(`Invalid CORS origin in ${t.from}: ${JSON.stringify(item)}`);
    const o = item.trim();
    if (o === '') continue;
    if (o !== '*') {
      let ok = false;
      try {
        ok = new URL(o).origin === o;
      } catch {
        ok = false;
      }
      if (!ok) {
        throw new ConfigError(
          `Invalid CORS origin '${o}' in ${t.from}: use scheme://host[:port] with no path or trailing slash, or *`,
        );
      }
    }
    out.push(o);
  }
  return out;
}

async function canonicalDir(dir: string, from: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    throw new ConfigError(`flows_dir '${dir}' (from ${from}) does not exist`);
  }
  if (!(await stat(real)).isDirectory())
    throw new ConfigError(`flows_dir '${dir}' (from ${from}) is not a directory`);
  return real;
}

/** Resolve every serve setting; refuses unsafe combinations (IF-054, API key on a public bind). */
export async function resolveApiConfig(
  flags: ServeFlags,
  file: FileConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApiConfig> {
  const host = pick(flags.host, '--host', ['HOST'], file, 'host', env);
  const hostValue = host ? String(host.value).trim() : DEFAULT_HOST;
  if (hostValue === '')
    throw new ConfigError(`Invalid value '' for ${host?.from}: give an address or host name`);
  const port = intIn(pick(flags.port, '--port', ['PORT'], file, 'port', env), 0, 65_535, DEFAULT_PORT);
  const maxBody = intIn(
    pick(flags.maxBody, '--max-body', ['MAX_BODY'], file, 'max_body', env),
    1,
    Number.MAX_SAFE_INTEGER,
    DEFAULT_MAX_BODY,
  );
  const fd = pick(flags.flowsDir, '--flows-dir', ['FLOWS_DIR', 'IRONFLOW_FLOWS_DIR'], file, 'flows_dir', env);
  const flowsDir = fd ? await canonicalDir(String(fd.value), fd.from) : undefined;
  const key = pick(undefined, '', [A.apiKey.env], file, 'api_key', env);
  const apiKey = key ? String(key.value) : undefined;
  if (apiKey !== undefined && apiKey.trim() === '') {
    throw new ConfigError(`The API key from ${key?.from} is blank`);
  }
  const corsOrigins = originList(pick(undefined, '', [A.corsOrigins.env], file, 'cors_origins', env));
  const allowAdhocFlows = strictBool(
    pick(undefined, '', [A.allowAdhocFlows.env], file, 'allow_adhoc_flows', env),
    true,
  );
  const allowUnauthenticated = strictBool(
    pick(undefined, '', [A.allowUnauthenticatedApi.env], file, 'allow_unauthenticated_api', env),
    false,
  );
  if (!allowAdhocFlows && !flowsDir) {
    throw new ConfigError(
      'allow_adhoc_flows is false, so the server can only run flow files: set flows_dir (--flows-dir, FLOWS_DIR or ironflow.yaml)',
    );
  }
  const webhooks = parseWebhooks(file.webhooks, env);
  const cfg = apiConfigDefaults({
    host: hostValue,
    port,
    maxBody,
    flowsDir,
    apiKey,
    corsOrigins,
    allowAdhocFlows,
    allowUnauthenticated,
    webhooks,
  });
  await checkBindSecurity(cfg);
  return cfg;
}

/** Whether every address `host` names is a loopback address (localhost, 127.0.0.0/8, ::1). */
export async function isLoopbackHost(host: string): Promise<boolean> {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  if (h.toLowerCase() === 'localhost') return true;
  if (isIP(h)) return isLoopbackAddress(h);
  try {
    const addrs = await lookup(h, { all: true });
    return addrs.length > 0 && addrs.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}

function isLoopbackAddress(a: string): boolean {
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

/** Without an API key the server only binds loopback addresses, unless explicitly allowed (CORE 8.7). */
export async function checkBindSecurity(cfg: ApiConfig): Promise<void> {
  if (cfg.apiKey || cfg.allowUnauthenticated) return;
  if (await isLoopbackHost(cfg.host)) return;
  throw new ConfigError(
    `Refusing to serve the API without authentication on '${cfg.host}', which is not a loopback address: ` +
      'set IRONFLOW_API_KEY (or api_key in ironflow.yaml), bind a loopback address (--host 127.0.0.1), ' +
      'or set IRONFLOW_ALLOW_UNAUTHENTICATED_API=true',
  );
}
