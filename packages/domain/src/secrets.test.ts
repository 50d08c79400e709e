import { describe, expect, it } from 'vitest';
import { expiryAfterRotation, isSecretLive, rotationGraceEnd, secretState } from './secrets';

const now = new Date('2026-12-01T12:00:00Z');
const hoursFromNow = (hours: number) => new Date(now.getTime() + hours * 3600_000);

describe('secret states', () => {
  it('reads active, expiring, expired and revoked', () => {
    expect(secretState({ expiresAt: null, revokedAt: null }, now)).toBe('active');
    expect(secretState({ expiresAt: hoursFromNow(1) }, now)).toBe('expiring');
    expect(secretState({ expiresAt: now }, now)).toBe('expired');
    expect(secretState({ expiresAt: hoursFromNow(1), revokedAt: hoursFromNow(-1) }, now)).toBe('revoked');
  });

  it('lets only active and expiring secrets authenticate', () => {
    expect(isSecretLive({}, now)).toBe(true);
    expect(isSecretLive({ expiresAt: hoursFromNow(1) }, now)).toBe(true);
    expect(isSecretLive({ expiresAt: hoursFromNow(-1) }, now)).toBe(false);
    expect(isSecretLive({ revokedAt: now }, now)).toBe(false);
  });
});

describe('rotation', () => {
  it('gives live secrets the grace period, never more than they had', () => {
    const graceEnd = rotationGraceEnd(now, 24);
    expect(graceEnd).toEqual(hoursFromNow(24));
    expect(expiryAfterRotation(null, graceEnd)).toEqual(graceEnd);
    expect(expiryAfterRotation(hoursFromNow(48), graceEnd)).toEqual(graceEnd);
    expect(expiryAfterRotation(hoursFromNow(2), graceEnd)).toEqual(hoursFromNow(2));
  });

  it('with no grace, ends them now', () => {
    expect(expiryAfterRotation(null, rotationGraceEnd(now, 0))).toEqual(now);
  });
});
