// The engine facade used by the CLI, the API and the library: load a flow, check it, run it.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { checkSettings, concurrencyLimit, S } from '../config/settings.js';
import { luaEnv } from '../lua/env.js';
import { LoadFailure, loadFlow } from '../lua/loader.js';
import { PooledLuaRunner } from '../lua/runner.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { registry as builtins } from '../nodes/registry.js';
import type { Logger, LuaRunner, NodeServices, SubflowRunner } from '../nodes/types.js';
import type { StateStore } from '../store/types.js';
import { FlowLoadError, ValidationError, type ValidationIssue } from '../util/errors.js';
import { textLogger } from '../util/logger.js';
import type { RunEventListener } from './events.js';
import { processResources, type ResourcePool } from './resources.js';
import { executeFlow } from './scheduler.js';
import { EngineSubflows } from './subflows.js';
import type { Context, FlowDefinition, RunInfo } from './types.js';
import { type ValidationReport, validateFlow } from './validate.js';

export interface EngineOptions {
  store: StateStore;
  registry?: NodeRegistry;
  logger?: Logger;
  /** Where Lua `print` goes (default stdout). */
  print?: (line: string) => void;
  resources?: ResourcePool;
  subflows?: SubflowRunner;
  /** Steps of one run that may execute at once (default IRONFLOW_MAX_CONCURRENT_TASKS or CPUs). */
  concurrency?: number;
}

export interface LoadedFlow {
  flow: FlowDefinition;
  /** Problems found while loading that validation reports (e.g. a syntax error in a code source). */
  issues: ValidationIssue[];
}

export interface RunOptions {
  runId?: string;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
  parent?: { runId: string; step: string };
  hiddenKeys?: readonly string[];
  concurrency?: number;
  onCreated?: (runId: string) => void;
  /** Flow files from the root run down to this one (set for child runs). */
  lineage?: readonly string[];
  /** Receives the full final context (the returned record keeps oversized values as markers). */
  onFinalContext?: (ctx: Context) => void;
}

/**
 * Read a flow file: regular files only, bounded by IRONFLOW_MAX_FLOW_SOURCE_BYTES. Synchronous on purpose:
 * the file is small, and each thread-pool round trip of the async API cost milliseconds at start-up here.
 * The descriptor is opened once, so the checks apply to the file that is read.
 */
export async function readFlowFile(path: string): Promise<string> {
  const limit = S.maxFlowSourceBytes.get();
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FlowLoadError(`Failed to read flow file '${path}': not a regular file`);
    if (st.size > limit) {
      throw new FlowLoadError(
        `Failed to read flow file '${path}': ${st.size} bytes is more than IRONFLOW_MAX_FLOW_SOURCE_BYTES (${limit})`,
      );
    }
    return readFileSync(fd, 'utf8');
  } catch (e) {
    if (e instanceof FlowLoadError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'No such file or directory'
        : err.code === 'EACCES'
          ? 'Permission denied'
          : err.code === 'EISDIR'
            ? 'not a regular file'
            : err.message;
    throw new FlowLoadError(`Failed to read flow file '${path}': ${why}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class Engine {
  readonly registry: NodeRegistry;
  readonly store: StateStore;
  readonly logger: Logger;
  private readonly print: (line: string) => void;
  private readonly resources: ResourcePool;
  private runner: PooledLuaRunner | undefined;
  private readonly services: NodeServices;

  constructor(private readonly opts: EngineOptions) {
    this.registry = opts.registry ?? builtins;
    this.store = opts.store;
    this.logger = opts.logger ?? textLogger();
    this.print = opts.print ?? ((line) => process.stdout.write(`${line}\n`));
    this.resources = opts.resources ?? processResources;
    const lazy: LuaRunner = {
      runCode: (req) => this.lua().runCode(req),
      runForeach: (req) => this.lua().runForeach(req),
    };
    this.services = {
      lua: lazy,
      resources: this.resources,
      subflows: opts.subflows ?? new EngineSubflows(this),
    };
  }

  private lua(): PooledLuaRunner {
    this.runner ??= new PooledLuaRunner({
      size: S.luaWorkers.get(),
      memoryLimit: S.luaMaxMemory.get(),
      maxInstructions: S.luaMaxInstructions.get(),
      hookInterval: S.luaHookInterval.get(),
      conversion: { maxDepth: S.maxConversionDepth.get(), maxNodes: S.maxConversionNodes.get() },
      maxMs: S.luaMaxSeconds.get() * 1000,
      log: this.logger,
      print: this.print,
    });
    return this.runner;
  }

  /** Start a Lua worker in the background (about 60 ms), when a flow is known to need one. */
  warmLua(): void {
    this.lua().pool.warm();
  }

  setSubflows(subflows: SubflowRunner): void {
    this.services.subflows = subflows;
  }

  /** Evaluate flow source. `file` names it in messages (a path, or `<inline>`). */
  async loadSource(source: string, file = '<inline>'): Promise<LoadedFlow> {
    const loaded = await this.evaluate(source, file);
    // The node families this flow uses load now; their settings are checked as they are declared.
    await this.registry.ensure(loaded.flow.steps.map((s) => s.node_type));
    checkSettings();
    return loaded;
  }

  private async evaluate(source: string, file: string): Promise<LoadedFlow> {
    try {
      return await loadFlow(source, file, {
        nodeNames: this.registry.names(),
        maxMs: S.luaMaxSeconds.get() * 1000,
        hookInterval: S.luaHookInterval.get(),
        maxInstructions: S.luaMaxInstructions.get(),
        memoryLimit: S.luaMaxMemory.get(),
        conversion: { maxDepth: S.maxConversionDepth.get(), maxNodes: S.maxConversionNodes.get() },
        env: luaEnv,
        print: this.print,
        log: (level, message) => this.logger[level === 'trace' ? 'debug' : level](`<lua> ${message}`),
      });
    } catch (e) {
      if (e instanceof LoadFailure) throw new FlowLoadError(e.message);
      throw e;
    }
  }

  async loadFile(path: string): Promise<LoadedFlow> {
    return this.loadSource(await readFlowFile(path), path);
  }

  /** Every validation problem of a loaded flow (CORE 1.7), and its warnings. */
  check(loaded: LoadedFlow): ValidationReport {
    return validateFlow(loaded.flow, this.registry, loaded.issues);
  }

  /** Validate, then run. A flow with validation errors throws ValidationError and creates no run. */
  async run(loaded: LoadedFlow, ctx: Context, opts: RunOptions = {}): Promise<RunInfo> {
    const report = this.check(loaded);
    if (report.errors.length > 0) throw new ValidationError(report.errors);
    return this.execute(loaded.flow, ctx, opts);
  }

  /** Run an already validated flow. */
  async execute(flow: FlowDefinition, ctx: Context, opts: RunOptions = {}): Promise<RunInfo> {
    const usesLua = flow.steps.some((s) => s.node_type === 'code' || s.node_type === 'foreach');
    if (usesLua) {
      this.warmLua();
      this.lua().pool.hold();
    }
    try {
      return await this.executeRun(flow, ctx, opts);
    } finally {
      if (usesLua) this.runner?.pool.release();
    }
  }

  private executeRun(flow: FlowDefinition, ctx: Context, opts: RunOptions): Promise<RunInfo> {
    return executeFlow(flow, ctx, {
      registry: this.registry,
      store: this.store,
      services: this.services,
      logger: this.logger,
      runId: opts.runId,
      concurrency: concurrencyLimit(opts.concurrency ?? this.opts.concurrency),
      signal: opts.signal,
      maxRunSeconds: S.maxRunSeconds.get(),
      onEvent: opts.onEvent,
      parent: opts.parent,
      hiddenKeys: opts.hiddenKeys,
      maxOutputBytes: S.maxTaskOutputBytes.get(),
      onCreated: opts.onCreated,
      lineage: opts.lineage,
      onFinalContext: opts.onFinalContext,
    });
  }

  /** Stop the Lua workers. Process-wide resources (pools) are closed by their owner at shutdown. */
  /** Stop fire-and-forget child runs still going (a second shutdown signal), with `reason`. */
  stopDetachedChildren(reason: unknown): void {
    if (this.services.subflows instanceof EngineSubflows) this.services.subflows.stopDetached(reason);
  }

  /**
   * Release the engine. Child runs still in flight (fire-and-forget ones above all) finish first, as they
   * may need Lua workers; with `graceMs`, fire-and-forget children still running after it are stopped
   * with `reason` (e.g. `{status: 'stalled'}`).
   */
  async close(opts: { graceMs?: number; reason?: unknown } = {}): Promise<void> {
    if (this.services.subflows instanceof EngineSubflows) {
      await this.services.subflows.close(opts.graceMs, opts.reason);
    }
    await this.runner?.close();
    this.runner = undefined;
  }
}
