// Messages between the main thread and Lua worker threads.
import type { MessagePort } from 'node:worker_threads';
import type { LuaLogLevel } from './state.js';

export interface WorkerInit {
  key: Uint8Array;
  memoryLimit: number;
  maxInstructions: number;
  hookInterval: number;
  conversion: { maxDepth: number; maxNodes: number };
  /** The shared lane (channel.ts) jobs, context requests and replies go through. */
  lane: SharedArrayBuffer;
  /** For messages too large for the lane or with no JSON form. */
  port: MessagePort;
}

export type Job =
  | {
      id: number;
      kind: 'code';
      step: string;
      source?: string;
      payload?: string;
      eager: Record<string, unknown>;
    }
  | {
      id: number;
      kind: 'foreach';
      step: string;
      payload: string;
      items: readonly unknown[];
      filterNulls: boolean;
      eager: Record<string, unknown>;
    };

export interface JobOutput {
  level: LuaLogLevel | 'print';
  message: string;
}

export type JobReply =
  | { id: number; ok: true; value: unknown; out: JobOutput[] }
  | { id: number; ok: false; error: string; kind: string; out: JobOutput[] };

export type CtxRequest = { op: 'get'; key: string } | { op: 'keys' };
export type CtxReply = { found: true; value: unknown } | { found: false } | { keys: string[] };
