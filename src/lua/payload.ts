// Function handlers travel as signed payloads (CORE 5.3, IF-035): only what this process produced is ever
// loaded as bytecode. The key is random per process and handed to our own worker threads.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

let key: Buffer = randomBytes(32);

export function payloadKey(): Buffer {
  return key;
}

/** Worker threads use the key of the process that started them. */
export function setPayloadKey(k: Uint8Array): void {
  key = Buffer.from(k);
}

function mac(body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

export function signPayload(json: string): string {
  const body = Buffer.from(json, 'utf8').toString('base64');
  return `v1.${mac(body)}.${body}`;
}

export class PayloadRefused extends Error {}

/** The JSON inside a payload, or PayloadRefused when it was not produced by this process. */
export function openPayload(payload: string): string {
  const parts = payload.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') {
    throw new PayloadRefused(
      'Failed to load function: refusing a handler payload that this process did not produce',
    );
  }
  const want = Buffer.from(mac(parts[2]!));
  const got = Buffer.from(parts[1]!);
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    throw new PayloadRefused(
      'Failed to load function: refusing a handler payload that this process did not produce',
    );
  }
  return Buffer.from(parts[2]!, 'base64').toString('utf8');
}

/** The HMAC part, used as a cache key for a payload. */
export function payloadId(payload: string): string {
  const a = payload.indexOf('.');
  const b = payload.indexOf('.', a + 1);
  return payload.slice(a + 1, b);
}
