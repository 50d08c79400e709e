/**
 * A small read-through cache: entries live at most `ttlMs`, concurrent misses
 * for one key share one load, and the oldest entries go first past
 * `maxEntries`. Each entry lives a random time between half of `ttlMs` and
 * all of it, so that entries loaded together (after a restart or a change)
 * are not all reloaded in the same moment.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; expiresAt: number; settled?: { value: V } }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /**
   * The cached value itself once its load has finished (no promise, no
   * microtask: the hot paths stay synchronous on a hit); otherwise the load.
   */
  get(key: K, load: (key: K) => Promise<V>, now = Date.now()): V | Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.settled ? hit.settled.value : hit.value;
    const value = load(key);
    const entry: { value: Promise<V>; expiresAt: number; settled?: { value: V } } = {
      value,
      expiresAt: now + this.ttlMs * (0.5 + Math.random() / 2),
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.then(
      (settled) => {
        entry.settled = { value: settled };
      },
      // A failed load must not be cached.
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
