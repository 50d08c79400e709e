import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { fetchToken, listen } from '#test/http-client';
import { sha256Hex } from '../../auth/secrets';
import { AuditEvent, ClientSecret, Connection, User } from '../../db/entities';

type NewApp = Parameters<Caller['apps']['create']>[0];

const TENANT = '985798691'; // ADMIN's
const TENANT2 = '100200300'; // ADMIN2's
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const MALFORMED_IDS = ['not-a-uuid', '', "' or 1=1 --", '12345'];
const V1 = ['tn.acc.invoices:r', 'tn.crm.customers:r'];
const V2 = ['tn.crm.customers:r', 'tn.crm.customers:w'];
const CLIENT_SECRET = /^ghcs_[A-Za-z0-9_-]{43,}$/;
const HOUR = 3600_000;

describe.each(dialects)('View Connections and developer-generated secrets on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let dev2: Caller;
  let devUser: { id: string; email: string };
  let appCount = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, dev2] = await Promise.all([t.as(DEV), t.as(DEV2)]);
    const user = await t.db.em().findOneOrFail(User, { email: DEV });
    devUser = { id: user.id, email: user.email };
  });
  afterAll(async () => t?.close());

  /** A caller in a fresh context, like a new HTTP request. */
  const fresh = (email: string) => t.as(email);

  function newApp(overrides: Partial<NewApp> = {}) {
    return dev.apps.create({
      name: `Viewed App ${++appCount}`,
      homePageUrl: 'https://acme.example',
      tenantIds: [TENANT, TENANT2],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: V1,
      ...overrides,
    });
  }

  async function allow(
    email: string,
    tenantId: string,
    appId: string,
    environment: 'integration' | 'production' = 'integration',
  ) {
    // As the consent screen does: Allow names the issuer the admin was shown.
    const admin = await fresh(email);
    const { credentialsIssuer } = await admin.connections.app({ tenantId, environment, appId });
    return admin.connections.allow({ tenantId, environment, appId, credentialsIssuer });
  }

  async function view(appId: string, tenantId: string, environment: 'integration' | 'production') {
    const row = (await (await fresh(DEV)).apps.connections({ appId })).items.find(
      (r) => r.tenantId === tenantId && r.environment === environment,
    );
    if (!row) throw new Error(`no View Connections row for ${tenantId} ${environment}`);
    return row;
  }

  async function dbState() {
    const em = t.db.em();
    const connections = await em.find(Connection, {}, { orderBy: { id: 'asc' } });
    const secrets = await em.find(ClientSecret, {}, { orderBy: { id: 'asc' } });
    return {
      connections: connections.map((c) => [
        c.id,
        c.status,
        c.acceptedVersion ?? null,
        c.clientId ?? null,
        c.credentialsIssuer,
        c.revision,
      ]),
      secrets: secrets.map((s) => [s.id, s.expiresAt?.getTime() ?? null, s.revokedAt?.getTime() ?? null]),
      audit: await em.count(AuditEvent, {}),
    };
  }

  /** A refused call: its error, after checking that it changed nothing and wrote no audit event. */
  const refused = (call: () => Promise<unknown>) => rejectionWithoutChange(dbState, call);

  describe('authorization', () => {
    let appId: string;
    beforeAll(async () => {
      appId = (await newApp({ credentialsMode: 'developer' })).id;
      await allow(ADMIN, TENANT, appId);
    });

    const calls: Record<string, (c: Caller, appId: string) => Promise<unknown>> = {
      connections: (c, appId) => c.apps.connections({ appId }),
      generateSecret: (c, appId) =>
        c.apps.generateSecret({ appId, tenantId: TENANT, environment: 'integration' }),
    };

    it.each(Object.keys(calls))('%s without a session is UNAUTHORIZED', async (name) => {
      expect((await refused(() => calls[name]!(t.anonymous(), appId))).code).toBe('UNAUTHORIZED');
    });

    it.each(Object.keys(calls))(
      '%s is FORBIDDEN to tenant admins and reviewers, even of a tenant the app lists',
      async (name) => {
        for (const email of [ADMIN, ADMIN2, REVIEWER]) {
          const caller = await fresh(email);
          expect((await refused(() => calls[name]!(caller, appId))).code, email).toBe('FORBIDDEN');
        }
      },
    );

    it.each(Object.keys(calls))(
      "%s of another organization's app answers exactly like a missing or malformed id",
      async (name) => {
        const call = calls[name]!;
        const foreign = await refused(() => call(dev2, appId));
        expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
        expect(await refused(() => call(dev2, MISSING_ID))).toEqual(foreign);
        expect(await refused(() => call(dev, MISSING_ID))).toEqual(foreign);
        for (const malformed of MALFORMED_IDS)
          expect(await refused(() => call(dev, malformed)), malformed).toEqual(foreign);
      },
    );

    it.each(Object.keys(calls))('%s of a deleted app is NOT_FOUND', async (name) => {
      const doomed = await newApp({ credentialsMode: 'developer' });
      await allow(ADMIN, TENANT, doomed.id);
      await dev.apps.delete({ appId: doomed.id, confirmName: doomed.name });
      const failure = await refused(async () => calls[name]!(await fresh(DEV), doomed.id));
      expect(failure).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
    });

    it('generateSecret refuses a malformed Tenant ID or environment with a field error', async () => {
      for (const input of [
        { appId, tenantId: 'abc', environment: 'integration' as const },
        { appId, tenantId: TENANT, environment: 'staging' as 'integration' },
      ]) {
        const failure = await refused(() => dev.apps.generateSecret(input));
        expect(failure.code).toBe('BAD_REQUEST');
        expect(Object.keys(failure.fieldErrors ?? {})).toEqual([
          input.tenantId === 'abc' ? 'tenantId' : 'environment',
        ]);
      }
    });
  });

  describe('View Connections', () => {
    it('shows every listed tenant per environment, following the admins’ decisions', async () => {
      const app = await newApp();
      const { items: initial } = await dev.apps.connections({ appId: app.id });
      expect(initial.map((r) => [r.tenantId, r.environment]).sort()).toEqual(
        [
          [TENANT2, 'integration'],
          [TENANT2, 'production'],
          [TENANT, 'integration'],
          [TENANT, 'production'],
        ].sort(),
      );
      for (const row of initial) {
        expect(row).toMatchObject({
          state: 'not_connected',
          version: null,
          scopesInPlay: [],
          offered: true,
          clientId: null,
          canGenerateSecret: false,
        });
      }

      const issued = await allow(ADMIN, TENANT, app.id);
      await (await fresh(ADMIN2)).connections.decline({
        tenantId: TENANT2,
        environment: 'integration',
        appId: app.id,
      });
      expect(await view(app.id, TENANT, 'integration')).toEqual({
        tenantId: TENANT,
        tenantName: 'Glendale Plumbing',
        environment: 'integration',
        state: 'connected',
        version: 1,
        scopesInPlay: app.scopes,
        offered: true,
        clientId: issued.clientId,
        // The tenant admin issues this app's credentials.
        credentialsIssuer: 'tenant_admin',
        canGenerateSecret: false,
      });
      expect(await view(app.id, TENANT, 'production')).toMatchObject({
        state: 'not_connected',
        version: null,
        scopesInPlay: [],
        clientId: null,
      });
      expect(await view(app.id, TENANT2, 'integration')).toMatchObject({
        state: 'declined',
        version: null,
        scopesInPlay: [],
        clientId: null,
        credentialsIssuer: null,
        offered: true,
      });
      expect(await view(app.id, TENANT2, 'production')).toMatchObject({ state: 'not_connected' });

      // A new version is not in play until the admin accepts it.
      await dev.apps.saveScopes({ appId: app.id, scopes: V2 });
      expect(await view(app.id, TENANT, 'integration')).toMatchObject({
        state: 'connected',
        version: 1,
        scopesInPlay: app.scopes,
      });

      const admin = await fresh(ADMIN);
      await admin.connections.disable({ connectionId: issued.connection.id });
      expect(await view(app.id, TENANT, 'integration')).toMatchObject({
        state: 'disabled',
        version: 1,
        scopesInPlay: app.scopes,
      });
      await admin.connections.restore({ connectionId: issued.connection.id });
      await admin.connections.upgrade({ connectionId: issued.connection.id, toVersion: 2 });
      const upgraded = await view(app.id, TENANT, 'integration');
      expect(upgraded).toMatchObject({ state: 'connected', version: 2, clientId: issued.clientId });
      expect([...upgraded.scopesInPlay].sort()).toEqual([...V2].sort());
    });

    it("never shows another organization's connections of the same tenant", async () => {
      const mine = await newApp();
      const theirs = await dev2.apps.create({
        name: 'Other Co Tracker',
        homePageUrl: 'https://other.example',
        tenantIds: [TENANT],
        kind: 'private',
        credentialsMode: 'developer',
        scopes: V1,
      });
      const theirIssued = await allow(ADMIN, TENANT, theirs.id);
      const { items: rows } = await dev.apps.connections({ appId: mine.id });
      expect(rows.every((r) => r.state === 'not_connected')).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(theirIssued.clientId);
    });
  });

  describe('removing a Tenant ID from the app', () => {
    it('keeps the existing connection, flagged as no longer offered on both sides', async () => {
      const app = await newApp({ tenantIds: [TENANT] });
      const issued = await allow(ADMIN, TENANT, app.id);
      await dev.apps.removeTenant({ appId: app.id, tenantId: TENANT });

      const { items: rows } = await (await fresh(DEV)).apps.connections({ appId: app.id });
      expect(rows.map((r) => [r.tenantId, r.environment, r.state, r.offered])).toEqual([
        [TENANT, 'integration', 'connected', false],
        [TENANT, 'production', 'not_connected', false],
      ]);
      expect(rows[0]).toMatchObject({ version: 1, scopesInPlay: app.scopes, clientId: issued.clientId });

      const admin = await fresh(ADMIN);
      const listed = (
        await admin.connections.list({ tenantId: TENANT, environment: 'integration' })
      ).items.find((c) => c.id === issued.connection.id);
      expect(listed).toMatchObject({ status: 'connected', offered: false });
      expect(await admin.connections.get({ connectionId: issued.connection.id })).toMatchObject({
        status: 'connected',
        offered: false,
        scopesInPlay: app.scopes,
      });

      // No longer offered: it cannot be connected anew in the other environment.
      expect(
        (await admin.connections.available({ tenantId: TENANT, environment: 'production' })).items.map(
          (a) => a.appId,
        ),
      ).not.toContain(app.id);
      const missing = { code: 'NOT_FOUND', message: 'App not found', fieldErrors: null };
      expect(
        await refused(() =>
          admin.connections.app({ tenantId: TENANT, environment: 'production', appId: app.id }),
        ),
      ).toEqual(missing);
      expect(
        await refused(() =>
          admin.connections.allow({
            tenantId: TENANT,
            environment: 'production',
            appId: app.id,
            credentialsIssuer: 'tenant_admin',
          }),
        ),
      ).toEqual(missing);

      // The tenant admin still decides about the existing one.
      expect((await admin.connections.disable({ connectionId: issued.connection.id })).offered).toBe(false);
      expect(await view(app.id, TENANT, 'integration')).toMatchObject({ state: 'disabled', offered: false });

      // Listing the tenant again offers it again.
      await dev.apps.addTenant({ appId: app.id, tenantId: TENANT });
      expect(await view(app.id, TENANT, 'integration')).toMatchObject({ state: 'disabled', offered: true });
      expect(
        (await (await fresh(ADMIN)).connections.get({ connectionId: issued.connection.id })).offered,
      ).toBe(true);
    });
  });

  describe('generateSecret (developer-managed credentials)', () => {
    it('is FORBIDDEN when the tenant admin issues the credentials, and changes nothing', async () => {
      const app = await newApp({ credentialsMode: 'tenant_admin' });
      await allow(ADMIN, TENANT, app.id);
      const failure = await refused(() =>
        dev.apps.generateSecret({ appId: app.id, tenantId: TENANT, environment: 'integration' }),
      );
      expect(failure.code).toBe('FORBIDDEN');
      expect((await view(app.id, TENANT, 'integration')).canGenerateSecret).toBe(false);
    });

    it('is NOT_FOUND unless the tenant is connected in that environment', async () => {
      const app = await newApp({ credentialsMode: 'developer' });
      const generate = (tenantId: string, environment: 'integration' | 'production') => () =>
        dev.apps.generateSecret({ appId: app.id, tenantId, environment });
      const missing = { code: 'NOT_FOUND', message: 'Connection not found', fieldErrors: null };
      expect(await refused(generate(TENANT, 'integration'))).toEqual(missing);
      expect((await view(app.id, TENANT, 'integration')).canGenerateSecret).toBe(false);

      const issued = await allow(ADMIN, TENANT, app.id);
      await (await fresh(ADMIN2)).connections.decline({
        tenantId: TENANT2,
        environment: 'integration',
        appId: app.id,
      });
      expect(await refused(generate(TENANT, 'production'))).toEqual(missing);
      expect(await refused(generate(TENANT2, 'integration'))).toEqual(missing);
      expect(await refused(generate('999999999', 'integration'))).toEqual(missing);
      expect((await view(app.id, TENANT, 'production')).canGenerateSecret).toBe(false);
      expect((await view(app.id, TENANT2, 'integration')).canGenerateSecret).toBe(false);

      await (await fresh(ADMIN)).connections.disable({ connectionId: issued.connection.id });
      expect(await refused(generate(TENANT, 'integration'))).toEqual(missing);
      expect((await view(app.id, TENANT, 'integration')).canGenerateSecret).toBe(false);
      await (await fresh(ADMIN)).connections.restore({ connectionId: issued.connection.id });
      expect((await view(app.id, TENANT, 'integration')).canGenerateSecret).toBe(true);

      // Another organization cannot generate for it either.
      expect(
        await refused(() =>
          dev2.apps.generateSecret({ appId: app.id, tenantId: TENANT, environment: 'integration' }),
        ),
      ).toEqual({
        code: 'NOT_FOUND',
        message: 'App not found',
        fieldErrors: null,
      });
    });

    it('generates a secret shown once and rotates like the admin’s rotation, with an audit event', async () => {
      const app = await newApp({ credentialsMode: 'developer' });
      const issued = await allow(ADMIN, TENANT, app.id);
      const first = await t.db.em().findOneOrFail(ClientSecret, { connection: issued.connection.id });
      expect((await view(app.id, TENANT, 'integration')).canGenerateSecret).toBe(true);

      const seen = new Set((await t.db.em().find(AuditEvent, { appId: app.id })).map((e) => e.id));
      const before = Date.now();
      const generated = await dev.apps.generateSecret({
        appId: app.id,
        tenantId: TENANT,
        environment: 'integration',
      });
      expect(generated.clientId).toBe(issued.clientId);
      expect(generated.clientSecret).toMatch(CLIENT_SECRET);
      expect(generated.clientSecret).not.toBe(issued.clientSecret);

      const rows = await t.db.em().find(ClientSecret, { connection: issued.connection.id });
      expect(rows).toHaveLength(2);
      const created = rows.find((s) => s.id !== first.id)!;
      expect(created.secretHash).toBe(sha256Hex(generated.clientSecret));
      expect(generated.clientSecret.startsWith(created.start)).toBe(true);

      const secrets = (await (await fresh(ADMIN)).connections.get({ connectionId: issued.connection.id }))
        .secrets;
      const old = secrets.find((s) => s.id === first.id)!;
      expect(old.state).toBe('expiring');
      expect(old.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 24 * HOUR - 1000);
      expect(old.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 24 * HOUR + 1000);
      expect(secrets.find((s) => s.id === created.id)).toMatchObject({
        state: 'active',
        createdBy: DEV,
        expiresAt: null,
      });

      const events = (await t.db.em().find(AuditEvent, { appId: app.id })).filter((e) => !seen.has(e.id));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action: 'connection.secret_generated',
        actorId: devUser.id,
        actorEmail: devUser.email,
        tenantId: TENANT,
        appId: app.id,
        before: { secrets: [first.start] },
        after: { environment: 'integration', secretStart: created.start },
      });
      expect(JSON.stringify([events[0]!.before, events[0]!.after])).not.toContain(generated.clientSecret);

      // Generating again rotates again: the previous one gets the grace period, the older one keeps its earlier end.
      const again = await dev.apps.generateSecret({
        appId: app.id,
        tenantId: TENANT,
        environment: 'integration',
      });
      const states = (await (await fresh(ADMIN)).connections.get({ connectionId: issued.connection.id }))
        .secrets;
      expect(states).toHaveLength(3);
      expect(states.filter((s) => s.state === 'active')).toHaveLength(1);
      expect(states.find((s) => s.state === 'active')!.start).toBe(
        again.clientSecret.slice(0, states[0]!.start.length),
      );
      expect(states.find((s) => s.id === first.id)!.expiresAt!.getTime()).toBe(old.expiresAt!.getTime());
    });

    it('concurrent generations each succeed or get CONFLICT, and secrets = 1 + successes', async () => {
      const app = await newApp({ credentialsMode: 'developer' });
      const issued = await allow(ADMIN, TENANT, app.id);
      const callers = await Promise.all(Array.from({ length: 6 }, () => fresh(DEV)));
      const results = await Promise.allSettled(
        callers.map((c) =>
          c.apps.generateSecret({ appId: app.id, tenantId: TENANT, environment: 'integration' }),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r) => r.status === 'rejected');
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const f of failed) {
        expect(f.reason).toBeInstanceOf(TRPCError);
        expect((f.reason as TRPCError).code).toBe('CONFLICT');
      }
      expect(await t.db.em().count(ClientSecret, { connection: issued.connection.id })).toBe(1 + ok.length);
      expect(
        await t.db.em().count(AuditEvent, { appId: app.id, action: 'connection.secret_generated' }),
      ).toBe(ok.length);
    });
  });

  describe('who issues a connection’s credentials', () => {
    let server: Awaited<ReturnType<typeof listen>>;
    beforeAll(async () => {
      server = await listen(t);
    });
    afterAll(async () => server?.close());

    type AppDetail = Awaited<ReturnType<Caller['apps']['get']>>;
    /** The developer's Edit details: the details as shown, with another credentials mode. */
    const switchMode = async (app: AppDetail, credentialsMode: 'tenant_admin' | 'developer') => {
      const shown = {
        name: app.name,
        organizationName: app.organizationName,
        homePageUrl: app.homePageUrl,
        kind: app.kind,
      };
      return (await fresh(DEV)).apps.updateDetails({ appId: app.id, ...shown, credentialsMode });
    };
    const generate =
      (appId: string, tenantId: string, environment: 'integration' | 'production' = 'integration') =>
      async () =>
        (await fresh(DEV)).apps.generateSecret({ appId, tenantId, environment });

    it('switching the app to developer mode does not hand over a connection the tenant admin issued', async () => {
      const app = await newApp({ credentialsMode: 'tenant_admin' });
      const issued = await allow(ADMIN, TENANT, app.id);
      await switchMode(app, 'developer');

      const failure = await refused(generate(app.id, TENANT));
      expect(failure).toEqual({
        code: 'FORBIDDEN',
        message: "The tenant admin issues this connection's client credentials.",
        fieldErrors: null,
      });
      expect(await view(app.id, TENANT, 'integration')).toMatchObject({
        state: 'connected',
        credentialsIssuer: 'tenant_admin',
        canGenerateSecret: false,
      });

      // The admin's secret still works and was never put on an expiry.
      const token = await fetchToken(server.url, 'integration', issued.clientId, issued.clientSecret);
      expect(token.status).toBe(200);
      const detail = await (await fresh(ADMIN)).connections.get({ connectionId: issued.connection.id });
      expect(detail.credentialsIssuer).toBe('tenant_admin');
      expect(detail.secrets).toHaveLength(1);
      expect(detail.secrets[0]).toMatchObject({ state: 'active', expiresAt: null, createdBy: ADMIN });

      // The tenant admin keeps rotating it.
      expect(
        (
          await (
            await fresh(ADMIN)
          ).connections.rotateSecret({ connectionId: issued.connection.id, graceHours: 1 })
        ).secret.createdBy,
      ).toBe(ADMIN);
    });

    it('a connection allowed after the switch is the developer’s, and switching back does not take it away', async () => {
      const app = await newApp({ credentialsMode: 'tenant_admin' });
      const adminIssued = await allow(ADMIN, TENANT, app.id, 'integration');
      await switchMode(app, 'developer');

      const developerIssued = await allow(ADMIN, TENANT, app.id, 'production');
      expect(developerIssued.connection.credentialsIssuer).toBe('developer');
      expect(await view(app.id, TENANT, 'production')).toMatchObject({
        credentialsIssuer: 'developer',
        canGenerateSecret: true,
      });
      const generated = await generate(app.id, TENANT, 'production')();
      expect(generated.clientId).toBe(developerIssued.clientId);
      expect(
        (await fetchToken(server.url, 'production', generated.clientId, generated.clientSecret)).status,
      ).toBe(200);

      const allowedEvent = (
        await t.db
          .em()
          .find(AuditEvent, { appId: app.id, action: 'connection.allowed' }, { orderBy: { at: 'asc' } })
      ).map((e) => e.after);
      expect(allowedEvent).toEqual([
        expect.objectContaining({ environment: 'integration', credentialsIssuer: 'tenant_admin' }),
        expect.objectContaining({ environment: 'production', credentialsIssuer: 'developer' }),
      ]);

      // Back to the tenant admin: only new connections follow; each existing one keeps its issuer.
      await switchMode({ ...app, credentialsMode: 'developer' }, 'tenant_admin');
      expect(await view(app.id, TENANT, 'production')).toMatchObject({
        credentialsIssuer: 'developer',
        canGenerateSecret: true,
      });
      expect((await generate(app.id, TENANT, 'production')()).clientId).toBe(developerIssued.clientId);
      expect((await refused(generate(app.id, TENANT, 'integration'))).code).toBe('FORBIDDEN');
      expect(
        (await (await fresh(ADMIN)).connections.get({ connectionId: adminIssued.connection.id }))
          .credentialsIssuer,
      ).toBe('tenant_admin');
      // The tenant admin keeps rotate and revoke on the developer's connection too.
      const admin = await fresh(ADMIN);
      const rotated = await admin.connections.rotateSecret({
        connectionId: developerIssued.connection.id,
        graceHours: 0,
      });
      expect(
        await admin.connections.revokeSecret({
          connectionId: developerIssued.connection.id,
          secretId: rotated.secret.id,
        }),
      ).toEqual({ revoked: true });
    });

    it('a declined connection that is allowed later takes the app’s mode at that Allow', async () => {
      const app = await newApp({ credentialsMode: 'tenant_admin' });
      await (await fresh(ADMIN)).connections.decline({
        tenantId: TENANT,
        environment: 'integration',
        appId: app.id,
      });
      expect(await view(app.id, TENANT, 'integration')).toMatchObject({
        state: 'declined',
        credentialsIssuer: null,
        canGenerateSecret: false,
      });
      await switchMode(app, 'developer');
      const issued = await allow(ADMIN, TENANT, app.id);
      expect(issued.connection.credentialsIssuer).toBe('developer');
      expect((await generate(app.id, TENANT)()).clientId).toBe(issued.clientId);

      const other = await newApp({ credentialsMode: 'developer' });
      await (await fresh(ADMIN)).connections.decline({
        tenantId: TENANT,
        environment: 'integration',
        appId: other.id,
      });
      await switchMode(other, 'tenant_admin');
      const adminIssued = await allow(ADMIN, TENANT, other.id);
      expect(adminIssued.connection.credentialsIssuer).toBe('tenant_admin');
      expect((await refused(generate(other.id, TENANT))).code).toBe('FORBIDDEN');
    });

    it('from outside, a connection the tenant admin issues answers exactly as before: nothing tells who issues it', async () => {
      const app = await newApp({ credentialsMode: 'tenant_admin' });
      await allow(ADMIN, TENANT, app.id);
      await switchMode(app, 'developer');
      const input = { appId: app.id, tenantId: TENANT, environment: 'integration' as const };
      expect(await refused(() => dev2.apps.generateSecret(input))).toEqual({
        code: 'NOT_FOUND',
        message: 'App not found',
        fieldErrors: null,
      });
      expect((await refused(() => t.anonymous().apps.generateSecret(input))).code).toBe('UNAUTHORIZED');
      for (const email of [ADMIN, ADMIN2, REVIEWER]) {
        expect((await refused(async () => (await fresh(email)).apps.generateSecret(input))).code, email).toBe(
          'FORBIDDEN',
        );
      }
    });
  });
});
