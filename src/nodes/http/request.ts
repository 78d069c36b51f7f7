// http_request and its fixed-method variants http_get/post/put/delete (NODES 3, CORE 9 item 26,
// DECISIONS 23 and 24).
import { lintTemplate } from '../../engine/interpolate.js';
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { p } from '../params.js';
import { defineNode, type NodeContext, type NodeDefinition } from '../types.js';
import { sendRequest } from './client.js';
import { maskUrl } from './mask.js';
import { httpSettings } from './settings.js';
import { checkHeader, parseBody, parseHttpUrl, splitUserinfo } from './wire.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const BODY_TYPES = ['json', 'form', 'text'];

const common = {
  url: p.string({ description: 'Request URL (http or https)', required: true, interpolate: 'string' }),
  headers: p.object({
    description:
      'Request headers; values are interpolated, and non-string values are skipped. Setting any makes cross-origin redirects refused.',
    interpolate: 'deep',
  }),
  body: p.any({
    description: 'Request body, sent whenever present (every string leaf is interpolated)',
    interpolate: 'deep',
  }),
  body_type: p.string({
    description:
      'json (Content-Type application/json), form (x-www-form-urlencoded; body must be an object) or text',
    default: 'json',
  }),
  timeout: p.number({
    description: 'Seconds for the whole exchange, redirects and body included',
    default: 30,
    exclusiveMinimum: 0,
  }),
  auth: p.object({
    description:
      'Authentication: {type = "bearer", token} (default type), {type = "basic", username, password} or {type = "api_key", key, header = "X-API-Key"}. token and key are interpolated; other types are ignored.',
    properties: {
      type: p.string({ description: 'bearer (default), basic or api_key' }),
      token: p.string({ description: 'Bearer token (interpolated)', secret: true }),
      username: p.string({ description: 'Basic user name (default "")' }),
      password: p.string({ description: 'Basic password', secret: true }),
      key: p.string({ description: 'API key (interpolated)', secret: true }),
      header: p.string({ description: 'Header carrying the API key (default X-API-Key)' }),
    },
  }),
  output_key: p.string({ description: 'Prefix of the output keys', default: 'http' }),
  fail_on_status: p.boolean({
    description:
      'true (default, the original behaviour): a status outside 200-299 fails the step with "HTTP <METHOD> <url> returned status <code>". false: the response is recorded as {ok}_status, {ok}_data, {ok}_headers with {ok}_success = false, so if_http_status can route on it.',
    default: true,
  }),
  max_redirects: p.integer({
    description: 'Redirects followed at most; 0 = none (a 3xx is then the response)',
    default: 10,
    minimum: 0,
    maximum: 100,
  }),
  allow_cross_origin_redirects: p.boolean({
    description:
      'Follow redirects to another origin (scheme, host, port). Never done when auth, headers or body are set.',
    default: false,
  }),
  block_private_network: p.boolean({
    description:
      'Refuse localhost, loopback, private, link-local (169.254.169.254) and other non-public addresses, checked after DNS resolution on every redirect hop. Also forced on by IRONFLOW_HTTP_BLOCK_PRIVATE_NETWORK.',
    default: false,
  }),
};

const outputs = {
  '{output_key}_status': 'HTTP status (number)',
  '{output_key}_data': 'body parsed as JSON, else the text ("" when empty)',
  '{output_key}_headers': 'response headers, lower-case names',
  '{output_key}_success': 'true for 2xx (false only with fail_on_status = false)',
};

type Problems = Array<{ path: string; message: string }>;

function checkCommon(node: string, cfg: Record<string, unknown>, out: Problems): void {
  const bt = cfg.body_type;
  if (typeof bt === 'string' && !BODY_TYPES.includes(bt.toLowerCase())) {
    out.push({
      path: '$.body_type',
      message: `Unsupported body_type '${bt}'. Expected one of: json, form, text`,
    });
  }
  if (
    typeof bt === 'string' &&
    bt.toLowerCase() === 'form' &&
    cfg.body !== undefined &&
    cfg.body !== null &&
    !isPlainObject(cfg.body)
  ) {
    out.push({ path: '$.body', message: "body_type='form' requires 'body' to be an object" });
  }
  const url = cfg.url;
  if (typeof url === 'string' && !url.includes('${')) {
    try {
      parseHttpUrl(url, node, 'url');
    } catch (e) {
      out.push({ path: '$.url', message: (e as Error).message });
    }
  }
  if (isPlainObject(cfg.auth)) {
    for (const k of ['token', 'key'] as const) {
      const v = cfg.auth[k];
      if (typeof v === 'string')
        for (const message of lintTemplate(v)) out.push({ path: `$.auth.${k}`, message });
    }
  }
}

/** RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes (space → %20). */
function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function formValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return canonicalJson(v);
}

interface Encoded {
  body: string;
  contentType: string;
}

function encodeBody(body: unknown, bodyType: string): Encoded {
  switch (bodyType) {
    case 'form': {
      if (!isPlainObject(body)) throw new NodeError("body_type='form' requires 'body' to be an object");
      const pairs = Object.keys(body)
        .sort()
        .map((k) => `${formEncode(k)}=${formEncode(formValue(body[k]))}`);
      return { body: pairs.join('&'), contentType: 'application/x-www-form-urlencoded' };
    }
    case 'text':
      return { body: formValue(body), contentType: 'text/plain; charset=utf-8' };
    default:
      return { body: canonicalJson(body), contentType: 'application/json' };
  }
}

interface AuthResult {
  header?: [string, string];
  secrets: string[];
}

function buildAuth(node: string, auth: Record<string, unknown>, nc: NodeContext): AuthResult {
  const type = typeof auth.type === 'string' ? auth.type : 'bearer';
  switch (type) {
    case 'bearer': {
      if (typeof auth.token !== 'string') return { secrets: [] };
      const token = nc.interpolate(auth.token);
      if (token === '') {
        nc.log.warn(`${node}: auth.token is empty; no Authorization header sent`, { step: nc.step });
        return { secrets: [] };
      }
      return {
        header: ['Authorization', checkHeader(node, 'Authorization', `Bearer ${token}`)],
        secrets: [token],
      };
    }
    case 'basic': {
      const user = typeof auth.username === 'string' ? auth.username : '';
      const pass = typeof auth.password === 'string' ? auth.password : '';
      const value = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
      return { header: ['Authorization', value], secrets: [pass] };
    }
    case 'api_key': {
      if (typeof auth.key !== 'string') return { secrets: [] };
      const key = nc.interpolate(auth.key);
      const name = typeof auth.header === 'string' ? auth.header : 'X-API-Key';
      return { header: [name, checkHeader(node, name, key)], secrets: [key] };
    }
    default:
      nc.log.warn(`${node}: auth.type '${type}' is not bearer, basic or api_key; no authentication sent`, {
        step: nc.step,
      });
      return { secrets: [] };
  }
}

type HttpConfig = Record<string, unknown> & {
  url: string;
  body_type: string;
  timeout: number;
  output_key: string;
  fail_on_status: boolean;
  max_redirects: number;
  allow_cross_origin_redirects: boolean;
  block_private_network: boolean;
  headers?: Record<string, unknown>;
  auth?: Record<string, unknown>;
  method?: string;
};

async function runHttp(node: string, method: string, cfg: HttpConfig, nc: NodeContext) {
  if (typeof cfg.url !== 'string') throw new NodeError("HTTP node requires 'url' parameter");
  if (!METHODS.includes(method)) throw new NodeError(`Unsupported HTTP method: ${cfg.method ?? method}`);
  const bodyType = cfg.body_type.toLowerCase();
  if (!BODY_TYPES.includes(bodyType)) {
    throw new NodeError(`Unsupported body_type '${cfg.body_type}'. Expected one of: json, form, text`);
  }
  const original = parseHttpUrl(cfg.url, node, 'url');
  const parsed = splitUserinfo(original);
  // Messages show the URL as written (credentials masked), not the one stripped for fetch.
  const showUrl = (u: string) => maskUrl(u === parsed.url.href ? original.href : u);
  const secrets: string[] = parsed.password ? [parsed.password] : [];

  // Later entries of the same name (case-insensitive) replace earlier ones.
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  let customHeaders = false;
  if (parsed.basic) set('Authorization', parsed.basic);
  for (const [name, value] of Object.entries(cfg.headers ?? {})) {
    if (typeof value !== 'string') {
      // DECISIONS 23: skipped, not an error; say so, since the request then differs from the config.
      if (value !== null && value !== undefined) {
        nc.log.warn(`${node}: header '${name}' is not a string; not sent`, { step: nc.step });
      }
      continue;
    }
    set(name, checkHeader(node, name, value));
    customHeaders = true;
  }
  const auth = isPlainObject(cfg.auth) ? buildAuth(node, cfg.auth, nc) : { secrets: [] };
  if (auth.header) set(...auth.header);
  secrets.push(...auth.secrets);

  let body: string | undefined;
  if (cfg.body !== undefined && cfg.body !== null) {
    const enc = encodeBody(cfg.body, bodyType);
    body = enc.body;
    if (!headers.has('content-type')) set('Content-Type', enc.contentType);
  }

  const res = await sendRequest({
    what: 'HTTP request',
    method,
    url: parsed.url,
    headers: [...headers.values()],
    body,
    timeoutS: cfg.timeout,
    maxRedirects: cfg.max_redirects,
    allowCrossOriginRedirects: cfg.allow_cross_origin_redirects,
    credentialed:
      customHeaders || auth.header !== undefined || parsed.basic !== undefined || body !== undefined,
    blockPrivateNetwork: cfg.block_private_network || httpSettings.blockPrivateNetwork.get(),
    signal: nc.signal,
    secrets,
    showUrl,
    log: nc.log,
  });
  const shown = showUrl(parsed.url.href);
  nc.log.debug(`${method} ${shown} → ${res.status}`, { step: nc.step, redirects: res.redirects });
  const ok = res.status >= 200 && res.status <= 299;
  if (!ok && cfg.fail_on_status) {
    // Retryable like any failure: a flow may poll with retries until a 404 becomes a 200.
    throw new NodeError(`HTTP ${method} ${shown} returned status ${res.status}`);
  }
  const k = cfg.output_key;
  return {
    [`${k}_status`]: res.status,
    [`${k}_data`]: parseBody(res.text),
    [`${k}_headers`]: res.headers,
    [`${k}_success`]: ok,
  };
}

export const httpRequest = defineNode({
  name: 'http_request',
  category: 'HTTP',
  description: 'HTTP call with a configurable method',
  params: {
    url: common.url,
    method: p.string({ description: 'GET, POST, PUT, DELETE or PATCH (case-insensitive)', default: 'GET' }),
    ...(({ url: _u, ...rest }) => rest)(common),
  },
  outputs,
  check(cfg) {
    const out: Problems = [];
    if (typeof cfg.method === 'string' && !METHODS.includes(cfg.method.toUpperCase())) {
      out.push({ path: '$.method', message: `Unsupported HTTP method: ${cfg.method}` });
    }
    checkCommon('http_request', cfg, out);
    return out;
  },
  run(cfg, nc) {
    return runHttp('http_request', cfg.method.toUpperCase(), cfg as HttpConfig, nc);
  },
});

function fixed(name: string, method: string): NodeDefinition {
  return defineNode({
    name,
    category: 'HTTP',
    description: `HTTP ${method} request (http_request with the method fixed)`,
    params: common,
    outputs,
    check(cfg) {
      const out: Problems = [];
      checkCommon(name, cfg, out);
      return out;
    },
    run(cfg, nc) {
      return runHttp(name, method, cfg as HttpConfig, nc);
    },
  }) as NodeDefinition;
}

export const httpGet = fixed('http_get', 'GET');
export const httpPost = fixed('http_post', 'POST');
export const httpPut = fixed('http_put', 'PUT');
export const httpDelete = fixed('http_delete', 'DELETE');
