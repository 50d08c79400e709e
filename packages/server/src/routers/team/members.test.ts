import { INVITATION_TTL_HOURS, INVITATIONS_PER_HOUR } from '@gatehouse/domain';
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
  signIn,
  type TestDatabase,
} from '#test/harness';
import { sha256Hex, verifyPassword } from '../../auth/secrets';
import { startSession } from '../../auth/sessions';
import { createContextInner } from '../../context';
import { AuditEvent, Invitation, Session, User } from '../../db/entities';
import { createCaller } from '../../root';

const PASSWORD = 'correct horse battery staple';
const LINK_INVALID = 'This invitation is not valid any more. Ask whoever invited you for a new one.';
const NEWCOMER = 'nia@newcomer.example';
const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

describe.each(dialects)('an organization team on %s', (dialect) => {
  let t: TestDatabase;
  let owner: () => Caller;
  let otherOwner: () => Caller;
  let reviewer: () => Caller;
  let admin: () => Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    owner = await signIn(t, DEV);
    otherOwner = await signIn(t, DEV2);
    reviewer = await signIn(t, REVIEWER);
    admin = await signIn(t, ADMIN);
  });
  afterAll(async () => t?.close());

  /** A caller with this session token, and the cookie jar the procedures set it in. */
  function browser(token: string | null = null) {
    const jar = cookieJar(token);
    const caller = () =>
      createCaller(createContextInner({ db: t.db, sessionToken: jar.token, cookie: jar.cookie }));
    return { jar, caller };
  }
  /** What the team's procedures may change: invitations, memberships, sessions, audit events. */
  async function state() {
    const em = t.db.em();
    return {
      invitations: await em.find(Invitation, {}, { orderBy: { id: 'asc' } }),
      users: (await em.find(User, {}, { orderBy: { id: 'asc' } })).map((u) => [
        u.email,
        u.organization?.id ?? null,
        u.orgRole ?? null,
      ]),
      sessions: await em.count(Session, {}),
      audit: await em.count(AuditEvent, {}),
    };
  }
  const userOf = (email: string) => t.db.em().findOneOrFail(User, { email });
  const auditOf = (action: string) => t.db.em().find(AuditEvent, { action }, { orderBy: { at: 'asc' } });

  describe('the whole story: invite, accept, work, change role, remove', () => {
    let token: string;
    let newcomer: ReturnType<typeof browser>;

    it('an Owner invites by email: the answer carries the token once, the database only its hash', async () => {
      const before = Date.now();
      const created = await owner().team.invite({ email: '  Nia@Newcomer.Example ', role: 'developer' });
      token = created.token;
      expect(created).toEqual({
        invitationId: expect.any(String),
        email: NEWCOMER,
        token: expect.stringMatching(/^ghin_[\w-]{43}$/),
        expiresAt: expect.any(Date),
      });
      const hours = (created.expiresAt.getTime() - before) / 3600_000;
      expect(hours).toBeGreaterThan(INVITATION_TTL_HOURS - 0.01);
      expect(hours).toBeLessThan(INVITATION_TTL_HOURS + 0.01);
      const stored = await t.db.em().findOneOrFail(Invitation, { id: created.invitationId });
      expect(stored.tokenHash).toBe(sha256Hex(token));
      expect(JSON.stringify(stored)).not.toContain(token);

      const team = await owner().team.members();
      expect(team.organizationName).toBe('Acme Field Apps');
      expect(team.members).toEqual([expect.objectContaining({ email: DEV, role: 'owner', isYou: true })]);
      expect(team.invitations).toEqual([
        {
          invitationId: created.invitationId,
          email: NEWCOMER,
          role: 'developer',
          invitedByEmail: DEV,
          createdAt: expect.any(Date),
          expiresAt: created.expiresAt,
        },
      ]);
    });

    it('the link tells what it invites to without a session', async () => {
      expect(await t.anonymous().team.invitation({ token })).toEqual({
        kind: 'organization',
        email: NEWCOMER,
        to: 'Acme Field Apps',
        tenantId: null,
        role: 'developer',
        invitedByName: 'Dana Developer',
        expiresAt: expect.any(Date),
        hasAccount: false,
      });
    });

    it('a newcomer must give a name and a password, and nothing changes until they do', async () => {
      const failure = await rejectionWithoutChange(state, () => t.anonymous().team.accept({ token }));
      expect(failure).toMatchObject({
        code: 'BAD_REQUEST',
        fieldErrors: { name: 'Name is required', password: 'Choose a password' },
      });
      const short = await rejectionWithoutChange(state, () =>
        t.anonymous().team.accept({ token, name: 'Nia Newcomer', password: 'short' }),
      );
      expect(short).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { password: expect.any(String) } });
    });

    it('accepting makes the account in the organization with its role, and signs it in', async () => {
      newcomer = browser();
      const user = await newcomer.caller().team.accept({ token, name: 'Nia Newcomer', password: PASSWORD });
      expect(user).toMatchObject({
        email: NEWCOMER,
        name: 'Nia Newcomer',
        organizationName: 'Acme Field Apps',
        organizationRole: 'developer',
        tenantIds: [],
      });
      expect(newcomer.jar.token).toMatch(/^ghs_/);
      expect(await newcomer.caller().auth.me()).toMatchObject({ email: NEWCOMER });
      // The new password works for signing in.
      expect(await t.anonymous().auth.signIn({ email: NEWCOMER, password: PASSWORD })).toMatchObject({
        email: NEWCOMER,
      });
      const [joined] = await auditOf('team.member_joined');
      expect(joined).toMatchObject({
        actorEmail: NEWCOMER,
        organizationId: user.organizationId,
        after: { email: NEWCOMER, role: 'developer', invitedByEmail: DEV },
      });
    });

    it('a link works once', async () => {
      expect(
        await rejection(t.anonymous().team.accept({ token, name: 'Again', password: PASSWORD })),
      ).toEqual({
        code: 'NOT_FOUND',
        message: LINK_INVALID,
        fieldErrors: null,
      });
      expect(await rejection(t.anonymous().team.invitation({ token }))).toMatchObject({ code: 'NOT_FOUND' });
    });

    it("the new member sees the organization's apps and the team, but no invitations", async () => {
      const app = await owner().apps.create({ ...base, name: 'Team Tracker' });
      expect((await newcomer.caller().apps.list({})).items.map((a) => a.id)).toContain(app.id);
      const team = await newcomer.caller().team.members();
      expect(team.members.map((m) => [m.email, m.role, m.isYou])).toEqual([
        [DEV, 'owner', false],
        [NEWCOMER, 'developer', true],
      ]);
      expect(team.invitations).toEqual([]);
    });

    it('a Developer cannot manage the team', async () => {
      const nia = await userOf(NEWCOMER);
      const dana = await userOf(DEV);
      for (const call of [
        () => newcomer.caller().team.invite({ email: 'x@acme.example', role: 'developer' }),
        () => newcomer.caller().team.changeRole({ userId: nia.id, role: 'owner' }),
        () => newcomer.caller().team.remove({ userId: dana.id }),
        () => newcomer.caller().team.revokeInvitation({ invitationId: crypto.randomUUID() }),
      ])
        expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('an Owner promotes a member; the last Owner cannot step down or leave', async () => {
      const nia = await userOf(NEWCOMER);
      const dana = await userOf(DEV);
      expect(
        await rejectionWithoutChange(state, () =>
          owner().team.changeRole({ userId: dana.id, role: 'developer' }),
        ),
      ).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('needs an Owner') });
      expect(
        await rejectionWithoutChange(state, () => owner().team.remove({ userId: dana.id })),
      ).toMatchObject({
        code: 'CONFLICT',
      });

      expect(await owner().team.changeRole({ userId: nia.id, role: 'owner' })).toMatchObject({
        userId: nia.id,
        role: 'owner',
        isYou: false,
      });
      expect((await newcomer.caller().auth.me())?.organizationRole).toBe('owner');
      const [changed] = await auditOf('team.member_role_changed');
      expect(changed).toMatchObject({
        actorEmail: DEV,
        before: { userId: nia.id, email: NEWCOMER, role: 'developer' },
        after: { userId: nia.id, email: NEWCOMER, role: 'owner' },
      });
      // Back to Developer, by the other Owner now that there are two.
      await newcomer.caller().team.changeRole({ userId: nia.id, role: 'developer' });
      expect((await newcomer.caller().auth.me())?.organizationRole).toBe('developer');
    });

    it("removing a member ends their sessions at once and takes the organization's apps away", async () => {
      const nia = await userOf(NEWCOMER);
      expect(await owner().team.remove({ userId: nia.id })).toEqual({ removed: true });
      expect(await rejection(newcomer.caller().apps.list({}))).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await t.db.em().count(Session, { user: nia.id })).toBe(0);
      const after = await userOf(NEWCOMER);
      expect([after.organization, after.orgRole]).toEqual([null, null]);
      // Signed in again, the account is no member any more.
      const again = await t.as(NEWCOMER);
      expect(await rejection(again.apps.list({}))).toMatchObject({ code: 'FORBIDDEN' });
      expect((await owner().team.members()).members.map((m) => m.email)).toEqual([DEV]);
      const [removed] = await auditOf('team.member_removed');
      expect(removed).toMatchObject({
        actorEmail: DEV,
        before: { userId: nia.id, email: NEWCOMER, role: 'developer' },
        // Both of its sessions: the one accepting started, and the later sign-in's.
        after: { userId: nia.id, sessionsEnded: 2 },
      });
    });

    it('no audit event names a token', async () => {
      const events = await t.db.em().find(AuditEvent, { action: { $like: 'team.%' } });
      expect(events.length).toBeGreaterThanOrEqual(4);
      expect(JSON.stringify(events)).not.toMatch(/ghin_|ghs_/);
    });
  });

  describe('who may do what', () => {
    it('refuses every procedure to callers without the right, changing nothing', async () => {
      const pending = await owner().team.invite({ email: 'pending@acme.example', role: 'developer' });
      const dana = await userOf(DEV);
      const developer = await t.as(await acceptedMember('dee@acme.example', 'developer'));
      const invite = { email: 'x@acme.example', role: 'developer' as const };
      const asEvery = (caller: Caller) => [
        () => caller.team.invite(invite),
        () => caller.team.revokeInvitation({ invitationId: pending.invitationId }),
        () => caller.team.changeRole({ userId: dana.id, role: 'developer' }),
        () => caller.team.remove({ userId: dana.id }),
      ];
      for (const call of [() => t.anonymous().team.members(), ...asEvery(t.anonymous())])
        expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'UNAUTHORIZED' });
      for (const caller of [reviewer(), admin()])
        for (const call of [() => caller.team.members(), ...asEvery(caller)])
          expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'FORBIDDEN' });
      for (const call of asEvery(developer))
        expect(await rejectionWithoutChange(state, call)).toMatchObject({
          code: 'FORBIDDEN',
          message: "Only the organization's Owners can manage its members.",
        });
      // Another organization's Owner: Acme's members and invitations are nowhere to be found.
      for (const call of asEvery(otherOwner()).slice(1))
        expect(await rejectionWithoutChange(state, call)).toMatchObject({
          code: 'NOT_FOUND',
          message: expect.stringMatching(/^(Invitation|Member) not found$/),
        });
      const theirs = await otherOwner().team.members();
      expect(theirs.organizationName).toBe('Other Dev Co');
      expect(JSON.stringify(theirs)).not.toMatch(/acme|dana/i);
      // Ids that are not ids answer the same as missing ones.
      for (const call of [
        () => owner().team.changeRole({ userId: 'nobody', role: 'owner' }),
        () => owner().team.remove({ userId: crypto.randomUUID() }),
        () => owner().team.revokeInvitation({ invitationId: 'x' }),
      ])
        expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'NOT_FOUND' });
      await owner().team.revokeInvitation({ invitationId: pending.invitationId });
    });

    it('bad input gets field errors and changes nothing', async () => {
      const dana = await userOf(DEV);
      const cases: [() => Promise<unknown>, Record<string, string>][] = [
        [
          () => owner().team.invite({ email: 'not an email', role: 'developer' }),
          { email: expect.any(String) },
        ],
        [
          () => owner().team.invite({ email: 'a@b.example', role: 'admin' as 'owner' }),
          { role: 'Choose Owner or Developer' },
        ],
        [
          () => owner().team.changeRole({ userId: dana.id, role: 'boss' as 'owner' }),
          { role: 'Choose Owner or Developer' },
        ],
        [() => t.anonymous().team.accept({ token: '' }), { token: expect.any(String) }],
      ];
      for (const [call, fieldErrors] of cases)
        expect(await rejectionWithoutChange(state, call)).toMatchObject({ code: 'BAD_REQUEST', fieldErrors });
    });
  });

  describe('invitations', () => {
    it('refuses to invite someone already a member', async () => {
      expect(
        await rejectionWithoutChange(state, () => owner().team.invite({ email: DEV, role: 'owner' })),
      ).toMatchObject({ code: 'CONFLICT', message: `${DEV} is already a member of Acme Field Apps.` });
    });

    it('a new invitation to the same email replaces the pending one', async () => {
      const first = await owner().team.invite({ email: 'twice@acme.example', role: 'developer' });
      const second = await owner().team.invite({ email: 'twice@acme.example', role: 'owner' });
      expect(await rejection(t.anonymous().team.invitation({ token: first.token }))).toMatchObject({
        code: 'NOT_FOUND',
        message: LINK_INVALID,
      });
      expect(await t.anonymous().team.invitation({ token: second.token })).toMatchObject({ role: 'owner' });
      const pending = (await owner().team.members()).invitations.filter(
        (i) => i.email === 'twice@acme.example',
      );
      expect(pending.map((i) => i.invitationId)).toEqual([second.invitationId]);
      const revoked = await auditOf('team.invitation_revoked');
      expect(revoked.at(-1)).toMatchObject({ before: { invitationId: first.invitationId } });
    });

    it('a revoked link stops working, and cannot be revoked again', async () => {
      const invitation = await owner().team.invite({ email: 'revoked@acme.example', role: 'developer' });
      expect(await owner().team.revokeInvitation({ invitationId: invitation.invitationId })).toEqual({
        revoked: true,
      });
      expect(
        await rejection(
          t.anonymous().team.accept({ token: invitation.token, name: 'R', password: PASSWORD }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND', message: LINK_INVALID });
      expect(
        await rejectionWithoutChange(state, () =>
          owner().team.revokeInvitation({ invitationId: invitation.invitationId }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('an expired link, or one never issued, answers as not valid', async () => {
      const invitation = await owner().team.invite({ email: 'late@acme.example', role: 'developer' });
      await t.db
        .em()
        .nativeUpdate(
          Invitation,
          { id: invitation.invitationId },
          { expiresAt: new Date(Date.now() - 1000) },
        );
      for (const token of [invitation.token, 'ghin_nothing-like-it'])
        for (const call of [
          () => t.anonymous().team.invitation({ token }),
          () => t.anonymous().team.accept({ token, name: 'Lee Late', password: PASSWORD }),
        ])
          expect(await rejectionWithoutChange(state, call)).toEqual({
            code: 'NOT_FOUND',
            message: LINK_INVALID,
            fieldErrors: null,
          });
      expect((await owner().team.members()).invitations.map((i) => i.email)).not.toContain(
        'late@acme.example',
      );
    });

    it('two accepts at once: one wins, the other finds the link used', async () => {
      const { token } = await owner().team.invite({ email: 'racer@acme.example', role: 'developer' });
      const results = await Promise.allSettled(
        [0, 1].map(() => t.anonymous().team.accept({ token, name: 'Rae Racer', password: PASSWORD })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await t.db.em().count(User, { email: 'racer@acme.example' })).toBe(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost && (await rejection(Promise.reject(lost.reason)))).toMatchObject({
        code: 'NOT_FOUND',
        message: LINK_INVALID,
      });
      const joined = (await auditOf('team.member_joined')).filter(
        (e) => (e.after as { email: string }).email === 'racer@acme.example',
      );
      expect(joined).toHaveLength(1);
    });

    it('an existing account accepts signed in as itself, keeping its name and password', async () => {
      const { token } = await owner().team.invite({ email: ADMIN2, role: 'developer' });
      expect((await t.anonymous().team.invitation({ token })).hasAccount).toBe(true);
      const message = `Sign in as ${ADMIN2} to accept this invitation.`;
      for (const caller of [t.anonymous(), otherOwner()])
        expect(
          await rejectionWithoutChange(state, () =>
            caller.team.accept({ token, name: 'Somebody Else', password: PASSWORD }),
          ),
        ).toEqual({ code: 'FORBIDDEN', message, fieldErrors: null });
      const { token: sessionToken } = await startSession(t.db.em(), (await userOf(ADMIN2)).id);
      const avery = browser(sessionToken);
      const user = await avery.caller().team.accept({ token, name: 'Somebody Else', password: PASSWORD });
      expect(user).toMatchObject({
        email: ADMIN2,
        name: 'Avery Admin',
        organizationName: 'Acme Field Apps',
        organizationRole: 'developer',
        tenantIds: ['100200300'],
      });
      // Its session goes on: no new cookie.
      expect(avery.jar.token).toBe(sessionToken);
      expect(await avery.caller().apps.list({})).toMatchObject({ items: expect.any(Array) });
      expect(await verifyPassword(PASSWORD, (await userOf(ADMIN2)).passwordHash)).toBe(false);
    });

    it('refuses an account that belongs to another organization', async () => {
      const { token } = await owner().team.invite({ email: DEV2, role: 'developer' });
      expect(await rejectionWithoutChange(state, () => otherOwner().team.accept({ token }))).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('another organization'),
      });
    });

    it('an Owner may leave when another Owner remains', async () => {
      const ola = await userOf(await acceptedMember('ola@acme.example', 'owner'));
      const ola$ = await t.as(ola.email);
      const dana = await userOf(DEV);
      expect(await ola$.team.remove({ userId: ola.id })).toEqual({ removed: true });
      expect(await rejection(ola$.team.members())).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await rejection(owner().team.remove({ userId: dana.id }))).toMatchObject({ code: 'CONFLICT' });
    });

    it('two Owners demoting each other at once: one wins, the organization keeps an Owner', async () => {
      const olu = await userOf(await acceptedMember('olu@acme.example', 'owner'));
      const olu$ = await t.as(olu.email);
      const dana = await userOf(DEV);
      const results = await Promise.allSettled([
        owner().team.changeRole({ userId: olu.id, role: 'developer' }),
        olu$.team.changeRole({ userId: dana.id, role: 'developer' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost && (await rejection(Promise.reject(lost.reason)))).toMatchObject({ code: 'CONFLICT' });
      const owners = await t.db.em().find(User, { orgRole: 'owner', organization: dana.organization });
      expect(owners).toHaveLength(1);
      // Dana Owner again, Olu gone.
      if (owners[0]?.id !== dana.id) await olu$.team.changeRole({ userId: dana.id, role: 'owner' });
      await owner().team.remove({ userId: olu.id });
    });

    it(`throttles a sender to the invitations of an hour`, async () => {
      const sent = await t.db.em().count(Invitation, {
        invitedBy: (await userOf(DEV2)).id,
        createdAt: { $gt: new Date(Date.now() - 3600_000) },
      });
      for (let n = sent; n < INVITATIONS_PER_HOUR; n++)
        await otherOwner().team.invite({ email: `guest${n}@other.example`, role: 'developer' });
      expect(
        await rejectionWithoutChange(state, () =>
          otherOwner().team.invite({ email: 'one-more@other.example', role: 'developer' }),
        ),
      ).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('an hour') });
      // Another sender is not held back.
      await owner().team.invite({ email: 'still@acme.example', role: 'developer' });
    });
  });

  /** A newcomer who accepted an invitation of Acme's Owner with `role`: their email. */
  async function acceptedMember(email: string, role: 'owner' | 'developer'): Promise<string> {
    const { token } = await owner().team.invite({ email, role });
    await t.anonymous().team.accept({ token, name: 'Member Person', password: PASSWORD });
    return email;
  }
});
