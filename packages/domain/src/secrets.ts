/** What the admin reads about a client secret: working, working until its grace ends, past it, or revoked. */
export const SECRET_STATES = ['active', 'expiring', 'expired', 'revoked'] as const;
export type SecretState = (typeof SECRET_STATES)[number];

interface SecretLifetime {
  readonly expiresAt?: Date | null | undefined;
  readonly revokedAt?: Date | null | undefined;
}

export function secretState(secret: SecretLifetime, now = new Date()): SecretState {
  if (secret.revokedAt) return 'revoked';
  if (secret.expiresAt && secret.expiresAt <= now) return 'expired';
  return secret.expiresAt ? 'expiring' : 'active';
}

/** A secret in this state authenticates its client: it is neither revoked nor past its expiry. */
export function isLiveSecretState(state: SecretState): boolean {
  return state === 'active' || state === 'expiring';
}

export function isSecretLive(secret: SecretLifetime, now = new Date()): boolean {
  return isLiveSecretState(secretState(secret, now));
}

/** When a rotation's grace period ends: `graceHours` from `now`. */
export function rotationGraceEnd(now: Date, graceHours: number): Date {
  return new Date(now.getTime() + graceHours * 3600_000);
}

/**
 * A live secret's expiry after a rotation: it works until the grace period
 * ends at most, and an earlier end it already had stays (a rotation never
 * lengthens a secret's life).
 */
export function expiryAfterRotation(current: Date | null | undefined, graceEnd: Date): Date {
  return current && current <= graceEnd ? current : graceEnd;
}
