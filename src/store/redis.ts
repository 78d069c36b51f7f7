// Redis store (ioredis; one auto-reconnecting connection, auto-pipelined). Keys under the prefix (default
// `ironflow:`):
//
//   run:<id>              hash: id, flow_name, status, started, finished (absent when null), parent_run_id,
//                         parent_step, task_count, ctx_n, member; t:<task> = task JSON, o:<task> = its order
//   ctx:<id>              hash: v:<key> = JSON value, o:<key> = its order
//   idx:all               sorted set (all scores 0, ordered by member) of `<17-digit sort key>:<id>`
//   idx:status:<status>   idx:flow:<flow>   idx:parent:<parent id>    the same members, per filter
//
// Listing walks one of these sets with ZREVRANGEBYLEX from the cursor, so every filter pages in Redis. Every
// change touching several keys is one server-side Lua script (atomic). With a TTL, run:/ctx: keys expire;
// index members left behind are dropped (and removed) when a listing meets them. Standalone Redis only.
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type { Context, RunInfo, RunStatus, TaskState } from '../engine/types.js';
import { errorChain, StoreError } from '../util/errors.js';
import {
  assertCtx,
  assertRunStatus,
  closedError,
  conflict,
  encodeCursor,
  isTerminal,
  maskSecrets,
  maskUrl,
  matchesFilters,
  NO_START_KEY,
  newRun,
  normalizeQuery,
  normalizeRun,
  normalizeTask,
  notFound,
  nowIso,
  orderSummary,
  startedKey,
} from './common.js';
import { assertRunId } from './ids.js';
import type { InitRunOptions, ListPage, ListQuery, RunSummary, StateStore } from './types.js';

export const DEFAULT_REDIS_PREFIX = 'ironflow:';

export interface RedisStoreOptions {
  /** Key prefix (default `ironflow:`). */
  prefix?: string;
  /** Expire run records this many seconds after their last write. */
  ttlSeconds?: number;
  /** Connect timeout in milliseconds (default 5000). */
  connectTimeoutMs?: number;
}

const KEY_DIGITS = 17;

/** The index member of a run: a fixed-width sort key, then the id (lexical order = list order reversed). */
export function indexMember(k: number, id: string): string {
  return `${String(k - NO_START_KEY).padStart(KEY_DIGITS, '0')}:${id}`;
}

function memberPos(m: string): { k: number; id: string } {
  return { k: Number(m.slice(0, KEY_DIGITS)) + NO_START_KEY, id: m.slice(KEY_DIGITS + 1) };
}

const TTL = `
local function touch(ttl, a, b)
  if ttl > 0 then
    redis.call('EXPIRE', a, ttl)
    if b then redis.call('EXPIRE', b, ttl) end
  end
end
`;

// KEYS: run, ctx, index keys...   ARGV: member, ttl, n, meta field/value pairs (n values), nctx, ctx
// key/json pairs, ntasks, task name/json pairs
const INIT = `${TTL}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
local i = 4
local n = tonumber(ARGV[3])
for j = 1, n, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local nc = tonumber(ARGV[i]); i = i + 1
for j = 1, nc do
  redis.call('HSET', KEYS[2], 'v:' .. ARGV[i], ARGV[i + 1], 'o:' .. ARGV[i], j)
  i = i + 2
end
local nt = tonumber(ARGV[i]); i = i + 1
for j = 1, nt do
  redis.call('HSET', KEYS[1], 't:' .. ARGV[i], ARGV[i + 1], 'o:' .. ARGV[i], j)
  i = i + 2
end
redis.call('HSET', KEYS[1], 'ctx_n', nc, 'task_count', nt, 'member', ARGV[1])
for k = 3, #KEYS do redis.call('ZADD', KEYS[k], 0, ARGV[1]) end
touch(tonumber(ARGV[2]), KEYS[1], nc > 0 and KEYS[2] or nil)
return 1
`;

// KEYS: run, ctx   ARGV: prefix, status, terminal (1/0), now, ttl
const STATUS = `${TTL}
local cur = redis.call('HMGET', KEYS[1], 'status', 'member', 'finished')
if not cur[1] then return 0 end
if cur[1] ~= ARGV[2] then
  redis.call('ZREM', ARGV[1] .. 'idx:status:' .. cur[1], cur[2])
  redis.call('ZADD', ARGV[1] .. 'idx:status:' .. ARGV[2], 0, cur[2])
  redis.call('HSET', KEYS[1], 'status', ARGV[2])
end
if ARGV[3] == '1' and not cur[3] then redis.call('HSET', KEYS[1], 'finished', ARGV[4]) end
touch(tonumber(ARGV[5]), KEYS[1], KEYS[2])
return 1
`;

// KEYS: run, ctx   ARGV: name, json, ttl
const TASK = `${TTL}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local f = 't:' .. ARGV[1]
if redis.call('HEXISTS', KEYS[1], f) == 0 then
  local n = redis.call('HINCRBY', KEYS[1], 'task_count', 1)
  redis.call('HSET', KEYS[1], f, ARGV[2], 'o:' .. ARGV[1], n)
else
  redis.call('HSET', KEYS[1], f, ARGV[2])
end
touch(tonumber(ARGV[3]), KEYS[1], KEYS[2])
return 1
`;

// KEYS: run, ctx   ARGV: ttl, key/json pairs
const CTX = `${TTL}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV, 2 do
  local f = 'v:' .. ARGV[i]
  if redis.call('HEXISTS', KEYS[2], f) == 0 then
    local n = redis.call('HINCRBY', KEYS[1], 'ctx_n', 1)
    redis.call('HSET', KEYS[2], f, ARGV[i + 1], 'o:' .. ARGV[i], n)
  else
    redis.call('HSET', KEYS[2], f, ARGV[i + 1])
  end
end
touch(tonumber(ARGV[1]), KEYS[1], KEYS[2])
return 1
`;

// ARGV: prefix, root id. Deletes the run and its descendants (via idx:parent:<id>) with their index entries.
const DELETE = `
local p = ARGV[1]
local queue = {ARGV[2]}
local seen = {[ARGV[2]] = true}
local existed = 0
local i = 1
while i <= #queue do
  local id = queue[i]
  i = i + 1
  local pk = p .. 'idx:parent:' .. id
  for _, m in ipairs(redis.call('ZRANGE', pk, 0, -1)) do
    local kid = string.sub(m, ${KEY_DIGITS + 2})
    if not seen[kid] then
      seen[kid] = true
      queue[#queue + 1] = kid
    end
  end
  redis.call('DEL', pk)
  local rk = p .. 'run:' .. id
  local meta = redis.call('HMGET', rk, 'member', 'status', 'flow_name', 'parent_run_id')
  if meta[1] then
    existed = 1
    redis.call('ZREM', p .. 'idx:all', meta[1])
    if meta[2] then redis.call('ZREM', p .. 'idx:status:' .. meta[2], meta[1]) end
    if meta[3] then redis.call('ZREM', p .. 'idx:flow:' .. meta[3], meta[1]) end
    if meta[4] then redis.call('ZREM', p .. 'idx:parent:' .. meta[4], meta[1]) end
  end
  if redis.call('DEL', rk, p .. 'ctx:' .. id) > 0 then existed = 1 end
end
return existed
`;

interface ScriptedClient extends RedisClient {
  ifInit(...args: (string | number)[]): Promise<number>;
  ifStatus(...args: (string | number)[]): Promise<number>;
  ifTask(...args: (string | number)[]): Promise<number>;
  ifCtx(...args: (string | number)[]): Promise<number>;
  ifDelete(...args: (string | number)[]): Promise<number>;
}

const SUMMARY_FIELDS = [
  'id',
  'flow_name',
  'status',
  'started',
  'finished',
  'task_count',
  'parent_run_id',
  'parent_step',
];

export class RedisStore implements StateStore {
  readonly kind = 'redis';
  readonly location: string;
  private client: ScriptedClient | null = null;
  private readonly url: string;
  private readonly p: string;
  private readonly ttl: number;
  private readonly opts: RedisStoreOptions;
  private lastError = '';

  constructor(url: string, opts: RedisStoreOptions = {}) {
    this.url = url;
    this.location = maskUrl(url);
    this.p = opts.prefix ?? DEFAULT_REDIS_PREFIX;
    const ttl = opts.ttlSeconds ?? 0;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 99_999_999_999) {
      throw new StoreError(
        'invalid_input',
        `Invalid Redis TTL ${ttl}: use whole seconds from 1 to 99999999999`,
      );
    }
    this.ttl = ttl;
    this.opts = opts;
  }

  private fail(e: unknown, action: string): StoreError {
    if (e instanceof StoreError) return e;
    let detail = maskSecrets(errorChain(e) || 'unknown error');
    if (/enableOfflineQueue|Connection is closed|MaxRetriesPerRequest/i.test(detail)) {
      detail = `the server is unreachable (reconnecting)${this.lastError ? `: ${maskSecrets(this.lastError)}` : ''}`;
    }
    return new StoreError('backend', `Redis store at ${this.location}: ${action}: ${detail}`);
  }

  /** Connect and check the server answers; fails at start-up when it cannot be reached. */
  async open(): Promise<this> {
    let client: ScriptedClient | undefined;
    try {
      const mod = await import('ioredis');
      const RedisCtor = (mod.default ?? mod.Redis) as unknown as new (
        url: string,
        o: RedisOptions,
      ) => RedisClient;
      client = new RedisCtor(this.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableAutoPipelining: true,
        connectTimeout: this.opts.connectTimeoutMs ?? 5000,
        retryStrategy: (times: number) => Math.min(50 * times, 1000),
      }) as ScriptedClient;
      client.on('error', (err: Error) => {
        this.lastError = err.message;
      });
      client.defineCommand('ifInit', { lua: INIT });
      client.defineCommand('ifStatus', { numberOfKeys: 2, lua: STATUS });
      client.defineCommand('ifTask', { numberOfKeys: 2, lua: TASK });
      client.defineCommand('ifCtx', { numberOfKeys: 2, lua: CTX });
      client.defineCommand('ifDelete', { numberOfKeys: 0, lua: DELETE });
      await client.connect();
      await client.ping();
      this.client = client;
    } catch (e) {
      client?.disconnect();
      throw this.fail(e, 'cannot connect');
    }
    return this;
  }

  private conn(): ScriptedClient {
    if (!this.client) throw closedError('Redis');
    return this.client;
  }

  private async call<T>(fn: (c: ScriptedClient) => Promise<T>, action: string): Promise<T> {
    const c = this.conn();
    try {
      return await fn(c);
    } catch (e) {
      throw this.fail(e, action);
    }
  }

  private runKey(id: string): string {
    return `${this.p}run:${id}`;
  }

  private ctxKey(id: string): string {
    return `${this.p}ctx:${id}`;
  }

  private async create(run: RunInfo, tasks: TaskState[], action: string): Promise<void> {
    const member = indexMember(startedKey(run.started), run.id);
    const keys = [
      this.runKey(run.id),
      this.ctxKey(run.id),
      `${this.p}idx:all`,
      `${this.p}idx:status:${run.status}`,
      `${this.p}idx:flow:${run.flow_name}`,
    ];
    if (run.parent_run_id !== undefined) keys.push(`${this.p}idx:parent:${run.parent_run_id}`);
    const meta: string[] = ['id', run.id, 'flow_name', run.flow_name, 'status', run.status];
    if (run.started !== null) meta.push('started', run.started);
    if (run.finished !== null) meta.push('finished', run.finished);
    if (run.parent_run_id !== undefined) meta.push('parent_run_id', run.parent_run_id);
    if (run.parent_step !== undefined) meta.push('parent_step', run.parent_step);
    const ctx = Object.entries(run.ctx).flatMap(([k, v]) => [k, JSON.stringify(v)]);
    const args: (string | number)[] = [keys.length, ...keys, member, this.ttl, meta.length, ...meta];
    args.push(ctx.length / 2, ...ctx, tasks.length, ...tasks.flatMap((t) => [t.name, JSON.stringify(t)]));
    const ok = await this.call((c) => c.ifInit(...args), action);
    if (ok !== 1) throw conflict(run.id);
  }

  async initRun(id: string, flowName: string, ctx: Context, opts?: InitRunOptions): Promise<void> {
    this.conn();
    const run = newRun(id, flowName, ctx, opts);
    await this.create(run, [], `creating run ${id}`);
  }

  async importRun(input: RunInfo): Promise<void> {
    this.conn();
    const run = normalizeRun(input);
    await this.create(run, Object.values(run.tasks), `importing run ${run.id}`);
  }

  async setRunStatus(id: string, status: RunStatus): Promise<void> {
    const s = assertRunStatus(status);
    assertRunId(id);
    const ok = await this.call(
      (c) =>
        c.ifStatus(this.runKey(id), this.ctxKey(id), this.p, s, isTerminal(s) ? 1 : 0, nowIso(), this.ttl),
      `updating run ${id}`,
    );
    if (ok !== 1) throw notFound(id);
  }

  async upsertTask(id: string, task: TaskState): Promise<void> {
    assertRunId(id);
    const t = normalizeTask(task);
    const ok = await this.call(
      (c) => c.ifTask(this.runKey(id), this.ctxKey(id), t.name, JSON.stringify(t), this.ttl),
      `updating run ${id}`,
    );
    if (ok !== 1) throw notFound(id);
  }

  async updateCtx(id: string, ctx: Context): Promise<void> {
    assertRunId(id);
    const patch = assertCtx(ctx);
    const pairs = Object.entries(patch).flatMap(([k, v]) => [k, JSON.stringify(v)]);
    const ok = await this.call(
      (c) => c.ifCtx(this.runKey(id), this.ctxKey(id), this.ttl, ...pairs),
      `updating run ${id}`,
    );
    if (ok !== 1) throw notFound(id);
  }

  private static ordered(hash: Record<string, string>, valuePrefix: string): [string, unknown][] {
    const out: [string, unknown, number][] = [];
    for (const [f, v] of Object.entries(hash)) {
      if (!f.startsWith(valuePrefix)) continue;
      const name = f.slice(valuePrefix.length);
      out.push([name, JSON.parse(v), Number(hash[`o:${name}`] ?? Number.MAX_SAFE_INTEGER)]);
    }
    out.sort((a, b) => a[2] - b[2]);
    return out.map(([k, v]) => [k, v]);
  }

  private async read(
    id: string,
  ): Promise<{ run: Record<string, string>; ctx: Record<string, string> } | null> {
    assertRunId(id);
    const res = await this.call(
      (c) => c.multi().hgetall(this.runKey(id)).hgetall(this.ctxKey(id)).exec(),
      `reading run ${id}`,
    );
    if (!res) throw this.fail(new Error('transaction aborted'), `reading run ${id}`);
    const [[e1, run], [e2, ctx]] = res as [
      [Error | null, Record<string, string>],
      [Error | null, Record<string, string>],
    ];
    if (e1 || e2) throw this.fail(e1 ?? e2, `reading run ${id}`);
    if (!run || run.status === undefined) return null;
    return { run, ctx: ctx ?? {} };
  }

  async getCtx(id: string): Promise<Context> {
    const got = await this.read(id);
    if (!got) throw notFound(id);
    return Object.fromEntries(RedisStore.ordered(got.ctx, 'v:'));
  }

  async getRun(id: string): Promise<RunInfo> {
    const got = await this.read(id);
    if (!got) throw notFound(id);
    const h = got.run;
    let tasks: [string, unknown][];
    let ctx: Context;
    try {
      tasks = RedisStore.ordered(h, 't:');
      ctx = Object.fromEntries(RedisStore.ordered(got.ctx, 'v:'));
    } catch (e) {
      throw new StoreError(
        'corruption',
        `Redis store at ${this.location}: run ${id} holds invalid JSON: ${errorChain(e)}`,
      );
    }
    const run: RunInfo = {
      id: h.id ?? id,
      flow_name: h.flow_name ?? '',
      status: h.status as RunStatus,
      started: h.started ?? null,
      finished: h.finished ?? null,
      ctx,
      tasks: Object.fromEntries(tasks) as Record<string, TaskState>,
    };
    if (h.parent_run_id !== undefined) run.parent_run_id = h.parent_run_id;
    if (h.parent_step !== undefined) run.parent_step = h.parent_step;
    return run;
  }

  async listRuns(query?: ListQuery): Promise<ListPage> {
    this.conn();
    const q = normalizeQuery(query);
    // the most selective set available; other filters are applied to the summaries
    const key =
      q.parentRunId !== undefined
        ? `${this.p}idx:parent:${q.parentRunId}`
        : q.flowName !== undefined
          ? `${this.p}idx:flow:${q.flowName}`
          : q.status !== undefined
            ? `${this.p}idx:status:${q.status}`
            : `${this.p}idx:all`;
    let max = '+';
    const tighter = (bound: string) => {
      if (max === '+' || bound.slice(1) < max.slice(1)) max = bound;
    };
    if (q.after) tighter(`(${indexMember(q.after.k, q.after.id)}`);
    if (q.untilKey !== undefined) tighter(`(${String(q.untilKey - NO_START_KEY).padStart(KEY_DIGITS, '0')}`);
    let min = '-';
    if (q.sinceKey !== undefined) min = `[${String(q.sinceKey - NO_START_KEY).padStart(KEY_DIGITS, '0')}`;
    else if (q.untilKey !== undefined) min = `[${'1'.padStart(KEY_DIGITS, '0')}`;
    const rows: RunSummary[] = [];
    const chunk = Math.min(1000, Math.max(q.limit + 1, 100));
    for (;;) {
      const members = await this.call(
        (c) => c.zrevrangebylex(key, max, min, 'LIMIT', 0, chunk),
        'listing runs',
      );
      if (members.length === 0) break;
      const pipe = this.conn().pipeline();
      for (const m of members) pipe.hmget(this.runKey(memberPos(m).id), ...SUMMARY_FIELDS);
      const res = await this.call(async () => (await pipe.exec()) ?? [], 'listing runs');
      const stale: string[] = [];
      for (let i = 0; i < members.length && rows.length <= q.limit; i++) {
        const [err, vals] = res[i] as [Error | null, (string | null)[]];
        if (err) throw this.fail(err, 'listing runs');
        const [id, flow, status, started, finished, count, parent, step] = vals;
        if (id === null || id === undefined || status === null) {
          stale.push(members[i]!);
          continue;
        }
        const s = orderSummary({
          id,
          flow_name: flow ?? '',
          status: status as RunStatus,
          started: started ?? null,
          finished: finished ?? null,
          task_count: Number(count ?? 0),
          parent_run_id: parent ?? undefined,
          parent_step: step ?? undefined,
        });
        if (matchesFilters(s, memberPos(members[i]!).k, q)) rows.push(s);
      }
      if (stale.length) await this.call((c) => c.zrem(key, ...stale), 'listing runs').catch(() => {});
      if (rows.length > q.limit || members.length < chunk) break;
      max = `(${members[members.length - 1]}`;
    }
    if (rows.length <= q.limit) return { runs: rows };
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1]!;
    return { runs: page, nextCursor: encodeCursor({ k: startedKey(last.started), id: last.id }) };
  }

  async deleteRun(id: string): Promise<boolean> {
    assertRunId(id);
    const n = await this.call((c) => c.ifDelete(this.p, id), `deleting run ${id}`);
    return n === 1;
  }

  async flush(): Promise<void> {
    this.conn();
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (!c) return;
    try {
      await c.quit();
    } catch {
      c.disconnect();
    }
  }
}
