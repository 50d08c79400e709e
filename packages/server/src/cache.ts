import { LRUCache } from 'lru-cache';

/**
 * How often lru-cache reads the clock for entries that live minutes. Its default (1 ms) sets a timer each
 * millisecond a cache is read, which the hot paths would pay for.
 */
export const TTL_RESOLUTION_MS = 1000;

/**
 * A read-through cache on lru-cache's `fetch`: concurrent misses for one key
 * share one load, a failed load is not kept, the least recently used entries
 * go first past `max`, and "nothing found" (null) is cached like any value.
 * Each entry lives a random time between half of `ttlMs` and all of it, so
 * that entries loaded together (after a start or a change) are not all
 * reloaded in the same moment. `clear()` while a load is under way hands its
 * result to whoever waits for it but does not keep it: it may predate the
 * change that cleared the cache.
 */
export class ReadThroughCache<K extends {}, V> {
  private readonly entries: LRUCache<K, { value: V }, () => Promise<V>>;

  constructor(ttlMs: number, max: number) {
    this.entries = new LRUCache<K, { value: V }, () => Promise<V>>({
      max,
      ttl: ttlMs,
      ttlResolution: TTL_RESOLUTION_MS,
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { options, context: load }) => {
        options.ttl = ttlMs * (0.5 + Math.random() / 2);
        return { value: await load() };
      },
    });
  }

  /** The cached value of `key` if there is one, without loading it: a hot path's synchronous hit. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** The cached value of `key`, or what `load` finds (the load runs once however many wait for it). */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    // Without a signal or forceRefresh, fetch settles with an entry or rejects: never undefined.
    return ((await this.entries.fetch(key, { context: load })) as { value: V }).value;
  }

  clear(): void {
    this.entries.clear();
  }
}
