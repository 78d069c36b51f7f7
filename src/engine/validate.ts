// Validation (CORE 1.7 and section 9): every problem of a loaded flow, collected in one pass, in
// declaration order. `validate`, `run`, the API and webhooks all use this, before any run record exists.
import { openPayload } from '../lua/payload.js';
import { checkParams } from '../nodes/params.js';
import type { NodeRegistry } from '../nodes/registry.js';
import type { ValidationIssue } from '../util/errors.js';
import { topoSort } from './plan.js';
import type { FlowDefinition, FlowWarning } from './types.js';

export const MAX_RETRIES = 100;

export interface ValidationReport {
  errors: ValidationIssue[];
  warnings: FlowWarning[];
}

function isNum(v: unknown): v is number {
  return typeof v === 'number';
}

export function validateFlow(
  flow: FlowDefinition,
  registry: NodeRegistry,
  extra: ValidationIssue[] = [],
): ValidationReport {
  const errors: ValidationIssue[] = [];
  const warnings: FlowWarning[] = [...flow.warnings];
  const steps = flow.steps;
  const names = new Map<string, number>();

  for (const s of steps) {
    if (names.has(s.name)) {
      errors.push({
        step: s.name,
        message: `Duplicate step name '${s.name}' in flow '${flow.name}'. Each step must have a unique name.`,
      });
    } else names.set(s.name, names.size);
  }

  // 1. Node types and their parameters.
  for (const s of steps) {
    const def = registry.get(s.node_type);
    if (!def) {
      errors.push({ step: s.name, message: `Step '${s.name}' uses unknown node type '${s.node_type}'` });
      continue;
    }
    const { errors: perr, unknown } = checkParams(s.node_type, def.params, s.config);
    const more = def.check?.(s.config) ?? [];
    for (const e of [...perr, ...more]) {
      errors.push({ step: s.name, path: e.path, message: `Step '${s.name}' ${e.path}: ${e.message}` });
    }
    for (const k of unknown) {
      warnings.push({
        code: 'unknown_parameter',
        step: s.name,
        message: `Step '${s.name}': unknown parameter '${k}' for node ${s.node_type} (ignored)`,
      });
    }
  }
  errors.push(...extra);

  // Handler payloads are accepted only from this process (IF-035): a hand-written one never loads.
  for (const s of steps) {
    for (const key of ['bytecode_b64', 'transform_bytecode_b64']) {
      const v = s.config[key];
      if (v === undefined) continue;
      try {
        if (typeof v !== 'string') throw new Error('not a string');
        openPayload(v);
      } catch {
        errors.push({
          step: s.name,
          path: `$.${key}`,
          message: `Step '${s.name}' $.${key}: refusing a handler payload that this process did not produce; pass a Lua function instead`,
        });
      }
    }
  }

  // 2. Dependencies exist.
  let missingDeps = false;
  for (const s of steps) {
    for (const d of s.dependencies) {
      if (!names.has(d)) {
        missingDeps = true;
        errors.push({ step: s.name, message: `Step '${s.name}' depends on '${d}', which does not exist` });
      }
    }
  }

  // Numeric step options (IF-002, IF-046, DECISIONS 16).
  for (const s of steps) {
    const { max_retries: r, backoff_s: b } = s.retry;
    if (!isNum(r) || !Number.isInteger(r) || r < 0) {
      errors.push({ step: s.name, message: `Step '${s.name}' retry count must be a non-negative integer` });
    } else if (r > MAX_RETRIES) {
      errors.push({
        step: s.name,
        message: `Step '${s.name}' retry count is too large (max ${MAX_RETRIES})`,
      });
    }
    if (!isNum(b) || !Number.isFinite(b) || b < 0) {
      errors.push({
        step: s.name,
        message: `Step '${s.name}' retry backoff must be a finite, non-negative number of seconds`,
      });
    }
    if (
      s.timeout_s !== undefined &&
      (!isNum(s.timeout_s) || !Number.isFinite(s.timeout_s) || s.timeout_s <= 0)
    ) {
      errors.push({
        step: s.name,
        message: `Step '${s.name}' timeout must be a finite number greater than zero`,
      });
    }
    if (s.route !== undefined && s.dependencies.length === 0) {
      errors.push({
        step: s.name,
        message: `Step '${s.name}' declares a route but has no dependencies; a routed step must depend on the step that emits the route decision`,
      });
    }
  }

  // on_error rules (IF-007).
  const handlerOwner = new Map<string, string>();
  for (const s of steps) {
    const h = s.on_error;
    if (h === undefined) continue;
    if (h === s.name) {
      errors.push({ step: s.name, message: `Step '${s.name}' cannot use itself as an on_error handler` });
      continue;
    }
    const hi = names.get(h);
    if (hi === undefined) {
      errors.push({ step: s.name, message: `Step '${s.name}' on_error target '${h}' does not exist` });
      continue;
    }
    const prior = handlerOwner.get(h);
    if (prior !== undefined) {
      errors.push({
        step: h,
        message: `Recovery handler '${h}' is assigned to multiple source steps: '${prior}' and '${s.name}'`,
      });
      continue;
    }
    handlerOwner.set(h, s.name);
    const hs = steps[hi]!;
    if (hs.on_error !== undefined)
      errors.push({ step: h, message: `Recovery handler '${h}' cannot declare on_error` });
    if (hs.route !== undefined)
      errors.push({ step: h, message: `Recovery handler '${h}' cannot declare a route` });
    if (hs.dependencies.includes(s.name)) {
      errors.push({
        step: h,
        message: `Recovery handler '${h}' cannot depend on its owning source step '${s.name}'`,
      });
    }
  }

  // 3. Cycles, only when every dependency resolved: in the declared graph, then with recovery edges.
  if (!missingDeps && names.size === steps.length) {
    const order = steps.map((s) => [...new Set(s.dependencies.map((d) => names.get(d)!))]);
    const declared = topoSort(steps.length, order);
    if (declared.remaining.length > 0) {
      errors.push({
        message: `Cycle detected in flow DAG involving steps: ${declared.remaining.map((i) => steps[i]!.name).join(', ')}`,
      });
    } else if (handlerOwner.size > 0) {
      for (const [h, src] of handlerOwner) {
        const hi = names.get(h)!;
        const si = names.get(src)!;
        if (!order[hi]!.includes(si)) order[hi]!.push(si);
        for (let di = 0; di < steps.length; di++) {
          if (di !== hi && order[di]!.includes(si) && !order[di]!.includes(hi)) order[di]!.push(hi);
        }
      }
      const planned = topoSort(steps.length, order);
      if (planned.remaining.length > 0) {
        errors.push({
          message: `Cycle detected in flow DAG (including on_error recovery edges) involving steps: ${planned.remaining.map((i) => steps[i]!.name).join(', ')}`,
        });
      }
    }
  }
  return { errors, warnings };
}
