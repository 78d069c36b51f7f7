// What subworkflow and parallel_subworkflows share: resolving and confining child flow paths, the input
// mapping rules, the nesting-depth limit (DECISIONS 21) and the public view of a child's context
// (DECISIONS 19: `_` keys never reach the parent).
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { defineSetting } from '../../config/settings.js';
import type { Context } from '../../engine/types.js';
import { NodeError } from '../../util/errors.js';
import { isPlainObject } from '../../util/json.js';

export const maxSubworkflowDepth = defineSetting<number>({
  env: 'IRONFLOW_MAX_SUBWORKFLOW_DEPTH',
  kind: 'int',
  min: 1,
  max: 1000,
  default: 32,
  description:
    'Deepest nesting of subworkflow / parallel_subworkflows child runs (the root run is depth 0). ' +
    'A deeper child fails its step with the chain of flow files; recursion is allowed up to this depth.',
});

/**
 * Resolve a child flow path. Absolute paths are used as given. A relative path is resolved against the
 * parent's `_flow_dir` and must stay inside it (lexically: `sub/../x.lua` is fine, `../x.lua` is not;
 * symlinks are followed, not checked). The result must exist and be a regular file.
 */
export async function resolveFlowPath(node: string, flow: string, ctx: Readonly<Context>): Promise<string> {
  let abs: string;
  if (isAbsolute(flow)) abs = resolve(flow);
  else {
    const dir = ctx._flow_dir;
    if (typeof dir !== 'string' || dir === '') {
      throw new NodeError(`${node}: cannot resolve relative path '${flow}' — _flow_dir not set`, {
        retryable: false,
      });
    }
    const base = resolve(dir);
    abs = resolve(base, flow);
    const rel = relative(base, abs);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new NodeError(`${node}: relative path '${flow}' escapes _flow_dir '${base}'`, {
        retryable: false,
      });
    }
  }
  let isFile: boolean;
  try {
    isFile = (await stat(abs)).isFile();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'No such file or directory'
        : err.code === 'EACCES'
          ? 'Permission denied'
          : err.message;
    throw new NodeError(`${node}: cannot find '${abs}': ${why}`, { retryable: false });
  }
  if (!isFile) throw new NodeError(`${node}: '${abs}' is not a regular file`, { retryable: false });
  return abs;
}

/** Show a lineage entry: relative to the root flow's directory when it is inside it, else as given. */
function displayChain(lineage: readonly string[]): string[] {
  const root = lineage[0];
  // An inline root (`<inline>`) has no folder: show absolute paths then.
  const base = root && !root.startsWith('<') ? dirname(resolve(root)) : undefined;
  return lineage.map((f) => {
    if (!base || f.startsWith('<')) return f;
    const rel = relative(base, resolve(f));
    return rel && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel) ? rel : f;
  });
}

/** `a -> b -> b -> b` with repeats folded: `a -> b x3`, `a -> (b -> c) x4 -> b` (cycles up to 8 files). */
export function formatChain(files: readonly string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < files.length) {
    let folded = false;
    for (let p = 1; p <= 8 && i + 2 * p <= files.length; p++) {
      let reps = 1;
      while (
        i + (reps + 1) * p <= files.length &&
        files.slice(i + reps * p, i + (reps + 1) * p).every((f, k) => f === files[i + k])
      ) {
        reps++;
      }
      if (reps >= 2) {
        parts.push(p === 1 ? `${files[i]} x${reps}` : `(${files.slice(i, i + p).join(' -> ')}) x${reps}`);
        i += reps * p;
        folded = true;
        break;
      }
    }
    if (!folded) parts.push(files[i++]!);
  }
  return parts.join(' -> ');
}

/** The chain of flow files for messages, naming the first file that calls itself (directly or in a loop). */
export function describeLineage(lineage: readonly string[]): string {
  const shown = displayChain(lineage);
  const keys = lineage.map((f) => (f.startsWith('<') ? f : resolve(f)));
  let loop: string | undefined;
  const seen = new Map<string, number>();
  for (let j = 0; j < keys.length && loop === undefined; j++) {
    const i = seen.get(keys[j]!);
    if (i !== undefined) loop = shown[i];
    else seen.set(keys[j]!, j);
  }
  const chain = formatChain(shown);
  return loop === undefined ? chain : `${chain} (flow '${loop}' calls itself in a loop)`;
}

/**
 * The nesting-depth limit: a child of a run whose lineage has n files runs at depth n. Fails (not retried)
 * with the depth, the limit and the chain of flow files when the child would be deeper than the limit.
 */
export function checkDepth(node: string, parentLineage: readonly string[], childPath: string): void {
  const depth = parentLineage.length;
  const max = maxSubworkflowDepth.get();
  if (depth <= max) return;
  throw new NodeError(
    `${node}: nesting depth ${depth} exceeds the limit of ${max} (${maxSubworkflowDepth.env}); ` +
      `chain of flow files: ${describeLineage([...parentLineage, childPath])}`,
    { retryable: false },
  );
}

/**
 * subworkflow's input rule (NODES 18.2): a string value names a parent key whose value is copied (the key is
 * left out when the parent has none); any other value is a literal.
 */
export function mapInputStrict(input: Record<string, unknown>, ctx: Readonly<Context>): Context {
  const out: Context = {};
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === 'string') {
      if (Object.hasOwn(ctx, v)) out[k] = ctx[v];
    } else out[k] = v;
  }
  return out;
}

/**
 * parallel_subworkflows' input rule (NODES 20.1): a string naming a parent key copies its value, any other
 * string is itself the value, non-strings are literals.
 */
export function mapInputLenient(input: Record<string, unknown>, ctx: Readonly<Context>): Context {
  const out: Context = {};
  for (const [k, v] of Object.entries(input)) {
    out[k] = typeof v === 'string' && Object.hasOwn(ctx, v) ? ctx[v] : v;
  }
  return out;
}

/** The mapping object of an `input` parameter: an empty Lua table arrives as `{}` or `[]`. */
export function inputObject(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v) && v.length === 0) return {};
  return isPlainObject(v) ? v : undefined;
}

/** A child context's keys not starting with `_` (DECISIONS 19). */
export function publicContext(ctx: Readonly<Context>): Context {
  const out: Context = {};
  for (const k of Object.keys(ctx)) if (!k.startsWith('_')) out[k] = ctx[k];
  return out;
}

/** The child's initial context: the mapping (or a copy of the parent's view) plus its own `_flow_dir`. */
export function childContext(base: Context, path: string): Context {
  base._flow_dir = dirname(path);
  return base;
}
