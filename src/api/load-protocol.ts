// Messages between the API server and its flow-load worker threads.
import type { FlowDefinition } from '../engine/types.js';
import type { ValidationIssue } from '../util/errors.js';

export interface LoadWorkerInit {
  /** The process's payload signing key (function handlers). */
  key: Uint8Array;
  /** Node types `nodes.<type>` offers. */
  nodeNames: string[];
}

export interface LoadJob {
  id: number;
  source: string;
  /** Label used in messages: a path or `<inline>`. */
  file: string;
  maxMs: number;
  hookInterval: number;
  maxInstructions: number;
  memoryLimit: number;
  conversion: { maxDepth: number; maxNodes: number };
}

export interface LuaOutput {
  level: 'print' | 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export type LoadReply =
  | { id: number; ok: true; flow: FlowDefinition; issues: ValidationIssue[]; out: LuaOutput[] }
  | { id: number; ok: false; failure: boolean; message: string; out: LuaOutput[] };
