import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Caller,
  cookieJar,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  signIn,
  type TestDatabase,
} from '#test/harness';
import { sha256Hex } from '../../auth/secrets';
import { createContextInner, type SessionCookie } from '../../context';
import {
  AccessRequest,
  AuditEvent,
  Organization,
  PasswordSetup,
  Session,
  Tenant,
  TenantAdmin,
  User,
} from '../../db/entities';
import { createCaller } from '../../root';

const GLENDALE = '985798691';
const SUMMIT = '100200300';
const PASSWORD = 'correct horse battery staple';
const REASON = 'We could not confirm you work there.';
const LINK_INVALID = 'This link is not valid any more. Ask the reviewer for a new one.';

let ipCounter = 0;
/** A visitor without a session from an address of its own, so the per-address limit only bites where a test wants it. */
function visitor(t: TestDatabase, options: { clientIp?: string; cookie?: SessionCookie } = {}): Caller {
  return createCaller(
    createContextInner({
      db: t.db,
      sessionToken: null,
      clientIp: options.clientIp ?? `203.0.113.${++ipCounter}`,
      cookie: options.cookie,
    }),
  );
}

const developerRequest = (email: string, organizationName = 'Brand New Co') => ({
  name: 'Nia Newcomer',
  email,
  organizationName,
  role: 'developer' as const,
});
const adminRequest = (email: string, tenantId: string) => ({
  name: 'Theo Tenant',
  email,
  organizationName: 'Glendale Plumbing',
  role: 'tenant_admin' as const,
  tenantId,
});

describe.each(dialects)('request access on %s', (dialect) => {
  let t: TestDatabase;
  let reviewer: () => Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    reviewer = await signIn(t, REVIEWER);
  });
  afterAll(async () => t?.close());

  const requestOf = (email: string) => t.db.em().findOneOrFail(AccessRequest, { email });
  async function requested(input: Parameters<Caller['access']['request']>[0]) {
    expect(await visitor(t).access.request(input)).toEqual({ received: true });
    return requestOf(input.email.trim().toLowerCase());
  }
  const signInWith = (email: string, password: string) => visitor(t).auth.signIn({ email, password });

  describe('asking', () => {
    it('stores an anonymous request as pending, for the reviewer to see', async () => {
      const stored = await requested({ ...developerRequest('  Nia@Newcomer.Example '), tenantId: GLENDALE });
      expect(stored).toMatchObject({
        name: 'Nia Newcomer',
        email: 'nia@newcomer.example',
        organizationName: 'Brand New Co',
        role: 'developer',
        tenantId: null,
        status: 'pending',
      });
      const listed = (await reviewer().review.accessRequests()).items.find((r) => r.id === stored.id);
      expect(listed).toEqual({
        id: stored.id,
        name: 'Nia Newcomer',
        email: 'nia@newcomer.example',
        organizationName: 'Brand New Co',
        role: 'developer',
        tenantId: null,
        createdAt: expect.any(Date),
        existingOrganization: false,
        tenantName: null,
      });
      const events = await t.db.em().find(AuditEvent, { action: 'access_request.created' });
      expect(events.map((e) => [e.actorId, e.after])).toEqual([
        [null, { email: 'nia@newcomer.example', role: 'developer', organizationName: 'Brand New Co' }],
      ]);
    });

    it('shows the reviewer an existing organization and the named tenant', async () => {
      const joining = await requested(developerRequest('joiner@acme.example', 'Acme Field Apps'));
      const admin = await requested(adminRequest('office@glendale.example', GLENDALE));
      const list = (await reviewer().review.accessRequests()).items;
      expect(list.find((r) => r.id === joining.id)).toMatchObject({
        existingOrganization: true,
        tenantId: null,
      });
      expect(list.find((r) => r.id === admin.id)).toMatchObject({
        role: 'tenant_admin',
        tenantId: GLENDALE,
        tenantName: 'Glendale Plumbing',
      });
    });

    it.each([
      ['without a Tenant ID', undefined],
      ['with an empty Tenant ID', ''],
      ['with a non-numeric Tenant ID', 'glendale'],
      ['with a zero-led Tenant ID', '0985798691'],
      ['with a negative Tenant ID', '-5'],
    ])(
      'refuses a tenant admin %s: BAD_REQUEST fieldErrors.tenantId, nothing stored',
      async (_label, tenantId) => {
        const email = `no-tenant-${String(tenantId)}@example.com`;
        const failure = await rejection(
          visitor(t).access.request({
            name: 'Theo Tenant',
            email,
            organizationName: 'Glendale Plumbing',
            role: 'tenant_admin',
            tenantId,
          }),
        );
        expect(failure.code).toBe('BAD_REQUEST');
        expect(failure.fieldErrors?.tenantId).toEqual(expect.any(String));
        expect(await t.db.em().count(AccessRequest, { email })).toBe(0);
      },
    );

    it.each([
      ['name', { name: '  ' }],
      ['email', { email: 'not-an-email' }],
      ['organizationName', { organizationName: '' }],
      ['role', { role: 'reviewer' }],
    ])('refuses a bad %s with a field error', async (field, change) => {
      const failure = await rejection(
        visitor(t).access.request({
          ...developerRequest('field-errors@example.com'),
          ...change,
        } as ReturnType<typeof developerRequest>),
      );
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.fieldErrors?.[field]).toEqual(expect.any(String));
      expect(await t.db.em().count(AccessRequest, { email: 'field-errors@example.com' })).toBe(0);
    });

    it('answers a filled honeypot as received but stores and records nothing', async () => {
      const events = await t.db.em().count(AuditEvent, {});
      expect(
        await visitor(t).access.request({
          ...developerRequest('bot@spam.example'),
          website: 'https://spam.example',
        }),
      ).toEqual({ received: true });
      expect(await t.db.em().count(AccessRequest, { email: 'bot@spam.example' })).toBe(0);
      expect(await t.db.em().count(AuditEvent, {})).toBe(events);
    });

    it('takes three requests per email a day, then answers TOO_MANY_REQUESTS whatever the address or letter case', async () => {
      const email = 'eager@example.com';
      for (const spelling of [email, 'Eager@Example.com', ' EAGER@example.com '])
        await requested(developerRequest(spelling));
      const failure = await rejection(visitor(t).access.request(developerRequest('eager@EXAMPLE.com')));
      expect(failure.code).toBe('TOO_MANY_REQUESTS');
      expect(await t.db.em().count(AccessRequest, { email })).toBe(3);
    });

    it('takes ten requests an hour from one address, then answers TOO_MANY_REQUESTS', async () => {
      const clientIp = '198.51.100.77';
      for (let i = 0; i < 10; i++)
        await visitor(t, { clientIp }).access.request(developerRequest(`flood-${i}@example.com`));
      expect(
        (await rejection(visitor(t, { clientIp }).access.request(developerRequest('flood-10@example.com'))))
          .code,
      ).toBe('TOO_MANY_REQUESTS');
      expect(await t.db.em().count(AccessRequest, { email: 'flood-10@example.com' })).toBe(0);
      expect(await visitor(t).access.request(developerRequest('flood-10@example.com'))).toEqual({
        received: true,
      });
    });

    it('never grants a role by itself: no account, no sign-in, no tenant grant', async () => {
      const grants = await t.db.em().count(TenantAdmin, { tenant: GLENDALE });
      await requested(adminRequest('mallory@example.com', GLENDALE));
      expect(await t.db.em().count(User, { email: 'mallory@example.com' })).toBe(0);
      expect(await t.db.em().count(TenantAdmin, { tenant: GLENDALE })).toBe(grants);
      expect((await rejection(signInWith('mallory@example.com', PASSWORD))).code).toBe('UNAUTHORIZED');
    });
  });

  describe('deciding', () => {
    it('approves a developer with a new organization: creates it and the user, who cannot sign in until the password is set', async () => {
      const request = await requested(developerRequest('founder@startup.example', 'Startup Field Tools'));
      const approved = await reviewer().review.approveRequest({ requestId: request.id });
      expect(approved.setupToken).toMatch(/^ghps_[A-Za-z0-9_-]{40,}$/);
      expect(approved.expiresAt.getTime()).toBeGreaterThan(Date.now() + 71 * 3600_000);
      expect(approved.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 72 * 3600_000);

      const em = t.db.em();
      const user = await em.findOneOrFail(
        User,
        { email: 'founder@startup.example' },
        { populate: ['organization'] },
      );
      expect(user).toMatchObject({ id: approved.userId, name: 'Nia Newcomer', isReviewer: false });
      expect(user.organization?.name).toBe('Startup Field Tools');
      expect(await em.count(TenantAdmin, { user: user.id })).toBe(0);
      expect(await requestOf('founder@startup.example')).toMatchObject({ status: 'approved' });
      expect((await reviewer().review.accessRequests()).items.map((r) => r.id)).not.toContain(request.id);
      expect((await rejection(signInWith('founder@startup.example', PASSWORD))).code).toBe('UNAUTHORIZED');
    });

    it('stores the one-time setup token only as its SHA-256 hash', async () => {
      const request = await requested(developerRequest('hashed@startup.example', 'Hashed Co'));
      const { setupToken, userId } = await reviewer().review.approveRequest({ requestId: request.id });
      const setups = await t.db.em().find(PasswordSetup, { user: userId });
      expect(setups).toHaveLength(1);
      expect(setups[0]!.tokenHash).toBe(sha256Hex(setupToken));
      expect(JSON.stringify(setups)).not.toContain(setupToken);
      const events = await t.db.em().find(AuditEvent, {});
      expect(JSON.stringify(events)).not.toContain(setupToken);
      expect(JSON.stringify(events)).not.toContain(setupToken.slice(5));
    });

    it('lets the new user set a password once through the link, which signs them in', async () => {
      const request = await requested(developerRequest('linked@startup.example', 'Linked Co'));
      const { setupToken, userId } = await reviewer().review.approveRequest({ requestId: request.id });
      expect(await visitor(t).access.setupLink({ token: setupToken })).toEqual({
        email: 'linked@startup.example',
        name: 'Nia Newcomer',
      });

      const short = await rejection(
        visitor(t).access.setPassword({ token: setupToken, password: 'elevenchars' }),
      );
      expect(short).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { password: expect.any(String) } });
      expect(await visitor(t).access.setupLink({ token: setupToken })).toMatchObject({
        email: 'linked@startup.example',
      });

      const jar = cookieJar();
      const me = await visitor(t, { cookie: jar.cookie }).access.setPassword({
        token: setupToken,
        password: PASSWORD,
      });
      expect(me).toEqual({
        id: userId,
        email: 'linked@startup.example',
        name: 'Nia Newcomer',
        organizationId: expect.any(String),
        organizationName: 'Linked Co',
        // The first approved requester of a new organization is its Owner.
        organizationRole: 'owner',
        isReviewer: false,
        tenantIds: [],
      });
      expect(jar.token).toMatch(/^ghs_/);
      expect(await t.db.em().count(Session, { tokenHash: sha256Hex(jar.token!), user: userId })).toBe(1);
      const session = createCaller(createContextInner({ db: t.db, sessionToken: jar.token }));
      expect(await session.auth.me()).toEqual(me);
      expect(await session.apps.list({})).toEqual({ items: [], nextCursor: null });

      expect(await signInWith('linked@startup.example', PASSWORD)).toEqual(me);

      const used = { code: 'NOT_FOUND', message: LINK_INVALID, fieldErrors: null };
      expect(await rejection(visitor(t).access.setupLink({ token: setupToken }))).toEqual(used);
      expect(
        await rejection(
          visitor(t).access.setPassword({ token: setupToken, password: 'a different long password' }),
        ),
      ).toEqual(used);
      expect(await signInWith('linked@startup.example', PASSWORD)).toMatchObject({ id: userId });
      expect(
        await t.db.em().count(AuditEvent, { action: 'user.password_set', organizationId: me.organizationId }),
      ).toBe(1);
    });

    it.each(['ghps_wrong', '', 'x'.repeat(200)])(
      'answers NOT_FOUND for the wrong token %j',
      async (token) => {
        const expected = { code: 'NOT_FOUND', message: LINK_INVALID, fieldErrors: null };
        expect(await rejection(visitor(t).access.setupLink({ token }))).toEqual(expected);
        expect(await rejection(visitor(t).access.setPassword({ token, password: PASSWORD }))).toEqual(
          expected,
        );
      },
    );

    it('answers NOT_FOUND for an expired link and leaves the account locked', async () => {
      const request = await requested(developerRequest('late@startup.example', 'Late Co'));
      const { setupToken, userId } = await reviewer().review.approveRequest({ requestId: request.id });
      await t.db
        .em()
        .nativeUpdate(PasswordSetup, { user: userId }, { expiresAt: new Date(Date.now() - 1000) });
      expect((await rejection(visitor(t).access.setupLink({ token: setupToken }))).code).toBe('NOT_FOUND');
      expect(
        (await rejection(visitor(t).access.setPassword({ token: setupToken, password: PASSWORD }))).code,
      ).toBe('NOT_FOUND');
      expect((await rejection(signInWith('late@startup.example', PASSWORD))).code).toBe('UNAUTHORIZED');
    });

    it('uses a link only once when two tabs race', async () => {
      const request = await requested(developerRequest('racer@startup.example', 'Racer Co'));
      const { setupToken } = await reviewer().review.approveRequest({ requestId: request.id });
      const results = await Promise.allSettled([
        visitor(t).access.setPassword({ token: setupToken, password: 'first long password' }),
        visitor(t).access.setPassword({ token: setupToken, password: 'second long password' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected');
      expect((await rejection(Promise.reject(failed!.reason))).code).toBe('NOT_FOUND');
    });

    it('approves a developer into an existing organization by name, creating no new one', async () => {
      const request = await requested(developerRequest('second@acme.example', 'Acme Field Apps'));
      const acme = await t.db.em().findOneOrFail(Organization, { name: 'Acme Field Apps' });
      const { setupToken, userId } = await reviewer().review.approveRequest({ requestId: request.id });
      expect(await t.db.em().count(Organization, { name: 'Acme Field Apps' })).toBe(1);
      const me = await visitor(t).access.setPassword({ token: setupToken, password: PASSWORD });
      expect(me).toMatchObject({
        id: userId,
        organizationId: acme.id,
        organizationName: 'Acme Field Apps',
        // Acme has its Owner already: a later approved requester joins as a Developer.
        organizationRole: 'developer',
        tenantIds: [],
      });
      // The new member sees the organization's apps.
      const app = await (await signIn(t, DEV))().apps.create({
        name: 'Shared With Colleague',
        homePageUrl: 'https://acme.example',
        tenantIds: [],
        kind: 'private',
        credentialsMode: 'tenant_admin',
        scopes: ['tn.crm.customers:r'],
      });
      expect((await (await signIn(t, 'second@acme.example'))().apps.get({ appId: app.id })).name).toBe(
        'Shared With Colleague',
      );
    });

    it('approves a tenant admin with the grant on their tenant, and nothing else', async () => {
      const request = await requested(adminRequest('second.admin@summit.example', SUMMIT));
      const { setupToken, userId } = await reviewer().review.approveRequest({ requestId: request.id });
      const grants = await t.db.em().find(TenantAdmin, { user: userId });
      expect(grants.map((g) => g.tenant.id)).toEqual([SUMMIT]);
      const me = await visitor(t).access.setPassword({ token: setupToken, password: PASSWORD });
      expect(me).toMatchObject({ id: userId, organizationId: null, tenantIds: [SUMMIT], isReviewer: false });
      const admin = await signIn(t, 'second.admin@summit.example');
      expect(await admin().connections.tenants()).toEqual([{ id: SUMMIT, name: 'Summit HVAC' }]);
      expect(
        (await rejection(admin().connections.available({ tenantId: GLENDALE, environment: 'integration' })))
          .code,
      ).toBe('NOT_FOUND');
      expect((await rejection(admin().apps.list({}))).code).toBe('FORBIDDEN');
    });

    it('approves a tenant admin for a tenant not seen before by creating it', async () => {
      const request = await requested(adminRequest('first.admin@new-tenant.example', '555000111'));
      const { userId } = await reviewer().review.approveRequest({ requestId: request.id });
      expect(await t.db.em().findOne(Tenant, { id: '555000111' })).not.toBeNull();
      expect((await t.db.em().find(TenantAdmin, { user: userId })).map((g) => g.tenant.id)).toEqual([
        '555000111',
      ]);
    });

    it('answers CONFLICT when the email already has an account, creating nothing', async () => {
      const request = await requested(developerRequest(DEV2, 'Other Dev Co'));
      const users = await t.db.em().count(User, {});
      const setups = await t.db.em().count(PasswordSetup, {});
      expect((await rejection(reviewer().review.approveRequest({ requestId: request.id }))).code).toBe(
        'CONFLICT',
      );
      expect(await t.db.em().count(User, {})).toBe(users);
      expect(await t.db.em().count(PasswordSetup, {})).toBe(setups);
      expect((await requestOf(DEV2)).status).toBe('pending');
    });

    it.each(['', '  ', 'no'])('refuses to reject a request with the reason %j', async (reason) => {
      const request = await requested(developerRequest(`reasonless-${reason.length}@example.com`));
      const failure = await rejection(reviewer().review.rejectRequest({ requestId: request.id, reason }));
      expect(failure).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { reason: expect.any(String) } });
      expect((await requestOf(request.email)).status).toBe('pending');
    });

    it('rejects with a reason, creating nobody; deciding again answers CONFLICT', async () => {
      const request = await requested(developerRequest('refused@example.com'));
      expect(await reviewer().review.rejectRequest({ requestId: request.id, reason: REASON })).toEqual({
        status: 'rejected',
      });
      expect(await requestOf('refused@example.com')).toMatchObject({ status: 'rejected', reason: REASON });
      expect(await t.db.em().count(User, { email: 'refused@example.com' })).toBe(0);
      expect(
        (await rejection(reviewer().review.rejectRequest({ requestId: request.id, reason: REASON }))).code,
      ).toBe('CONFLICT');
      expect((await rejection(reviewer().review.approveRequest({ requestId: request.id }))).code).toBe(
        'CONFLICT',
      );
      expect(await t.db.em().count(User, { email: 'refused@example.com' })).toBe(0);
      expect((await reviewer().review.accessRequests()).items.map((r) => r.id)).not.toContain(request.id);
    });

    it('approves only once; a second approval or a later rejection answers CONFLICT', async () => {
      const request = await requested(developerRequest('once@example.com', 'Once Co'));
      await reviewer().review.approveRequest({ requestId: request.id });
      expect((await rejection(reviewer().review.approveRequest({ requestId: request.id }))).code).toBe(
        'CONFLICT',
      );
      expect(
        (await rejection(reviewer().review.rejectRequest({ requestId: request.id, reason: REASON }))).code,
      ).toBe('CONFLICT');
      expect(await t.db.em().count(User, { email: 'once@example.com' })).toBe(1);
      expect(await t.db.em().count(PasswordSetup, { user: { email: 'once@example.com' } })).toBe(1);
    });

    it('creates one account when two approvals race', async () => {
      const request = await requested(developerRequest('raced@example.com', 'Raced Co'));
      const results = await Promise.allSettled([
        reviewer().review.approveRequest({ requestId: request.id }),
        reviewer().review.approveRequest({ requestId: request.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected');
      expect((await rejection(Promise.reject(failed!.reason))).code).toBe('CONFLICT');
      expect(await t.db.em().count(User, { email: 'raced@example.com' })).toBe(1);
      expect(await t.db.em().count(Organization, { name: 'Raced Co' })).toBe(1);
    });
  });
});
