// One family of errors with stable codes. Every catch goes through coerceError; the CLI and the API each
// have one place that turns these into messages and responses.

export type ErrorCode =
  | 'flow_load'
  | 'validation'
  | 'node'
  | 'timeout'
  | 'cancelled'
  | 'store'
  | 'not_found'
  | 'invalid_input'
  | 'config'
  | 'internal';

export class IronflowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'IronflowError';
  }
}

/** A flow file that cannot be read or evaluated (missing file, Lua syntax error, no returned flow). */
export class FlowLoadError extends IronflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('flow_load', message, options);
    this.name = 'FlowLoadError';
  }
}

export interface ValidationIssue {
  message: string;
  step?: string;
  /** JSON-style path of the parameter inside the step's config, e.g. `$.headers.Authorization`. */
  path?: string;
}

/** A flow that loaded but breaks a rule; lists every issue found. */
export class ValidationError extends IronflowError {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    super('validation', `${issues.length} validation error(s) found`);
    this.issues = issues;
    this.name = 'ValidationError';
  }
}

/**
 * A node failed. `output` is structured output the failing attempt still produced (e.g. shell_command's
 * stdout/stderr/exit code): it is committed like a success output and shown to on_error handlers.
 */
export class NodeError extends IronflowError {
  readonly output?: Record<string, unknown>;
  readonly retryable: boolean;
  constructor(
    message: string,
    options?: { output?: Record<string, unknown>; retryable?: boolean; cause?: unknown },
  ) {
    super('node', message, options);
    this.output = options?.output;
    this.retryable = options?.retryable ?? true;
    this.name = 'NodeError';
  }
}

export class TimeoutError extends IronflowError {
  constructor(message: string) {
    super('timeout', message);
    this.name = 'TimeoutError';
  }
}

export class CancelledError extends IronflowError {
  constructor(message = 'cancelled') {
    super('cancelled', message);
    this.name = 'CancelledError';
  }
}

export type StoreErrorKind = 'not_found' | 'invalid_input' | 'backend' | 'corruption' | 'conflict';

export class StoreError extends IronflowError {
  readonly kind: StoreErrorKind;
  constructor(kind: StoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(
      kind === 'not_found' ? 'not_found' : kind === 'invalid_input' ? 'invalid_input' : 'store',
      message,
      options,
    );
    this.kind = kind;
    this.name = 'StoreError';
  }
}

export class ConfigError extends IronflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

/** Turn anything thrown into an Error, keeping IronflowErrors as they are. */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  if (typeof e === 'string') return new Error(e);
  try {
    return new Error(JSON.stringify(e));
  } catch {
    return new Error(String(e));
  }
}

/** The message chain of an error, joined by ": " (CORE 4.5 and 7). */
export function errorChain(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur !== undefined && cur !== null && i < 10; i++) {
    const err = coerceError(cur);
    if (err.message && !parts.some((p) => p.includes(err.message))) parts.push(err.message);
    cur = (err as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}
