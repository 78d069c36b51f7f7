// The execution plan of a validated flow (CORE 1.7, 4.6): declared dependencies plus the edges recovery
// handlers add (source -> handler -> every other dependent of the source), a deterministic topological
// order, and ancestry queries for the context rules.
import { IndexHeap } from './heap.js';
import type { FlowDefinition, StepDefinition } from './types.js';

export interface PlannedStep {
  index: number;
  def: StepDefinition;
  /** Declared dependencies (indexes), used for skip and route decisions. */
  deps: number[];
  /** Dependencies in the plan (declared plus recovery edges), used for ordering and context ancestry. */
  order: number[];
  /** Steps whose `order` contains this step. */
  children: number[];
  /** The step this one recovers (it is named by that step's on_error). */
  handlerOf?: number;
  /** The recovery handler of this step. */
  handler?: number;
  /** Position in the deterministic topological order. */
  topo: number;
}

export interface Plan {
  steps: PlannedStep[];
  byName: Map<string, number>;
  /** Step indexes in topological order (ties broken by declaration order). */
  topoOrder: number[];
}

/**
 * Kahn's algorithm over `order` edges, picking the lowest declaration index among ready steps.
 * Returns the order and the steps that could not be ordered (cycle members and what hangs off them).
 */
export function topoSort(n: number, order: number[][]): { sorted: number[]; remaining: number[] } {
  const indeg = new Array<number>(n).fill(0);
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (const d of order[i]!) {
      indeg[i]!++;
      children[d]!.push(i);
    }
  }
  // Ties come out in declaration order.
  const heap = new IndexHeap();
  for (let i = 0; i < n; i++) if (indeg[i] === 0) heap.push(i);
  const sorted: number[] = [];
  for (let x = heap.pop(); x !== undefined; x = heap.pop()) {
    sorted.push(x);
    for (const c of children[x]!) if (--indeg[c]! === 0) heap.push(c);
  }
  const remaining: number[] = [];
  if (sorted.length < n) for (let i = 0; i < n; i++) if (indeg[i]! > 0) remaining.push(i);
  return { sorted, remaining };
}

const plans = new WeakMap<FlowDefinition, Plan>();

/**
 * The plan of a flow, built once per flow object (a loaded flow is not changed afterwards; the API runs
 * one cached flow many times). The flow must have passed validation.
 */
export function planOf(flow: FlowDefinition): Plan {
  let plan = plans.get(flow);
  if (!plan) {
    plan = buildPlan(flow);
    plans.set(flow, plan);
  }
  return plan;
}

/** Build the plan. The flow must have passed validation (names unique, dependencies and handlers exist). */
export function buildPlan(flow: FlowDefinition): Plan {
  const byName = new Map<string, number>();
  for (let i = 0; i < flow.steps.length; i++) byName.set(flow.steps[i]!.name, i);
  const steps: PlannedStep[] = flow.steps.map((def, index) => {
    const deps = [...new Set(def.dependencies.map((d) => byName.get(d)!))];
    return { index, def, deps, order: [...deps], children: [], topo: 0 };
  });
  for (const s of steps) {
    if (s.def.on_error === undefined) continue;
    const h = byName.get(s.def.on_error)!;
    s.handler = h;
    steps[h]!.handlerOf = s.index;
  }
  // Recovery edges: the handler runs after its source, and the source's other dependents wait for it.
  for (const s of steps) {
    if (s.handler === undefined) continue;
    const h = steps[s.handler]!;
    if (!h.order.includes(s.index)) h.order.push(s.index);
    for (const d of steps) {
      if (d.index !== h.index && d.deps.includes(s.index) && !d.order.includes(h.index))
        d.order.push(h.index);
    }
  }
  for (const s of steps) for (const d of s.order) steps[d]!.children.push(s.index);
  const { sorted } = topoSort(
    steps.length,
    steps.map((s) => s.order),
  );
  sorted.forEach((idx, pos) => {
    steps[idx]!.topo = pos;
  });
  return { steps, byName, topoOrder: sorted };
}

/** Ancestry in the plan, computed on demand and memoised (only needed to settle same-key writes). */
export class Ancestry {
  private readonly memo = new Map<number, Set<number>>();
  constructor(private readonly plan: Plan) {}

  of(i: number): Set<number> {
    let set = this.memo.get(i);
    if (set) return set;
    set = new Set<number>();
    const stack = [...this.plan.steps[i]!.order];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (set.has(x)) continue;
      set.add(x);
      const known = this.memo.get(x);
      if (known) for (const y of known) set.add(y);
      else stack.push(...this.plan.steps[x]!.order);
    }
    this.memo.set(i, set);
    return set;
  }

  isAncestor(a: number, b: number): boolean {
    return this.of(b).has(a);
  }
}
