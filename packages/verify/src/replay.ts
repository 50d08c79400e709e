/** Assertions remembered by default: a minute's calls at well over a thousand a second. */
export const DEFAULT_REPLAY_ENTRIES = 100_000;

/**
 * The assertions (by `jti`) an upstream took, each until it expires: one that comes again within its life
 * was captured on the way and is sent anew. Bounded: beyond `maxEntries` live assertions, the oldest are
 * forgotten before they expire. Assertions arrive about in the order they expire (Gatehouse gives each the
 * same life), so the ended ones sit at the front and go as new ones come in.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = DEFAULT_REPLAY_ENTRIES) {}

  /** Takes `jti` until `expiresAt` (epoch ms); false when it was taken already and has not expired. */
  firstUse(jti: string, expiresAt: number, now = Date.now()): boolean {
    const until = this.seen.get(jti);
    if (until !== undefined && until > now) return false;
    this.seen.delete(jti);
    for (const [oldest, ends] of this.seen) {
      if (ends > now && this.seen.size < this.maxEntries) break;
      this.seen.delete(oldest);
    }
    this.seen.set(jti, expiresAt);
    return true;
  }
}
