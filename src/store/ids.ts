// Run id validation at the store boundary (CORE 6.2, IF-014). Exported for the CLI and the API, which check
// ids before they reach a store; every store checks them again before touching its backend.
import { StoreError } from '../util/errors.js';

/** 1-128 ASCII bytes of letters, digits, `-` and `_`; the first and the last byte alphanumeric. */
const RUN_ID = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,126}[A-Za-z0-9])?$/;

export const MAX_RUN_ID_BYTES = 128;

/** Whether `id` is an acceptable run id (no trimming, no normalisation). */
export function isValidRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID.test(id);
}

/** A short, printable form of a rejected id for error messages (never the raw bytes of a huge value). */
export function describeId(id: unknown): string {
  if (typeof id !== 'string') return `<${id === null ? 'null' : typeof id}>`;
  const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
  return JSON.stringify(shown);
}

/** Throw StoreError('invalid_input') unless `id` is a valid run id; returns it typed. */
export function assertRunId(id: unknown, what = 'run id'): string {
  if (isValidRunId(id)) return id;
  throw new StoreError(
    'invalid_input',
    `Invalid ${what} ${describeId(id)}: use 1-${MAX_RUN_ID_BYTES} letters, digits, '-' or '_', starting and ending with a letter or digit`,
  );
}
