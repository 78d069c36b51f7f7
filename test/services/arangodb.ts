// An ArangoDB cursor-API stand-in on 127.0.0.1 (ArangoDB itself is in neither Debian nor npm).
// POST /_db/<db>/_api/cursor with {query, bindVars?, batchSize?} understands a tiny AQL subset:
//
//   RETURN <json with @vars>
//   FOR d IN <collection|@@var> [FILTER d.<field> <op> <@var|json>] [SORT d.<field> [DESC]] [LIMIT n] RETURN d|d.<field>
//
// and answers like ArangoDB: 201 {result, hasMore, id?, count?, extra: {stats}, error: false, code: 201},
// or {error: true, errorNum, errorMessage, code} (1501 syntax error, 1203 unknown collection, 1228 unknown
// database, 11 not authorized). Database `broken` answers 502 with an HTML page.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AqlRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
}

export interface ArangoStandIn {
  url: string;
  requests: AqlRequest[];
  stop(): Promise<void>;
}

export interface ArangoOptions {
  /** Basic credentials the server requires (default root / test-password). */
  user?: string;
  password?: string;
  /** A bearer token it accepts as well. */
  token?: string;
}

export const USERS = [
  { _key: '1', name: 'Ann', age: 31, active: true },
  { _key: '2', name: 'Bob', age: 25, active: false },
  { _key: '3', name: 'Cid', age: 40, active: true },
  { _key: '4', name: 'Dee', age: 19, active: true },
];

const DATABASES: Record<string, Record<string, Array<Record<string, unknown>>>> = {
  _system: {},
  test: { users: USERS },
};

class AqlError extends Error {
  constructor(
    readonly status: number,
    readonly errorNum: number,
    message: string,
  ) {
    super(message);
  }
}

function substitute(text: string, vars: Record<string, unknown>): string {
  return text.replace(/@(\w+)/g, (_m, name: string) => {
    if (!(name in vars))
      throw new AqlError(400, 1552, `bind parameter '${name}' was not declared in the query`);
    return JSON.stringify(vars[name]);
  });
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b);
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b);
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    default:
      return false;
  }
}

function execute(
  db: Record<string, Array<Record<string, unknown>>>,
  query: string,
  vars: Record<string, unknown>,
) {
  const q = query.trim().replace(/\s+/g, ' ');
  const ret = /^RETURN (.+)$/i.exec(q);
  if (ret) {
    try {
      return { result: [JSON.parse(substitute(ret[1]!, vars))], scanned: 0 };
    } catch (e) {
      if (e instanceof AqlError) throw e;
      throw new AqlError(400, 1501, `AQL: syntax error, unexpected input near '${ret[1]}' [1:8]`);
    }
  }
  const m =
    /^FOR (\w+) IN (@@\w+|\w+)(?: FILTER \1\.(\w+) (==|!=|>=|<=|>|<) (@\w+|\S+))?(?: SORT \1\.(\w+)( DESC| ASC)?)?(?: LIMIT (\d+))? RETURN \1(?:\.(\w+))?$/i.exec(
      q,
    );
  if (!m)
    throw new AqlError(400, 1501, `AQL: syntax error, unexpected identifier near '${q.slice(0, 20)}' [1:1]`);
  const [, , collRef, fField, fOp, fVal, sField, sDir, limit, field] = m;
  const collName = collRef!.startsWith('@@') ? String(vars[collRef!.slice(1)] ?? '') : collRef!;
  const coll = db[collName];
  if (!coll) throw new AqlError(404, 1203, `AQL: collection or view not found: ${collName} (while parsing)`);
  let rows = [...coll];
  if (fField) {
    const want = JSON.parse(substitute(fVal!, vars)) as unknown;
    rows = rows.filter((r) => compare(r[fField], fOp!, want));
  }
  if (sField) {
    rows.sort((a, b) => ((a[sField] as number) < (b[sField] as number) ? -1 : 1));
    if (sDir?.trim().toUpperCase() === 'DESC') rows.reverse();
  }
  if (limit) rows = rows.slice(0, Number(limit));
  return { result: field ? rows.map((r) => r[field] ?? null) : rows, scanned: coll.length };
}

export async function startArango(opts: ArangoOptions = {}): Promise<ArangoStandIn> {
  const user = opts.user ?? 'root';
  const password = opts.password ?? 'test-password';
  const requests: AqlRequest[] = [];
  let cursorId = 1000;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(value));
      };
      const fail = (status: number, errorNum: number, errorMessage: string) =>
        reply(status, { code: status, error: true, errorNum, errorMessage });
      const m = /^\/_db\/([^/]+)\/_api\/cursor$/.exec(req.url ?? '');
      if (!m || req.method !== 'POST') return fail(404, 404, 'unknown path');
      const dbName = decodeURIComponent(m[1]!);
      if (dbName === 'broken') {
        res.writeHead(502, { 'Content-Type': 'text/html' });
        return res.end('<html><body>502 Bad Gateway</body></html>');
      }
      const auth = req.headers.authorization ?? '';
      const basicOk = auth === `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      const tokenOk = opts.token !== undefined && auth === `Bearer ${opts.token}`;
      if (!basicOk && !tokenOk) return fail(401, 11, 'not authorized to execute this request');
      const db = DATABASES[dbName];
      if (!db) return fail(404, 1228, `database not found`);
      if (!body || typeof body.query !== 'string') return fail(400, 600, 'query is empty');
      try {
        const vars = (body.bindVars ?? {}) as Record<string, unknown>;
        const { result, scanned } = execute(db, body.query, vars);
        const batch = typeof body.batchSize === 'number' ? body.batchSize : 1000;
        const hasMore = result.length > batch;
        reply(201, {
          result: result.slice(0, batch),
          hasMore,
          ...(hasMore ? { id: String(cursorId++) } : {}),
          cached: false,
          extra: {
            warnings: [],
            stats: {
              writesExecuted: 0,
              writesIgnored: 0,
              scannedFull: scanned,
              scannedIndex: 0,
              filtered: 0,
              executionTime: 0.0001,
            },
          },
          error: false,
          code: 201,
        });
      } catch (e) {
        if (e instanceof AqlError) return fail(e.status, e.errorNum, e.message);
        fail(500, 4, String(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export default async function start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const s = await startArango();
  return {
    env: {
      ARANGODB_URL: s.url,
      ARANGODB_DATABASE: 'test',
      ARANGODB_USERNAME: 'root',
      ARANGODB_PASSWORD: 'test-password',
    },
    stop: s.stop,
  };
}
