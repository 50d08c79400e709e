import { INVITATIONS_PER_SCOPE_PER_HOUR } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  cookieJar,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { listen } from '#test/http-client';
import { hashPassword } from '../../auth/secrets';
import { startSession } from '../../auth/sessions';
import { createContextInner } from '../../context';
import { AuditEvent, Invitation, Session, TenantAdmin, User } from '../../db/entities';
import { createCaller } from '../../root';

const PASSWORD = 'correct horse battery staple';
const LINK_INVALID = 'This invitation is not valid any more. Ask whoever invited you for a new one.';
const REVIEWER_REFUSED =
  'Reviewer accounts cannot join an organization or administer a tenant: reviewers stay independent of the apps they review.';
const TENANT = '985798691'; // ADMIN's
const TENANT2 = '100200300'; // ADMIN2's

describe.each(dialects)('invitations that must not work on %s', (dialect) => {
  let t: TestDatabase;
  let owner: Caller;
  let admin: Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    owner = await t.as(DEV);
    admin = await t.as(ADMIN);
  });
  afterAll(async () => t?.close());

  async function state() {
    const em = t.db.em();
    return {
      invitations: (await em.find(Invitation, {}, { orderBy: { id: 'asc' } })).map((i) => [
        i.id,
        i.acceptedAt?.getTime() ?? null,
        i.revokedAt?.getTime() ?? null,
      ]),
      users: (await em.find(User, {}, { orderBy: { id: 'asc' } })).map((u) => [
        u.email,
        u.organization?.id ?? null,
        u.orgRole ?? null,
      ]),
      grants: await em.count(TenantAdmin, {}),
      sessions: await em.count(Session, {}),
      audit: await em.count(AuditEvent, {}),
    };
  }
  const userOf = (email: string) => t.db.em().findOneOrFail(User, { email });
  const auditOf = (action: string) => t.db.em().find(AuditEvent, { action }, { orderBy: { at: 'asc' } });
  /** A caller signed in as `email` through a session of its own, with the cookie jar procedures set. */
  async function signedIn(email: string): Promise<() => Caller> {
    const { token } = await startSession(t.db.em(), (await userOf(email)).id);
    const jar = cookieJar(token);
    return () => createCaller(createContextInner({ db: t.db, sessionToken: jar.token, cookie: jar.cookie }));
  }
  /** A newcomer who accepted an invitation of Acme's Owner with `role`: signed in as them. */
  async function member(email: string, role: 'owner' | 'developer'): Promise<Caller> {
    const { token } = await owner.team.invite({ email, role });
    await t.anonymous().team.accept({ token, name: 'Member Person', password: PASSWORD });
    return t.as(email);
  }
  /** A newcomer who accepted an invitation of ADMIN to the tenant: signed in as them. */
  async function tenantAdmin(email: string): Promise<Caller> {
    const { token } = await admin.team.inviteTenantAdmin({ tenantId: TENANT, email });
    await t.anonymous().team.accept({ token, name: 'Admin Person', password: PASSWORD });
    return t.as(email);
  }
  /** The link is refused like any invalid one, in the preview and on accepting, and nothing changes. */
  async function expectDead(token: string) {
    expect(await rejection(t.anonymous().team.invitation({ token }))).toMatchObject({
      code: 'NOT_FOUND',
      message: LINK_INVALID,
    });
    expect(
      await rejectionWithoutChange(state, () =>
        t.anonymous().team.accept({ token, name: 'Shadow Person', password: PASSWORD }),
      ),
    ).toEqual({ code: 'NOT_FOUND', message: LINK_INVALID, fieldErrors: null });
  }

  describe("a sender's invitations end with the sender's rights", () => {
    it('removing an Owner revokes the invitations they sent, and audits each', async () => {
      const co = await member('co-owner@acme.example', 'owner');
      const shadow = await co.team.invite({ email: 'shadow@evil.example', role: 'owner' });
      const coId = (await userOf('co-owner@acme.example')).id;
      await owner.team.remove({ userId: coId });
      await expectDead(shadow.token);
      expect((await owner.team.members()).invitations.map((i) => i.email)).not.toContain(
        'shadow@evil.example',
      );
      expect((await auditOf('team.invitation_revoked')).at(-1)).toMatchObject({
        actorEmail: DEV,
        before: { invitationId: shadow.invitationId, email: 'shadow@evil.example' },
        after: { invitationId: shadow.invitationId },
      });
    });

    it('demoting an Owner to Developer revokes the invitations they sent', async () => {
      const co = await member('demoted@acme.example', 'owner');
      const shadow = await co.team.invite({ email: 'shadow2@evil.example', role: 'owner' });
      await owner.team.changeRole({ userId: (await userOf('demoted@acme.example')).id, role: 'developer' });
      await expectDead(shadow.token);
      expect((await auditOf('team.invitation_revoked')).at(-1)).toMatchObject({
        before: { invitationId: shadow.invitationId },
      });
      // Promoted again, they invite anew: the old link stays dead.
      await owner.team.changeRole({ userId: (await userOf('demoted@acme.example')).id, role: 'owner' });
      await expectDead(shadow.token);
    });

    it("a link whose sender is no Owner there any more, or whose sender's account is gone, is not valid", async () => {
      const co = await member('lapsed@acme.example', 'owner');
      const first = await co.team.invite({ email: 'lapsed-guest@evil.example', role: 'owner' });
      const second = await co.team.invite({ email: 'orphan-guest@evil.example', role: 'developer' });
      // Changed behind the procedures' back: accepting checks the sender anyway.
      await t.db.em().nativeUpdate(User, { email: 'lapsed@acme.example' }, { orgRole: 'developer' });
      await expectDead(first.token);
      await t.db.em().nativeUpdate(User, { email: 'lapsed@acme.example' }, { orgRole: 'owner' });
      await t.db.em().nativeUpdate(Invitation, { id: second.invitationId }, { invitedBy: null });
      await expectDead(second.token);
    });

    it('removing a tenant admin revokes the invitations they sent to that tenant, and audits each', async () => {
      const removed = await tenantAdmin('ta@tenant.example');
      const alias = await removed.team.inviteTenantAdmin({ tenantId: TENANT, email: 'alias@evil.example' });
      await admin.team.removeTenantAdmin({
        tenantId: TENANT,
        userId: (await userOf('ta@tenant.example')).id,
      });
      await expectDead(alias.token);
      expect((await auditOf('tenant.invitation_revoked')).at(-1)).toMatchObject({
        actorEmail: ADMIN,
        tenantId: TENANT,
        before: { invitationId: alias.invitationId, email: 'alias@evil.example' },
      });
    });

    it('a tenant link whose sender is no admin of the tenant any more is not valid', async () => {
      const lapsed = await tenantAdmin('ta-lapsed@tenant.example');
      const alias = await lapsed.team.inviteTenantAdmin({ tenantId: TENANT, email: 'alias2@evil.example' });
      await t.db.em().nativeDelete(TenantAdmin, { user: (await userOf('ta-lapsed@tenant.example')).id });
      await expectDead(alias.token);
    });
  });

  describe('reviewers stay outside organizations and tenants', () => {
    it("refuses to invite a reviewer's account, to an organization or a tenant", async () => {
      const message = `${REVIEWER} is a Gatehouse reviewer's account: reviewers cannot join an organization or administer a tenant.`;
      expect(
        await rejectionWithoutChange(state, () => owner.team.invite({ email: REVIEWER, role: 'owner' })),
      ).toEqual({ code: 'CONFLICT', message, fieldErrors: null });
      expect(
        await rejectionWithoutChange(state, () =>
          admin.team.inviteTenantAdmin({ tenantId: TENANT, email: REVIEWER }),
        ),
      ).toEqual({ code: 'CONFLICT', message, fieldErrors: null });
    });

    it('a reviewer signed in cannot accept an invitation sent before the account was a reviewer', async () => {
      const email = 'late-reviewer@gatehouse.test';
      const toTeam = await owner.team.invite({ email, role: 'owner' });
      const toTenant = await admin.team.inviteTenantAdmin({ tenantId: TENANT, email });
      const em = t.db.em();
      em.create(User, {
        id: crypto.randomUUID(),
        email,
        name: 'Late Reviewer',
        passwordHash: await hashPassword(PASSWORD),
        organization: null,
        orgRole: null,
        isReviewer: true,
      });
      await em.flush();
      const reviewer = await signedIn(email);
      for (const token of [toTeam.token, toTenant.token])
        expect(await rejectionWithoutChange(state, () => reviewer().team.accept({ token }))).toEqual({
          code: 'FORBIDDEN',
          message: REVIEWER_REFUSED,
          fieldErrors: null,
        });
    });
  });

  describe('accepting two invitations at once', () => {
    it('an account joins one organization only: the other acceptance is refused and changes nothing', async () => {
      for (const round of [1, 2, 3]) {
        const email = `sought-after${round}@elsewhere.example`;
        const { token: seat } = await admin.team.inviteTenantAdmin({ tenantId: TENANT, email });
        await t.anonymous().team.accept({ token: seat, name: 'Sam Sought', password: PASSWORD });
        const toAcme = await owner.team.invite({ email, role: 'owner' });
        const toOther = await (await t.as(DEV2)).team.invite({ email, role: 'developer' });
        const sam = await signedIn(email);
        const results = await Promise.allSettled(
          [toAcme, toOther].map(({ token }) => sam().team.accept({ token })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r) => r.status === 'rejected');
        expect(lost && (await rejection(Promise.reject(lost.reason)))).toMatchObject({ code: 'CONFLICT' });
        const accepted = await t.db.em().find(Invitation, {
          id: { $in: [toAcme.invitationId, toOther.invitationId] },
          acceptedAt: { $ne: null },
        });
        expect(accepted).toHaveLength(1);
        const user = await userOf(email);
        expect(user.organization?.id).toBe(accepted[0]?.organization?.id);
        const joined = (await auditOf('team.member_joined')).filter(
          (e) => (e.after as { email: string }).email === email,
        );
        expect(joined).toHaveLength(1);
        expect(joined[0]?.organizationId).toBe(user.organization?.id);
      }
    });
  });

  describe('hourly limits per organization and per tenant', () => {
    /** Fills the hour's invitations of a place, as if others had sent them. */
    async function fill(where: { organization: string } | { tenant: string }) {
      const em = t.db.em();
      const sent = await em.count(Invitation, {
        ...where,
        createdAt: { $gt: new Date(Date.now() - 3600_000) },
      });
      for (let n = sent; n < INVITATIONS_PER_SCOPE_PER_HOUR; n++)
        em.create(Invitation, {
          id: crypto.randomUUID(),
          tokenHash: crypto.randomUUID().replaceAll('-', '').padEnd(64, '0'),
          kind: 'organization' in where ? 'organization' : 'tenant',
          email: `filler${n}@elsewhere.example`,
          organization: 'organization' in where ? where.organization : null,
          role: 'organization' in where ? 'developer' : null,
          tenant: 'tenant' in where ? where.tenant : null,
          invitedBy: null,
          expiresAt: new Date(Date.now() + 3600_000),
        });
      await em.flush();
    }
    const tooMany = { code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('can be sent here') };

    it(`an organization receives at most ${INVITATIONS_PER_SCOPE_PER_HOUR} an hour, whoever sends them`, async () => {
      const other = await t.as(DEV2);
      const organizationId = (await userOf(DEV2)).organization?.id as string;
      await fill({ organization: organizationId });
      expect(
        await rejectionWithoutChange(state, () =>
          other.team.invite({ email: 'more@other.example', role: 'developer' }),
        ),
      ).toMatchObject(tooMany);
      // Another organization is not held back.
      await owner.team.invite({ email: 'still-fine@acme.example', role: 'developer' });
    });

    it(`a tenant receives at most ${INVITATIONS_PER_SCOPE_PER_HOUR} an hour, whoever sends them`, async () => {
      const other = await t.as(ADMIN2);
      await fill({ tenant: TENANT2 });
      expect(
        await rejectionWithoutChange(state, () =>
          other.team.inviteTenantAdmin({ tenantId: TENANT2, email: 'more@tenant.example' }),
        ),
      ).toMatchObject(tooMany);
      await admin.team.inviteTenantAdmin({ tenantId: TENANT, email: 'still-fine@tenant.example' });
    });
  });

  it('the preview is asked in a request body: a GET with the token in its address is refused', async () => {
    const { token } = await owner.team.invite({ email: 'post-only@acme.example', role: 'developer' });
    const server = await listen(t);
    try {
      const headers = { 'x-gatehouse-csrf': '1', 'content-type': 'application/json' };
      const input = encodeURIComponent(JSON.stringify({ json: { token } }));
      const viaGet = await fetch(`${server.url}/trpc/team.invitation?input=${input}`, { headers });
      expect(viaGet.status).toBe(405);
      const viaPost = await fetch(`${server.url}/trpc/team.invitation`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ json: { token } }),
      });
      expect(viaPost.status).toBe(200);
      expect(await viaPost.json()).toMatchObject({
        result: { data: { json: { email: 'post-only@acme.example', hasAccount: false } } },
      });
    } finally {
      await server.close();
    }
  });
});
