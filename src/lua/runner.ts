// The LuaRunner the engine gives to the `code` and `foreach` nodes: jobs go to the worker pool with the
// context keys the handler mentions sent along (eagerly), so small reads cost no round trip and a large
// value the handler never touches is never copied.

import type { Logger, LuaRunner } from '../nodes/types.js';
import { NodeError } from '../util/errors.js';
import { jsonSizeWithin } from '../util/json.js';
import type { Graph } from './capture.js';
import { openPayload, payloadId } from './payload.js';
import { LuaPool, type PoolOptions } from './pool.js';
import type { JobOutput } from './protocol.js';
import { LuaError } from './state.js';

export interface RunnerOptions extends PoolOptions {
  /** IRONFLOW_LUA_MAX_SECONDS as ms (0 = none). */
  maxMs: number;
  log: Logger;
  /** Where `print` output goes (stdout normally; stderr when stdout carries JSON). */
  print: (line: string) => void;
}

/** Values up to this estimated size travel with the job; larger ones are fetched only if read. */
const EAGER_VALUE_BYTES = 64 * 1024;
const EAGER_TOTAL_BYTES = 256 * 1024;

const hintCache = new Map<string, string[]>();

function hintsOfPayload(payload: string): string[] {
  const id = payloadId(payload);
  let h = hintCache.get(id);
  if (!h) {
    try {
      h = (JSON.parse(openPayload(payload)) as Graph).hints;
    } catch {
      h = [];
    }
    if (hintCache.size > 1000) hintCache.clear();
    hintCache.set(id, h);
  }
  return h;
}

function hintsOfSource(source: string): string[] {
  let h = hintCache.get(source);
  if (!h) {
    h = [...new Set(source.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])];
    if (hintCache.size > 1000) hintCache.clear();
    hintCache.set(source, h);
  }
  return h;
}

function eagerValues(ctx: Readonly<Record<string, unknown>>, hints: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let total = 0;
  for (const k of hints) {
    if (!Object.hasOwn(ctx, k)) continue;
    const size = jsonSizeWithin(ctx[k], EAGER_VALUE_BYTES);
    if (total + size > EAGER_TOTAL_BYTES) continue;
    total += size;
    out[k] = ctx[k];
  }
  return out;
}

export class PooledLuaRunner implements LuaRunner {
  readonly pool: LuaPool;

  constructor(private readonly opts: RunnerOptions) {
    this.pool = new LuaPool(opts);
  }

  private output(step: string, log: Logger = this.opts.log) {
    return (o: JobOutput) => {
      if (o.level === 'print') this.opts.print(o.message);
      else {
        const level = o.level === 'trace' ? 'debug' : o.level;
        log[level](`<lua> ${o.message}`, { step });
      }
    };
  }

  private deadline(): number {
    return this.opts.maxMs > 0 ? Date.now() + this.opts.maxMs : 0;
  }

  private budgetMessage(): string {
    return `Lua execution stopped: time budget of ${this.opts.maxMs / 1000}s exhausted (IRONFLOW_LUA_MAX_SECONDS)`;
  }

  async runCode(req: Parameters<LuaRunner['runCode']>[0]): Promise<unknown> {
    const hints = req.payload !== undefined ? hintsOfPayload(req.payload) : hintsOfSource(req.source ?? '');
    try {
      return await this.pool.run({
        job: {
          kind: 'code',
          step: req.step,
          source: req.source,
          payload: req.payload,
          eager: eagerValues(req.ctx, hints),
        },
        ctx: req.ctx,
        deadline: this.deadline(),
        deadlineMessage: this.budgetMessage(),
        signal: req.signal,
        onOutput: this.output(req.step, req.log),
      });
    } catch (e) {
      throw asNodeError(e);
    }
  }

  async runForeach(req: Parameters<LuaRunner['runForeach']>[0]): Promise<unknown[]> {
    try {
      return (await this.pool.run({
        job: {
          kind: 'foreach',
          step: req.step,
          payload: req.payload,
          items: req.items,
          filterNulls: req.filterNulls,
          eager: eagerValues(req.ctx, hintsOfPayload(req.payload)),
        },
        ctx: req.ctx,
        deadline: this.deadline(),
        deadlineMessage: this.budgetMessage(),
        signal: req.signal,
        onOutput: this.output(req.step, req.log),
      })) as unknown[];
    } catch (e) {
      throw asNodeError(e);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function asNodeError(e: unknown): unknown {
  if (e instanceof LuaError) return new NodeError(e.message, { retryable: e.kind !== 'syntax' });
  return e;
}
