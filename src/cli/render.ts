// Text the CLI prints (CORE 7.3-7.7). Pure functions from records to strings, so tests can check them.
import type { FlowDefinition, FlowWarning, RunInfo, TaskState } from '../engine/types.js';
import type { NodeRegistry } from '../nodes/registry.js';
import type { ValidationIssue } from '../util/errors.js';
import { formatSeconds } from '../util/json.js';

export const ICONS: Record<TaskState['status'], string> = {
  success: '✓',
  failed: '✗',
  skipped: '⊘',
  cancelled: '⊘',
  running: '⟳',
  pending: '○',
};

export function flowHeader(flow: FlowDefinition): string {
  return `Flow: ${flow.name} (${flow.steps.length} steps)\n`;
}

/** The `--verbose` step listing printed before a run. */
export function stepsListing(flow: FlowDefinition): string {
  let out = '\nSteps:\n';
  for (const s of flow.steps) {
    out += `  ${s.name} [${s.node_type}] deps: ${s.dependencies.length ? s.dependencies.join(', ') : 'none'}\n`;
    if (s.retry.max_retries > 0)
      out += `    retries: ${s.retry.max_retries}, backoff: ${formatSeconds(s.retry.backoff_s)}\n`;
    if (s.timeout_s !== undefined) out += `    timeout: ${formatSeconds(s.timeout_s)}\n`;
    if (s.route !== undefined) out += `    route: ${s.route}\n`;
    if (s.on_error !== undefined) out += `    on_error: ${s.on_error}\n`;
  }
  return out;
}

/** The result block printed after a run. */
export function runSummary(run: RunInfo, verbose: boolean): string {
  let out = `\nRun ID: ${run.id}\nStatus: ${run.status}\n\nTasks:\n`;
  for (const t of Object.values(run.tasks)) {
    out += `  ${ICONS[t.status]} ${t.name} [${t.node_type}] (attempt ${t.attempt})\n`;
    if (verbose && t.started && t.finished) {
      out += `    Duration: ${Math.max(0, Date.parse(t.finished) - Date.parse(t.started))}ms\n`;
    }
    if (t.error) out += `    Error: ${t.error}\n`;
    if (verbose && t.output !== undefined) out += `    Output: ${JSON.stringify(t.output)}\n`;
  }
  const visible = Object.fromEntries(Object.entries(run.ctx).filter(([k]) => !k.startsWith('_')));
  if (Object.keys(visible).length > 0) out += `\nContext:\n${JSON.stringify(visible, null, 2)}\n`;
  return out;
}

export function validationReport(flow: FlowDefinition, errors: ValidationIssue[]): string {
  let out = `Flow: ${flow.name}\nSteps: ${flow.steps.length}\n`;
  if (errors.length > 0) {
    out += 'Validation: FAILED\n';
    for (const e of errors) out += `  - ${e.message}\n`;
    return out;
  }
  out += 'Validation: OK\n\nExecution order:\n';
  for (const s of flow.steps) {
    out += `  ${s.name} [${s.node_type}] ${s.dependencies.length ? `depends on: ${s.dependencies.join(', ')}` : '(no dependencies)'}\n`;
  }
  return out;
}

export function warningLines(warnings: FlowWarning[]): string {
  return warnings.map((w) => `Warning: ${w.message}\n`).join('');
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s.padEnd(n);
}

export function runsTable(runs: Array<Pick<RunInfo, 'id' | 'flow_name' | 'status' | 'started'>>): string {
  if (runs.length === 0) return 'No runs found.\n';
  let out = `${pad('RUN ID', 38)}${pad('FLOW', 20)}${pad('STATUS', 10)}${'STARTED'.padEnd(24)}\n${'-'.repeat(92)}\n`;
  for (const r of runs) {
    const started = r.started ? r.started.replace('T', ' ').slice(0, 19) : '-';
    out += `${pad(r.id, 38)}${pad(r.flow_name, 20)}${pad(r.status, 10)}${started}\n`;
  }
  return `${out}\nTotal: ${runs.length} run(s)\n`;
}

export function nodesTable(registry: NodeRegistry): string {
  const list = registry.list();
  let out = `${'NODE TYPE'.padEnd(24)} ${'CATEGORY'.padEnd(16)} DESCRIPTION\n${'-'.repeat(100)}\n`;
  for (const d of list) out += `${pad(d.name, 24)} ${pad(d.category, 16)} ${d.description}\n`;
  return `${out}\nTotal: ${list.length} node(s)\n`;
}
