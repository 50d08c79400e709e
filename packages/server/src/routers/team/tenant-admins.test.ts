import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  cookieJar,
  DEV,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  rejectionWithoutChange,
  signIn,
  type TestDatabase,
} from '#test/harness';
import { createContextInner } from '../../context';
import { AuditEvent, Invitation, Session, TenantAdmin, User } from '../../db/entities';
import { createCaller } from '../../root';

const GLENDALE = '985798691';
const SUMMIT = '100200300';
const PASSWORD = 'correct horse battery staple';
const NEW_ADMIN = 'theo@glendale.example';

describe.each(dialects)("a tenant's admins on %s", (dialect) => {
  let t: TestDatabase;
  let admin: () => Caller;
  let otherAdmin: () => Caller;
  let developer: () => Caller;
  let reviewer: () => Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    admin = await signIn(t, ADMIN);
    otherAdmin = await signIn(t, ADMIN2);
    developer = await signIn(t, DEV);
    reviewer = await signIn(t, REVIEWER);
  });
  afterAll(async () => t?.close());

  async function state() {
    const em = t.db.em();
    return {
      invitations: await em.find(Invitation, {}, { orderBy: { id: 'asc' } }),
      grants: (await em.find(TenantAdmin, {}, { orderBy: { id: 'asc' } })).map((g) => [
        g.user.id,
        g.tenant.id,
      ]),
      users: await em.count(User, {}),
      sessions: await em.count(Session, {}),
      audit: await em.count(AuditEvent, {}),
    };
  }
  const userOf = (email: string) => t.db.em().findOneOrFail(User, { email });
  const auditOf = (action: string) => t.db.em().find(AuditEvent, { action }, { orderBy: { at: 'asc' } });

  describe('the story: an admin invites another, who then works on the tenant', () => {
    let newAdmin: () => Caller;

    it("lists the tenant's admins", async () => {
      expect(await admin().team.tenantAdmins({ tenantId: GLENDALE })).toEqual({
        tenantId: GLENDALE,
        tenantName: 'Glendale Plumbing',
        admins: [{ userId: (await userOf(ADMIN)).id, name: 'Alex Admin', email: ADMIN, isYou: true }],
        invitations: [],
      });
    });

    it('an admin invites another; the newcomer accepts and sees the tenant and its connections', async () => {
      const created = await admin().team.inviteTenantAdmin({
        tenantId: GLENDALE,
        email: 'Theo@Glendale.example',
      });
      expect(created).toMatchObject({ email: NEW_ADMIN, token: expect.stringMatching(/^ghin_/) });
      expect((await admin().team.tenantAdmins({ tenantId: GLENDALE })).invitations).toEqual([
        expect.objectContaining({
          invitationId: created.invitationId,
          email: NEW_ADMIN,
          role: null,
          invitedByEmail: ADMIN,
        }),
      ]);
      expect(await t.anonymous().team.invitation({ token: created.token })).toEqual({
        kind: 'tenant',
        email: NEW_ADMIN,
        to: 'Glendale Plumbing',
        tenantId: GLENDALE,
        role: null,
        invitedByName: 'Alex Admin',
        expiresAt: created.expiresAt,
        hasAccount: false,
      });

      const app = await developer().apps.create({
        name: 'Glendale Dispatch',
        homePageUrl: 'https://acme.example',
        tenantIds: [GLENDALE],
        kind: 'private',
        credentialsMode: 'tenant_admin',
        scopes: ['tn.crm.customers:r'],
      });
      const jar = cookieJar();
      const accepted = await createCaller(
        createContextInner({ db: t.db, sessionToken: null, cookie: jar.cookie }),
      ).team.accept({ token: created.token, name: 'Theo Tenant', password: PASSWORD });
      expect(accepted).toMatchObject({ email: NEW_ADMIN, organizationId: null, tenantIds: [GLENDALE] });
      newAdmin = () => createCaller(createContextInner({ db: t.db, sessionToken: jar.token }));

      const available = await newAdmin().connections.available({
        tenantId: GLENDALE,
        environment: 'integration',
      });
      expect(available.items.map((a) => a.appId)).toContain(app.id);
      expect(
        await newAdmin().connections.list({ tenantId: GLENDALE, environment: 'integration' }),
      ).toMatchObject({
        items: expect.any(Array),
      });
      expect(
        await rejection(newAdmin().connections.list({ tenantId: SUMMIT, environment: 'integration' })),
      ).toMatchObject({ code: 'NOT_FOUND' });
      const [joined] = await auditOf('tenant.admin_joined');
      expect(joined).toMatchObject({
        actorEmail: NEW_ADMIN,
        tenantId: GLENDALE,
        after: { email: NEW_ADMIN },
      });
      expect((await admin().team.tenantAdmins({ tenantId: GLENDALE })).admins.map((a) => a.email)).toEqual([
        ADMIN,
        NEW_ADMIN,
      ]);
    });

    it('refuses to invite an admin of the tenant again', async () => {
      expect(
        await rejectionWithoutChange(state, () =>
          admin().team.inviteTenantAdmin({ tenantId: GLENDALE, email: NEW_ADMIN }),
        ),
      ).toMatchObject({ code: 'CONFLICT', message: `${NEW_ADMIN} is already an admin of this tenant.` });
    });

    it('an admin removes another: access ends with the next call; the last admin stays', async () => {
      const theo = await userOf(NEW_ADMIN);
      expect(await admin().team.removeTenantAdmin({ tenantId: GLENDALE, userId: theo.id })).toEqual({
        removed: true,
      });
      expect(
        await rejection(newAdmin().connections.list({ tenantId: GLENDALE, environment: 'integration' })),
      ).toMatchObject({ code: 'FORBIDDEN' });
      const [removed] = await auditOf('tenant.admin_removed');
      expect(removed).toMatchObject({
        actorEmail: ADMIN,
        tenantId: GLENDALE,
        before: { userId: theo.id, email: NEW_ADMIN },
      });

      const alex = await userOf(ADMIN);
      expect(
        await rejectionWithoutChange(state, () =>
          admin().team.removeTenantAdmin({ tenantId: GLENDALE, userId: alex.id }),
        ),
      ).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('needs an admin') });
    });
  });

  describe('who may do what', () => {
    it('refuses every tenant procedure to callers without the right, changing nothing', async () => {
      const pending = await admin().team.inviteTenantAdmin({
        tenantId: GLENDALE,
        email: 'pending@glendale.example',
      });
      const alex = await userOf(ADMIN);
      const avery = await userOf(ADMIN2);
      const calls = (caller: Caller, tenantId: string) => [
        () => caller.team.tenantAdmins({ tenantId }),
        () => caller.team.inviteTenantAdmin({ tenantId, email: 'x@glendale.example' }),
        () => caller.team.revokeTenantInvitation({ tenantId, invitationId: pending.invitationId }),
        () => caller.team.removeTenantAdmin({ tenantId, userId: alex.id }),
      ];
      for (const call of calls(t.anonymous(), GLENDALE))
        expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'UNAUTHORIZED' });
      for (const caller of [developer(), reviewer()])
        for (const call of calls(caller, GLENDALE))
          expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'FORBIDDEN' });
      // Another tenant's admin: Glendale is nowhere, and through their own tenant Glendale's rows are not found.
      for (const call of [...calls(otherAdmin(), GLENDALE), ...calls(otherAdmin(), SUMMIT).slice(2)])
        expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'NOT_FOUND' });
      expect(JSON.stringify(await otherAdmin().team.tenantAdmins({ tenantId: SUMMIT }))).not.toMatch(
        /glendale|alex/i,
      );
      // An admin cannot remove themself as the last admin, nor remove someone admin elsewhere only.
      expect(
        await rejectionWithoutChange(state, () =>
          admin().team.removeTenantAdmin({ tenantId: GLENDALE, userId: avery.id }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND', message: 'Tenant admin not found' });
      expect(
        await rejectionWithoutChange(state, () =>
          admin().team.removeTenantAdmin({ tenantId: GLENDALE, userId: 'x' }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND' });
      // Tenant admins are not an organization's Owners.
      expect(
        await rejectionWithoutChange(state, () =>
          admin().team.invite({ email: 'x@acme.example', role: 'owner' }),
        ),
      ).toMatchObject({ code: 'FORBIDDEN' });
      expect(
        await admin().team.revokeTenantInvitation({ tenantId: GLENDALE, invitationId: pending.invitationId }),
      ).toEqual({ revoked: true });
      const [revoked] = await auditOf('tenant.invitation_revoked');
      expect(revoked).toMatchObject({ tenantId: GLENDALE, before: { invitationId: pending.invitationId } });
      expect(await rejection(t.anonymous().team.invitation({ token: pending.token }))).toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('bad input gets field errors and changes nothing', async () => {
      for (const [input, field] of [
        [{ tenantId: GLENDALE, email: 'nope' }, 'email'],
        [{ tenantId: 'abc', email: 'ok@glendale.example' }, 'tenantId'],
      ] as const)
        expect(
          await rejectionWithoutChange(state, () => admin().team.inviteTenantAdmin(input)),
        ).toMatchObject({
          code: 'BAD_REQUEST',
          fieldErrors: { [field]: expect.any(String) },
        });
    });
  });

  describe('an existing account', () => {
    it('becomes an admin of another tenant signed in as itself', async () => {
      const { token } = await otherAdmin().team.inviteTenantAdmin({ tenantId: SUMMIT, email: ADMIN });
      expect((await t.anonymous().team.invitation({ token })).hasAccount).toBe(true);
      expect(await rejectionWithoutChange(state, () => t.anonymous().team.accept({ token }))).toMatchObject({
        code: 'FORBIDDEN',
        message: `Sign in as ${ADMIN} to accept this invitation.`,
      });
      expect(await admin().team.accept({ token })).toMatchObject({
        email: ADMIN,
        tenantIds: [SUMMIT, GLENDALE],
      });
      expect((await admin().team.tenantAdmins({ tenantId: SUMMIT })).admins.map((a) => a.email)).toContain(
        ADMIN,
      );
    });

    it('no audit event names a token', async () => {
      const events = await t.db.em().find(AuditEvent, { action: { $like: 'tenant.%' } });
      expect(events.length).toBeGreaterThanOrEqual(5);
      expect(JSON.stringify(events)).not.toMatch(/ghin_|ghs_/);
    });
  });
});
