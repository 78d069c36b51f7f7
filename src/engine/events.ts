// Run events: what the CLI shows while a run is going, and what the API streams as Server-Sent Events.
import type { RunStatus, TaskStatus } from './types.js';

export type RunEvent =
  | { type: 'run_started'; run_id: string; flow_name: string; steps: number; ts: string }
  | { type: 'task_started'; run_id: string; step: string; node_type: string; attempt: number; ts: string }
  | {
      type: 'task_retrying';
      run_id: string;
      step: string;
      attempt: number;
      error: string;
      delay_ms: number;
      ts: string;
    }
  | {
      type: 'task_finished';
      run_id: string;
      step: string;
      node_type: string;
      status: TaskStatus;
      attempt: number;
      error?: string;
      duration_ms?: number;
      ts: string;
    }
  | { type: 'run_finished'; run_id: string; status: RunStatus; ts: string };

export type RunEventListener = (event: RunEvent) => void;
