// Declarations the standard libs we compile against lack.

declare global {
  namespace WebAssembly {
    interface Memory {
      readonly buffer: ArrayBuffer;
    }
    interface Instance {
      readonly exports: Record<string, unknown>;
    }
    function instantiate(...args: unknown[]): Promise<unknown>;
  }
  interface Buffer {
    /** Node's fast UTF-8 decode of a byte range (undocumented but stable since Node 0.x). */
    utf8Slice(start: number, end: number): string;
  }
}

export {};
