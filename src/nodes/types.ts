// What a node is and what it receives. Nodes never import the scheduler; the engine hands them a
// NodeContext with the step's view of the run context, an AbortSignal and the services they may use.
import type { Context } from '../engine/types.js';
import type { ParamsOf, ParamsShape } from './params.js';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs Lua for the `code` and `foreach` nodes (in worker threads; see src/lua/pool.ts). */
export interface LuaRunner {
  /** Run a code step: a string `source`, or a signed function payload. Returns the Lua result as JSON. */
  runCode(req: {
    source?: string;
    payload?: string;
    ctx: Readonly<Context>;
    step: string;
    signal: AbortSignal;
    /** Where the script's log() lines go (the step's logger); default the engine's. */
    log?: Logger;
  }): Promise<unknown>;
  /** Map `items` through the transform function payload: `transform(item, index)`. */
  runForeach(req: {
    payload: string;
    items: readonly unknown[];
    filterNulls: boolean;
    ctx: Readonly<Context>;
    step: string;
    signal: AbortSignal;
    log?: Logger;
  }): Promise<unknown[]>;
}

/** Runs child flows for the composition nodes (subworkflow, parallel_subworkflows). */
export interface SubflowRunner {
  /** Run a child flow file as a recorded child run of `parent`. */
  run(req: {
    /** Absolute path of the child flow file. */
    path: string;
    /** The child's initial context (the node does the input mapping; `_flow_dir` included). */
    ctx: Context;
    parent: { runId: string; step: string; lineage: readonly string[] };
    /** Aborting it cancels the child run (a parent step timeout reaches its children). */
    signal: AbortSignal;
    /** false = fire-and-forget: resolves once the child run is recorded as started. */
    wait: boolean;
  }): Promise<{ run_id: string; flow_name: string; status: string; ctx: Context; error?: string }>;
}

/**
 * Process-wide resources shared across steps and runs (connection pools, the memory cache), created on
 * first use and closed when the engine shuts down.
 */
export interface Resources {
  get<T>(key: string, create: () => T | Promise<T>, close?: (value: T) => void | Promise<void>): Promise<T>;
  /** Close everything (called once, at shutdown). */
  closeAll(): Promise<void>;
}

export interface NodeServices {
  lua: LuaRunner;
  subflows?: SubflowRunner;
  resources: Resources;
}

export interface NodeContext {
  /** The step's name (also `config._step_name`). */
  readonly step: string;
  readonly nodeType: string;
  /** The step's view of the run context: read it, never change it; return new keys instead. */
  readonly ctx: Readonly<Context>;
  /** Aborted when the step's deadline passes or the run is cancelled. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly runId: string;
  /** Flow files from the root run down to this run (the last one is this run's flow). */
  readonly lineage: readonly string[];
  readonly services: NodeServices;
  /** Render ${ctx…} placeholders of a string against this step's context. */
  interpolate(s: string): string;
}

export type NodeOutput = Record<string, unknown>;

export interface NodeDefinition<P extends ParamsShape = ParamsShape> {
  /** Registered name, e.g. `http_get`. */
  name: string;
  /** Category shown by `ironflow nodes` (HTTP, Data transform, ...). */
  category: string;
  /** One line for `ironflow nodes` and GET /nodes. */
  description: string;
  params: P;
  /** Output keys, for the generated reference (e.g. `{output_key}_count`). */
  outputs?: Record<string, string>;
  /**
   * Static rules the parameter schema cannot express (one-of, both-given), run by `validate` on the
   * literal config. Return messages naming the parameter.
   */
  check?(config: Record<string, unknown>): Array<{ path: string; message: string }>;
  /**
   * Do the work. `config` has defaults applied and interpolated parameters rendered. Throw NodeError
   * (or any Error) to fail the step; its message becomes the task error.
   */
  run(config: ParamsOf<P> & Record<string, unknown>, nc: NodeContext): Promise<NodeOutput> | NodeOutput;
}

/** Identity helper that gives `run` its typed config. */
export function defineNode<P extends ParamsShape>(def: NodeDefinition<P>): NodeDefinition<P> {
  return def;
}
