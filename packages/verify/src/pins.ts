/** Enough tokens for the callers of a busy resource server; the oldest go first. */
const MAX_PINS = 10_000;

/**
 * The app key each token was first asked about with. A client sends its token with its own app key, every
 * time; the same token with another key is refused here without asking Gatehouse: one good token sent with
 * many made-up keys costs Gatehouse one question, not one per key, even when they all come at once.
 */
export class KeyPins {
  private readonly pins = new Map<string, string>();

  /** Whether the token `jti` may be asked about with `appKey`: no key pinned yet, or this one. */
  allows(jti: string, appKey: string): boolean {
    const pinned = this.pins.get(jti);
    return pinned === undefined || pinned === appKey;
  }

  /**
   * Pins the key a token is about to be asked about with, before the question goes out, so concurrent calls
   * with other keys are refused rather than all asked about while the first is in flight. The first key
   * stays; true when this call pinned it.
   */
  pin(jti: string, appKey: string): boolean {
    if (this.pins.has(jti)) return false;
    if (this.pins.size >= MAX_PINS) {
      const oldest = this.pins.keys().next();
      if (!oldest.done) this.pins.delete(oldest.value);
    }
    this.pins.set(jti, appKey);
    return true;
  }

  /** Drops a pin whose question got no answer: Gatehouse said nothing about the key, so it proves nothing yet. */
  unpin(jti: string, appKey: string): void {
    if (this.pins.get(jti) === appKey) this.pins.delete(jti);
  }
}
