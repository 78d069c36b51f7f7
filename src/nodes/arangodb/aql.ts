// arangodb_aql (NODES 16.3): one AQL query through ArangoDB's HTTP cursor API. Like the original, only
// the first batch is read ({ok}_has_more tells whether the server holds more).
import { NodeError } from '../../util/errors.js';
import { canonicalJson, isPlainObject } from '../../util/json.js';
import { sendRequest } from '../http/client.js';
import { maskUrl, redact } from '../http/mask.js';
import { checkHeader, parseHttpUrl, splitUserinfo } from '../http/wire.js';
import { p } from '../params.js';
import { defineNode } from '../types.js';

const str = (v: unknown, env: string): string | undefined => (typeof v === 'string' ? v : process.env[env]);

export const arangodbAql = defineNode({
  name: 'arangodb_aql',
  category: 'Database',
  description: 'Run an AQL query through the ArangoDB HTTP cursor API',
  params: {
    url: p.string({
      description: 'Server URL, e.g. http://localhost:8529 (default: env ARANGODB_URL)',
      interpolate: 'string',
      env: 'ARANGODB_URL',
    }),
    database: p.string({
      description: 'Database name (default: env ARANGODB_DATABASE)',
      interpolate: 'string',
      env: 'ARANGODB_DATABASE',
    }),
    query: p.string({
      description: 'AQL text (interpolated: prefer bindVars for values)',
      required: true,
      interpolate: 'string',
    }),
    bindVars: p.object({ description: 'Bind parameters (@name, @@collection)', interpolate: 'deep' }),
    batchSize: p.integer({ description: 'Results in the first (and only) batch read', minimum: 1 }),
    timeout: p.number({ description: 'Seconds for the whole request', default: 30, exclusiveMinimum: 0 }),
    token: p.string({
      description: 'JWT sent as Bearer (default: env ARANGODB_TOKEN); wins over username/password',
      interpolate: 'string',
      env: 'ARANGODB_TOKEN',
      secret: true,
    }),
    username: p.string({
      description: 'Basic-auth user (default: env ARANGODB_USERNAME)',
      interpolate: 'string',
      env: 'ARANGODB_USERNAME',
    }),
    password: p.string({
      description: 'Basic-auth password (default: env ARANGODB_PASSWORD)',
      interpolate: 'string',
      env: 'ARANGODB_PASSWORD',
      secret: true,
    }),
    output_key: p.string({ description: 'Prefix of the output keys', default: 'aql' }),
  },
  outputs: {
    '{output_key}_result': 'the result array of the first batch',
    '{output_key}_count': 'its length',
    '{output_key}_has_more': 'whether the cursor has more batches (they are not read)',
    '{output_key}_stats': 'extra.stats, when the server sends it',
    '{output_key}_success': 'true',
  },
  async run(cfg, nc) {
    const base = str(cfg.url, 'ARANGODB_URL');
    if (base === undefined)
      throw new NodeError("arangodb_aql requires 'url' or ARANGODB_URL env var", { retryable: false });
    const database = str(cfg.database, 'ARANGODB_DATABASE');
    if (database === undefined) {
      throw new NodeError("arangodb_aql requires 'database' or ARANGODB_DATABASE env var", {
        retryable: false,
      });
    }
    if (typeof cfg.query !== 'string') throw new NodeError("arangodb_aql requires 'query' parameter");

    const original = parseHttpUrl(
      `${base.replace(/\/+$/, '')}/_db/${encodeURIComponent(database)}/_api/cursor`,
      'arangodb_aql',
      'url',
    );
    const { url, basic, password: urlPassword } = splitUserinfo(original);
    const token = str(cfg.token, 'ARANGODB_TOKEN');
    const username = str(cfg.username, 'ARANGODB_USERNAME');
    const password = str(cfg.password, 'ARANGODB_PASSWORD');
    let authorization = basic;
    if (token !== undefined) authorization = checkHeader('arangodb_aql', 'Authorization', `Bearer ${token}`);
    else if (username !== undefined) {
      authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`, 'utf8').toString('base64')}`;
    }
    const secrets = [token, password, urlPassword];
    const body: Record<string, unknown> = { query: cfg.query };
    if (cfg.bindVars !== undefined) body.bindVars = cfg.bindVars;
    if (cfg.batchSize !== undefined) body.batchSize = cfg.batchSize;
    const showUrl = (u: string) => maskUrl(u === url.href ? original.href : u);

    const res = await sendRequest({
      what: 'ArangoDB request',
      method: 'POST',
      url,
      headers: [
        ['Content-Type', 'application/json'],
        ...(authorization ? [['Authorization', authorization] as [string, string]] : []),
      ],
      body: canonicalJson(body),
      timeoutS: cfg.timeout,
      maxRedirects: 10,
      allowCrossOriginRedirects: false,
      credentialed: true,
      blockPrivateNetwork: false,
      signal: nc.signal,
      secrets,
      showUrl,
      log: nc.log,
    });
    const statusLine = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    const ok = res.status >= 200 && res.status <= 299;
    let doc: unknown;
    try {
      doc = JSON.parse(res.text);
    } catch (e) {
      const head = ok ? '' : ` (HTTP ${statusLine})`;
      throw new NodeError(
        redact(`Failed to parse ArangoDB response${head}: ${(e as Error).message}`, secrets),
      );
    }
    const d = isPlainObject(doc) ? doc : {};
    if (!ok) {
      const num = typeof d.errorNum === 'number' ? d.errorNum : 0;
      const text = typeof d.errorMessage === 'string' ? d.errorMessage : 'Unknown error';
      throw new NodeError(redact(`ArangoDB error ${num}: ${text} (HTTP ${statusLine})`, secrets));
    }
    const result = d.result ?? [];
    const k = cfg.output_key;
    const out: Record<string, unknown> = {
      [`${k}_result`]: result,
      [`${k}_count`]: Array.isArray(result) ? result.length : 0,
      [`${k}_has_more`]: d.hasMore === true,
    };
    if (isPlainObject(d.extra) && d.extra.stats !== undefined) out[`${k}_stats`] = d.extra.stats;
    out[`${k}_success`] = true;
    nc.log.debug(`arangodb_aql ${showUrl(url.href)} → ${res.status}`, {
      step: nc.step,
      count: out[`${k}_count`],
    });
    return out;
  },
});
