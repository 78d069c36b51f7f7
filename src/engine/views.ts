// What context each step sees (DECISIONS 1): the initial context plus the outputs of the step's ancestors
// in the plan. When two writers of a key are ordered by the plan the descendant wins; when they are not,
// the later-declared step wins. The final context follows the same rule over every step.
//
// Cost matters (10,000-step chains): a step with one parent reuses the parent's view, mutated in place when
// nobody else holds it, so a chain costs O(total output) rather than O(steps x context).
import type { Plan } from './plan.js';
import type { Context } from './types.js';

export class ContextViews {
  private readonly views: Array<Context | undefined>;
  private readonly childViews: Array<Context | undefined>;
  private readonly released: boolean[];
  private readonly owners = new Map<Context, number>();
  readonly outputs: Array<Record<string, unknown> | undefined>;

  constructor(
    private readonly plan: Plan,
    private readonly initial: Context,
  ) {
    const n = plan.steps.length;
    this.views = new Array(n);
    this.childViews = new Array(n);
    this.released = new Array(n).fill(false);
    this.outputs = new Array(n);
  }

  /** Record what a step committed (its success output, or the structured output of a failure). */
  setOutput(i: number, out: Record<string, unknown>): void {
    this.outputs[i] = out;
  }

  /** The context step `i` reads. Its dependencies must be terminal. */
  viewOf(i: number): Context {
    const memo = this.views[i];
    if (memo) return memo;
    const parents = this.plan.steps[i]!.order;
    let v: Context;
    if (parents.length === 0) v = this.initial;
    else if (parents.length === 1) v = this.childView(parents[0]!);
    else v = this.merge(this.ancestorsOf(i));
    this.views[i] = v;
    if (v !== this.initial) this.owners.set(v, (this.owners.get(v) ?? 0) + 1);
    return v;
  }

  /** A step no longer needs its view (it is finished and its children have theirs). */
  release(i: number): void {
    if (this.released[i]) return;
    this.released[i] = true;
    const v = this.views[i];
    if (v && v !== this.initial) this.owners.set(v, (this.owners.get(v) ?? 1) - 1);
  }

  /** The view a single-parent child of `p` sees: p's view plus p's output. */
  private childView(p: number): Context {
    const memo = this.childViews[p];
    if (memo) return memo;
    const base = this.viewOf(p);
    const out = this.outputs[p];
    let v: Context;
    if (!out || isEmpty(out)) v = base;
    else if (base !== this.initial && this.owners.get(base) === 1 && !this.released[p]) {
      // Only p holds this object and p is done reading it: extend it in place.
      Object.assign(base, out);
      v = base;
    } else v = { ...base, ...out };
    this.release(p);
    this.childViews[p] = v;
    return v;
  }

  /** Ancestors of step i in the plan, in topological order. */
  private ancestorsOf(i: number): number[] {
    const seen = new Set<number>();
    const stack = [...this.plan.steps[i]!.order];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const y of this.plan.steps[x]!.order) if (!seen.has(y)) stack.push(y);
    }
    return [...seen].sort((a, b) => this.plan.steps[a]!.topo - this.plan.steps[b]!.topo);
  }

  /** Is `a` an ancestor of `b`? A DFS from b upwards that never goes below a's topological position. */
  private isAncestor(a: number, b: number): boolean {
    const steps = this.plan.steps;
    if (steps[b]!.order.includes(a)) return true;
    const floor = steps[a]!.topo;
    const seen = new Set<number>();
    const stack = [...steps[b]!.order];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === a) return true;
      if (seen.has(x) || steps[x]!.topo < floor) continue;
      seen.add(x);
      stack.push(...steps[x]!.order);
    }
    return false;
  }

  /** The initial context plus the outputs of `writers` (in topological order), by the winner rule. */
  private merge(writers: number[]): Context {
    const out: Context = { ...this.initial };
    const winner = new Map<string, number>();
    for (const a of writers) {
      const o = this.outputs[a];
      if (!o) continue;
      for (const k of Object.keys(o)) {
        const w = winner.get(k);
        if (w === undefined || a > w || this.isAncestor(w, a)) {
          out[k] = o[k];
          winner.set(k, a);
        }
      }
    }
    return out;
  }

  /** The final context of the run: every committed output, by the same rule. */
  finalContext(): Context {
    return this.merge(this.plan.topoOrder);
  }
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
