/**
 * Reads and writes of keys a client chose (trait keys, event names) as plain own properties.
 * `obj[key]` would reach Object.prototype for keys like `constructor` and `__proto__`, and
 * assigning `__proto__` would change the object's prototype instead of storing a value.
 */
export function getOwn<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function setOwn<V>(record: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(record, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
