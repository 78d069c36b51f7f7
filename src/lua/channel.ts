// The lane between the main thread and one Lua worker: a SharedArrayBuffer with a few control words and a
// data area, and futex-style waits (Atomics.wait / notify). A job, a context request, its answer and the
// reply take turns in the data area as JSON; a message too large for it, or with no JSON form, goes
// through a MessagePort and is picked up synchronously. Measured here, postMessage round trips cost
// 60-150 µs each on a busy 2-core machine, and a Lua handler step has a 100 µs budget in all.
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** Control words (Int32 indexes). */
export const JOB = 0; // sequence number of the last job the main thread posted
export const EVT = 1; // sequence number of the last event the worker posted (a reply or a ctx request)
export const KIND = 2; // kind of that event
export const ANSWER = 3; // sequence number of the last ctx answer the main thread posted
export const LEN = 4; // byte length of the message in the data area, or VIA_PORT / JSON_VIA_PORT

/** LEN values for a message that went through the port: as a structured clone, or as its JSON text. */
const VIA_PORT = -1;
const JSON_VIA_PORT = -2;

export const EVT_REPLY = 1;
export const EVT_CTX = 2;

const HEADER = 64;

/**
 * Busy-wait up to `ms` for `ctrl[index]` to differ from `seen`; true if it did. Waking a thread that sleeps
 * in Atomics.wait costs 40-80 µs in this kind of VM, more than a short Lua handler runs, so each side
 * spins briefly where the other side's answer is usually that close, and sleeps only after.
 */
export function spinUntilChanged(ctrl: Int32Array, index: number, seen: number, ms: number): boolean {
  const end = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < 64; i++) if (Atomics.load(ctrl, index) !== seen) return true;
    if (performance.now() >= end) return false;
  }
}

export class Lane {
  readonly ctrl: Int32Array;
  private readonly data: Buffer;

  constructor(
    readonly sab: SharedArrayBuffer,
    private readonly port: MessagePort,
  ) {
    this.ctrl = new Int32Array(sab, 0, HEADER / 4);
    this.data = Buffer.from(sab, HEADER);
  }

  static create(bytes: number): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER + bytes);
  }

  /** Put a message in the data area (or through the port when it does not fit or is not JSON). */
  write(msg: unknown): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(msg);
    } catch {
      text = undefined;
    }
    if (text !== undefined && text.length * 3 <= this.data.length) {
      const n = this.data.write(text, 0, 'utf8');
      Atomics.store(this.ctrl, LEN, n);
      return;
    }
    if (text !== undefined && Buffer.byteLength(text) <= this.data.length) {
      Atomics.store(this.ctrl, LEN, this.data.write(text, 0, 'utf8'));
      return;
    }
    // A large message travels as its JSON text: one string copy and a JSON.parse cost about a third of a
    // structured clone of the same object graph (measured on a 1 MB array of 8,500 objects).
    if (text !== undefined) {
      this.port.postMessage(text);
      Atomics.store(this.ctrl, LEN, JSON_VIA_PORT);
      return;
    }
    this.port.postMessage(msg);
    Atomics.store(this.ctrl, LEN, VIA_PORT);
  }

  /** Take the message the other side wrote. */
  read(): unknown {
    const n = Atomics.load(this.ctrl, LEN);
    if (n < 0) {
      const m = receiveMessageOnPort(this.port);
      if (!m) throw new Error('Lua channel: message missing from port');
      return n === JSON_VIA_PORT ? JSON.parse(m.message as string) : m.message;
    }
    return JSON.parse(this.data.utf8Slice(0, n));
  }
}
