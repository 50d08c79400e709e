import { LRUCache } from 'lru-cache';

/**
 * How often lru-cache reads the clock for entries that live minutes. Its default (1 ms) sets a timer each
 * millisecond a cache is read, which the hot paths would pay for.
 */
export const TTL_RESOLUTION_MS = 1000;

/** lru-cache's options other than its bound, which `lruCache` sets. */
export type LruOptions<K extends {}, V extends {}> = Omit<
  LRUCache.OptionsBase<K, V, unknown>,
  'max' | 'maxSize' | 'sizeCalculation' | 'maxEntrySize'
>;

/**
 * An LRU cache of at most `entries` entries that takes memory as it fills. lru-cache's `max` sets storage
 * aside for every entry when the cache is made (28 bytes an entry, 44 with a `ttl`): caches of 100,000
 * entries took 4 MB each of every instance's heap before its first request, whatever it served, and V8 lets
 * a heap grow in proportion to what it holds. Each entry counted as 1 against `maxSize` bounds the number of
 * entries the same way, the least recently used going first.
 */
export function lruCache<K extends {}, V extends {}>(entries: number, options: LruOptions<K, V> = {}) {
  return new LRUCache<K, V>({ ...options, maxSize: entries, sizeCalculation: () => 1 });
}

/**
 * A read-through cache: concurrent misses for one key share one load, a
 * failed load is not kept, the least recently used entries go first past
 * `max` (room is taken as entries come: `lruCache`), and "nothing found"
 * (null) is cached like any value. Each entry lives a random time between
 * half of `ttlMs` and all of it, so that entries loaded together (after a
 * start) are not all reloaded in the same moment.
 * A load under way when its entry is dropped hands its result to whoever
 * waits for it but does not keep it: it may predate the change that dropped
 * the entry. Counts its hits and misses for the metrics.
 */
export class ReadThroughCache<K extends {}, V> {
  hits = 0;
  misses = 0;
  private readonly entries: LRUCache<K, { value: V }>;
  /** Loads under way; dropping an entry forgets its load here too, so that its result is not kept. */
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    max: number,
  ) {
    this.entries = lruCache<K, { value: V }>(max, { ttl: ttlMs, ttlResolution: TTL_RESOLUTION_MS });
  }

  /** The cached value of `key` if there is one, uncounted: whether a value seen earlier is still the one cached. */
  held(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** The cached value of `key` if there is one, without loading it: a hot path's synchronous hit. */
  peek(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.hits++;
    return entry.value;
  }

  /** The cached value of `key`, or what `load` finds (the load runs once however many wait for it). */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.hits++;
      return Promise.resolve(entry.value);
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    this.misses++;
    const loaded = load().then(
      (value) => {
        // Not kept if its entry was dropped meanwhile: the value may predate the change.
        if (this.loading.get(key) === loaded) {
          this.loading.delete(key);
          this.entries.set(key, { value }, { ttl: this.ttlMs * (0.5 + Math.random() / 2) });
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  /** Drops `key`: the next read loads it afresh. */
  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  /** Drops every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void {
    const doomed: K[] = [];
    for (const [key, entry] of this.entries.entries()) if (matches(entry.value)) doomed.push(key);
    for (const key of doomed) this.entries.delete(key);
    this.loading.clear();
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }
}
