/**
 * A map that keeps its `capacity` most recently used entries: the engine's module-level caches
 * (shell lookups, file-command folders, git facts) live as long as a runner, which sees an
 * unbounded number of PATHs, job folders and workspaces.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value, marked as the most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores the value as the most recently used, dropping the least recently used beyond capacity. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  /** The entries, least recently used first (as `set` in that order rebuilds the map). */
  entries(): [K, V][] {
    return [...this.map];
  }
}
