// Idempotency-Key on run and webhook requests: a repeated key returns the original response instead of
// starting a second run. Kept in memory, per server process (a restart or a second replica forgets),
// bounded in count and age. A duplicate that arrives while the original is still running waits for it;
// the same key with a different request is 422.
import { badRequest } from './errors.js';

export interface StoredResponse {
  status: number;
  body: Record<string, unknown>;
}

interface Entry {
  fingerprint: string;
  expires: number;
  response?: StoredResponse;
  pending?: Promise<StoredResponse>;
}

export type Claim =
  | { kind: 'new'; done(r: StoredResponse, keep: boolean): void; failed(e: unknown): void }
  | { kind: 'replay'; response: Promise<StoredResponse> }
  | { kind: 'mismatch' };

const KEY = /^[\x21-\x7e]{1,255}$/;

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Validate an Idempotency-Key header value (1-255 visible ASCII characters). */
  static parse(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    if (Array.isArray(header) || !KEY.test(header)) {
      throw badRequest('Invalid Idempotency-Key header: use one value of 1-255 visible ASCII characters');
    }
    return header;
  }

  /** Claim `key` within `scope` (the route) for a request whose content hashes to `fingerprint`. */
  claim(scope: string, key: string, fingerprint: string): Claim {
    const now = Date.now();
    this.expire(now);
    const id = `${scope}\n${key}`;
    const found = this.entries.get(id);
    if (found && found.expires > now) {
      if (found.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (found.response) return { kind: 'replay', response: Promise.resolve(found.response) };
      if (found.pending) return { kind: 'replay', response: found.pending };
    }
    let settle!: (r: StoredResponse) => void;
    let reject!: (e: unknown) => void;
    const pending = new Promise<StoredResponse>((res, rej) => {
      settle = res;
      reject = rej;
    });
    pending.catch(() => {});
    const entry: Entry = { fingerprint, expires: now + this.ttlMs, pending };
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return {
      kind: 'new',
      done: (r, keep) => {
        entry.pending = undefined;
        if (keep) entry.response = r;
        else if (this.entries.get(id) === entry) this.entries.delete(id);
        settle(r);
      },
      failed: (e) => {
        entry.pending = undefined;
        if (this.entries.get(id) === entry) this.entries.delete(id);
        reject(e);
      },
    };
  }

  /** Drop expired entries (oldest first; insertion order is expiry order). */
  private expire(now: number): void {
    for (const [id, e] of this.entries) {
      if (e.expires > now) break;
      if (!e.pending) this.entries.delete(id);
      else break;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
