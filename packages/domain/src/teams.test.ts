import { describe, expect, it } from 'vitest';
import { INVITATION_TTL_HOURS, invitationExpiry, leavesNoAdmin, leavesNoOwner } from './teams';

describe('teams', () => {
  it('an invitation works for its hours from when it was sent', () => {
    const sent = new Date('2026-12-01T10:00:00Z');
    expect(invitationExpiry(sent).getTime() - sent.getTime()).toBe(INVITATION_TTL_HOURS * 3600_000);
  });

  it('an organization keeps an Owner', () => {
    expect(leavesNoOwner('owner', 1)).toBe(true);
    expect(leavesNoOwner('owner', 2)).toBe(false);
    expect(leavesNoOwner('developer', 1)).toBe(false);
  });

  it('a tenant keeps an admin', () => {
    expect(leavesNoAdmin(1)).toBe(true);
    expect(leavesNoAdmin(2)).toBe(false);
  });
});
