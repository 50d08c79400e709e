import { describe, expect, it } from 'vitest';
import { isVisibleToTenant } from './connection';
import {
  identityAfterEdit,
  listedIdentityOnApproval,
  listedIdentityOnCreate,
  type ReviewState,
  tenantFacingIdentity,
  wasApproved,
} from './review';

const approved: ReviewState = {
  kind: 'public',
  reviewStatus: 'approved',
  listedName: 'Fleet Tracker',
  listedHomePageUrl: 'https://fleet.example',
  firstApprovedAt: new Date('2026-11-30T10:00:00Z'),
};
const same = { name: 'Fleet Tracker', homePageUrl: 'https://fleet.example' };

describe('what tenants see of an app', () => {
  it('a private app is listed as created; a public one only once approved', () => {
    expect(listedIdentityOnCreate('private', same)).toEqual({
      listedName: 'Fleet Tracker',
      listedHomePageUrl: 'https://fleet.example',
    });
    expect(listedIdentityOnCreate('public', same)).toEqual({ listedName: null, listedHomePageUrl: null });
    expect(listedIdentityOnApproval({ name: 'Fleet Tracker 2', homePageUrl: 'https://two.example' })).toEqual(
      { listedName: 'Fleet Tracker 2', listedHomePageUrl: 'https://two.example' },
    );
  });

  it('renaming an approved public app goes back to review; tenants keep the approved identity', () => {
    for (const edit of [
      { ...same, name: 'Fleet Tracker Pro' },
      { ...same, homePageUrl: 'https://elsewhere.example' },
    ]) {
      expect(identityAfterEdit(approved, { ...edit, kind: 'public' })).toEqual({
        reviewStatus: 'pending',
        consequence: 'entered_review',
        listedName: 'Fleet Tracker',
        listedHomePageUrl: 'https://fleet.example',
      });
    }
  });

  it('an edit that keeps the identity needs no review', () => {
    expect(identityAfterEdit(approved, { ...same, kind: 'public' })).toMatchObject({
      reviewStatus: 'approved',
      consequence: 'none',
    });
  });

  it('editing back to the listed identity withdraws a waiting or rejected change', () => {
    for (const reviewStatus of ['pending', 'rejected'] as const) {
      expect(identityAfterEdit({ ...approved, reviewStatus }, { ...same, kind: 'public' })).toEqual({
        reviewStatus: 'approved',
        consequence: 'identity_change_withdrawn',
        listedName: 'Fleet Tracker',
        listedHomePageUrl: 'https://fleet.example',
      });
    }
  });

  it('a waiting change stays waiting through further edits; a rejected one stays rejected until resubmitted', () => {
    expect(
      identityAfterEdit({ ...approved, reviewStatus: 'pending' }, { ...same, name: 'Other', kind: 'public' }),
    ).toMatchObject({ reviewStatus: 'pending', consequence: 'none', listedName: 'Fleet Tracker' });
    expect(
      identityAfterEdit(
        { ...approved, reviewStatus: 'rejected' },
        { ...same, name: 'Other', kind: 'public' },
      ),
    ).toMatchObject({ reviewStatus: 'rejected', consequence: 'none', listedName: 'Fleet Tracker' });
  });

  it('an approved app turned private still cannot change its identity without review', () => {
    const turned = identityAfterEdit(approved, { ...same, kind: 'private' });
    expect(turned).toMatchObject({ reviewStatus: 'approved', listedName: 'Fleet Tracker' });
    const renamed = identityAfterEdit(
      { ...approved, kind: 'private' },
      { ...same, name: 'Fleet Tracker Pro', kind: 'private' },
    );
    expect(renamed).toMatchObject({
      reviewStatus: 'pending',
      consequence: 'entered_review',
      listedName: 'Fleet Tracker',
    });
  });

  it('a never-approved private app shows every edit at once', () => {
    const privateApp: ReviewState = {
      kind: 'private',
      reviewStatus: 'not_required',
      listedName: 'Old',
      listedHomePageUrl: 'https://old.example',
      firstApprovedAt: null,
    };
    expect(wasApproved(privateApp)).toBe(false);
    expect(identityAfterEdit(privateApp, { ...same, kind: 'private' })).toEqual({
      reviewStatus: 'not_required',
      consequence: 'none',
      listedName: 'Fleet Tracker',
      listedHomePageUrl: 'https://fleet.example',
    });
  });

  it('a never-approved private app turned public keeps what its tenants saw and hides from new tenants until approved', () => {
    const privateApp: ReviewState = {
      kind: 'private',
      reviewStatus: 'not_required',
      listedName: 'Old',
      listedHomePageUrl: 'https://old.example',
      firstApprovedAt: null,
    };
    const outcome = identityAfterEdit(privateApp, { ...same, kind: 'public' });
    expect(outcome).toEqual({
      reviewStatus: 'pending',
      consequence: 'entered_review',
      listedName: 'Old',
      listedHomePageUrl: 'https://old.example',
    });
    const turned = { ...privateApp, ...outcome, kind: 'public' as const };
    expect(wasApproved(turned)).toBe(false);
    expect(isVisibleToTenant({ ...turned, deletedAt: null }, true)).toBe(false);
    // Further renames while waiting stay unseen by the tenants already connected.
    const renamed = identityAfterEdit(turned, {
      name: 'Renamed Again',
      homePageUrl: 'https://evil.example',
      kind: 'public',
    });
    expect(renamed).toMatchObject({
      reviewStatus: 'pending',
      consequence: 'none',
      listedName: 'Old',
      listedHomePageUrl: 'https://old.example',
    });
    expect(
      tenantFacingIdentity({ name: 'Renamed Again', homePageUrl: 'https://evil.example', ...renamed }),
    ).toEqual({ name: 'Old', homePageUrl: 'https://old.example' });
  });

  it('a waiting public app turned private leaves review and is shown as it is', () => {
    const waiting: ReviewState = {
      kind: 'public',
      reviewStatus: 'pending',
      listedName: null,
      listedHomePageUrl: null,
      firstApprovedAt: null,
    };
    expect(identityAfterEdit(waiting, { ...same, kind: 'private' })).toEqual({
      reviewStatus: 'not_required',
      consequence: 'left_review',
      listedName: 'Fleet Tracker',
      listedHomePageUrl: 'https://fleet.example',
    });
  });

  it('tenants see the listed identity, never the developer’s unreviewed edit', () => {
    expect(
      tenantFacingIdentity({
        name: 'Fleet Tracker Pro',
        homePageUrl: 'https://evil.example',
        listedName: 'Fleet Tracker',
        listedHomePageUrl: 'https://fleet.example',
      }),
    ).toEqual(same);
  });
});

describe('isVisibleToTenant', () => {
  it('needs the tenant listed, the app alive, and the app private or approved once', () => {
    const never = { kind: 'public' as const, firstApprovedAt: null, deletedAt: null };
    const once = { ...never, firstApprovedAt: new Date() };
    expect(isVisibleToTenant(once, true)).toBe(true);
    expect(isVisibleToTenant({ ...once, kind: 'private' }, true)).toBe(true);
    expect(isVisibleToTenant({ ...never, kind: 'private' }, true)).toBe(true);
    expect(isVisibleToTenant(once, false)).toBe(false);
    expect(isVisibleToTenant({ ...once, deletedAt: new Date() }, true)).toBe(false);
    expect(isVisibleToTenant(never, true)).toBe(false);
  });
});
