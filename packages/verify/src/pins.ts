/** Enough tokens for the callers of a busy resource server; the oldest go first. */
const MAX_PINS = 10_000;

/**
 * The app key each token was first asked about with. A client sends its token with its own app key, every
 * time; the same token with another key is refused here without asking Gatehouse. Gatehouse counts an
 * unknown app key against the address that asks about it (this resource server's), and holds back an
 * address that keeps failing: pinned, one good token sent with made-up keys costs one question, not one
 * per key, and cannot get the resource server held back for everyone.
 */
export class KeyPins {
  private readonly pins = new Map<string, string>();

  /** Whether the token `jti` may be asked about with `appKey`: no key pinned yet, or this one. */
  allows(jti: string, appKey: string): boolean {
    const pinned = this.pins.get(jti);
    return pinned === undefined || pinned === appKey;
  }

  /** Pins the key a token was asked about with, once Gatehouse answered: the first one stays. */
  pin(jti: string, appKey: string): void {
    if (this.pins.has(jti)) return;
    if (this.pins.size >= MAX_PINS) {
      const oldest = this.pins.keys().next();
      if (!oldest.done) this.pins.delete(oldest.value);
    }
    this.pins.set(jti, appKey);
  }
}
