// Object helpers shared by the data nodes: keys come from user data (CSV headers, mappings), so a key such
// as `__proto__` must become an ordinary own property instead of changing the object's prototype.

/** Set `obj[key] = value` as an own, enumerable property, whatever the key. */
export function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Own-property lookup (never reaches the prototype: `toString` is not a field of `{}`). */
export function hasField(obj: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(obj, key);
}
