// Process-wide resources for nodes (connection pools, the memory cache): created once per key, shared by
// every step and run, closed together at shutdown.
import type { Resources } from '../nodes/types.js';

export class ResourcePool implements Resources {
  private readonly items = new Map<
    string,
    { value: Promise<unknown>; close?: (v: unknown) => void | Promise<void> }
  >();

  get<T>(key: string, create: () => T | Promise<T>, close?: (value: T) => void | Promise<void>): Promise<T> {
    let item = this.items.get(key);
    if (!item) {
      const value = Promise.resolve().then(create);
      item = { value, close: close as ((v: unknown) => void | Promise<void>) | undefined };
      this.items.set(key, item);
      // A failed creation is not cached: the next step tries again.
      value.catch(() => {
        if (this.items.get(key) === item) this.items.delete(key);
      });
    }
    return item.value as Promise<T>;
  }

  async closeAll(): Promise<void> {
    const all = [...this.items.values()];
    this.items.clear();
    await Promise.allSettled(
      all.map(async (i) => {
        const v = await i.value;
        await i.close?.(v);
      }),
    );
  }
}

/** The resources of this process. */
export const processResources = new ResourcePool();
