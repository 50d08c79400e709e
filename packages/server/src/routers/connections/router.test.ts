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
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { sha256Hex } from '../../auth/secrets';
import {
  App,
  AppVersion,
  AuditEvent,
  type AuditEventEntity,
  ClientSecret,
  Connection,
  User,
} from '../../db/entities';
import type { Database } from '../../db/orm';

/** Every item of a paged list, read 100 at a time: what a client walking Next sees. */
async function everyPage<P extends { cursor?: string; limit?: number }, T>(
  read: (input: P) => Promise<{ items: T[]; nextCursor: string | null }>,
  input: NoInfer<Omit<P, 'cursor' | 'limit'>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await read({
      ...input,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    } as P);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const TENANT = '985798691'; // ADMIN's
const TENANT2 = '100200300'; // ADMIN2's
const UNKNOWN_TENANT = '999999999';
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const MALFORMED_IDS = ['not-a-uuid', '', "' or 1=1 --", '../../connections', '12345'];

const V1 = ['tn.acc.invoices:r', 'tn.crm.customers:r'];
const V2 = ['tn.crm.customers:r', 'tn.crm.customers:w', 'tn.jpm.jobs:r'];
const V3 = ['tn.crm.customers:r'];

const CLIENT_ID = /^ghc_[A-Za-z0-9_-]{22,}$/;
/** 256 bits of randomness in base64url are at least 43 characters. */
const CLIENT_SECRET = /^ghcs_[A-Za-z0-9_-]{43,}$/;

const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: [TENANT],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: V1,
};

/** Every row of every table, as text: where a leaked secret would show up. */
async function everyRow(db: Database): Promise<string> {
  const conn = db.em().getConnection();
  const tables: { name: string }[] =
    db.dialect === 'postgresql'
      ? await conn.execute(
          `select table_name as name from information_schema.tables where table_schema = 'public'`,
        )
      : await conn.execute(`select name from sqlite_master where type = 'table'`);
  expect(tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(['connection', 'client_secret', 'audit_event']),
  );
  let out = '';
  for (const { name } of tables) out += JSON.stringify(await conn.execute(`select * from "${name}"`));
  return out;
}

interface Target {
  tenantId: string;
  appId: string;
  connectionId: string;
  secretId: string;
}

/** Every tenant-admin procedure, with input that would be valid for ADMIN on `x`. */
const adminCalls: Record<string, (c: Caller, x: Target) => Promise<unknown>> = {
  tenants: (c) => c.connections.tenants(),
  list: (c, x) => c.connections.list({ tenantId: x.tenantId, environment: 'integration' }),
  available: (c, x) => c.connections.available({ tenantId: x.tenantId, environment: 'production' }),
  app: (c, x) => c.connections.app({ tenantId: x.tenantId, environment: 'production', appId: x.appId }),
  allow: (c, x) =>
    c.connections.allow({
      tenantId: x.tenantId,
      environment: 'production',
      appId: x.appId,
      credentialsIssuer: 'tenant_admin',
    }),
  decline: (c, x) =>
    c.connections.decline({ tenantId: x.tenantId, environment: 'production', appId: x.appId }),
  get: (c, x) => c.connections.get({ connectionId: x.connectionId }),
  upgrade: (c, x) => c.connections.upgrade({ connectionId: x.connectionId, toVersion: 2 }),
  declineUpgrade: (c, x) => c.connections.declineUpgrade({ connectionId: x.connectionId, toVersion: 2 }),
  disable: (c, x) => c.connections.disable({ connectionId: x.connectionId }),
  restore: (c, x) => c.connections.restore({ connectionId: x.connectionId }),
  rotateSecret: (c, x) => c.connections.rotateSecret({ connectionId: x.connectionId, graceHours: 24 }),
  revokeSecret: (c, x) => c.connections.revokeSecret({ connectionId: x.connectionId, secretId: x.secretId }),
};
const tenantScoped = ['list', 'available', 'app', 'allow', 'decline'];
const connectionScoped = [
  'get',
  'upgrade',
  'declineUpgrade',
  'disable',
  'restore',
  'rotateSecret',
  'revokeSecret',
];

describe.each(dialects)('connections router on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let admin: Caller;
  let admin2: Caller;
  let adminUser: { id: string; email: string };
  let appCount = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
    const user = await t.db.em().findOneOrFail(User, { email: ADMIN });
    adminUser = { id: user.id, email: user.email };
  });
  afterAll(async () => t?.close());

  /** A caller in a fresh context, like a new HTTP request. */
  const fresh = (email: string) => t.as(email);

  async function newApp(overrides: Partial<Parameters<Caller['apps']['create']>[0]> = {}, by: Caller = dev) {
    return by.apps.create({ ...base, name: `Connected App ${++appCount}`, ...overrides });
  }

  /** An app ADMIN allowed in Integration: its connection, credentials and secret row. */
  async function connectedApp(overrides: Partial<Parameters<Caller['apps']['create']>[0]> = {}) {
    const app = await newApp(overrides);
    const issued = await admin.connections.allow({
      tenantId: TENANT,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    const secret = await t.db.em().findOneOrFail(ClientSecret, { connection: issued.connection.id });
    return { app, issued, connectionId: issued.connection.id, secretId: secret.id };
  }

  /** Everything a connections procedure can change. */
  async function dbState() {
    const em = t.db.em();
    const connections = await em.find(Connection, {}, { orderBy: { id: 'asc' } });
    const secrets = await em.find(ClientSecret, {}, { orderBy: { id: 'asc' } });
    return {
      connections: connections.map((c) => ({
        id: c.id,
        status: c.status,
        acceptedVersion: c.acceptedVersion ?? null,
        declinedVersion: c.declinedVersion ?? null,
        clientId: c.clientId ?? null,
        revision: c.revision,
        updatedAt: c.updatedAt.getTime(),
      })),
      secrets: secrets.map((s) => ({
        id: s.id,
        hash: s.secretHash,
        expiresAt: s.expiresAt?.getTime() ?? null,
        revokedAt: s.revokedAt?.getTime() ?? null,
      })),
      apps: await em.count(App, {}),
      versions: await em.count(AppVersion, {}),
      audit: await em.count(AuditEvent, {}),
    };
  }

  /** A refused call: its error, after checking that it changed nothing and wrote no audit event. */
  const refused = (call: () => Promise<unknown>) => rejectionWithoutChange(dbState, call);

  /** Runs `fn` and returns the audit events it wrote for `appId`. */
  async function auditedBy(appId: string, fn: () => Promise<unknown>) {
    const seen = new Set((await t.db.em().find(AuditEvent, { appId })).map((e) => e.id));
    await fn();
    return (await t.db.em().find(AuditEvent, { appId }, { orderBy: { at: 'asc' } })).filter(
      (e) => !seen.has(e.id),
    );
  }

  describe('authorization', () => {
    let x: Target;
    let other: Awaited<ReturnType<typeof connectedApp>>;
    let untouched: Awaited<ReturnType<typeof dbState>>;
    let outsiders: Record<string, Caller>;
    beforeAll(async () => {
      other = await connectedApp();
      // A connected app with a version 2 waiting: every call below would be valid for ADMIN.
      const c = await connectedApp();
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V2 });
      x = { tenantId: TENANT, appId: c.app.id, connectionId: c.connectionId, secretId: c.secretId };
      // Every refusal below must change nothing and write no audit event; the last test checks.
      untouched = await dbState();
      outsiders = Object.fromEntries(
        await Promise.all([DEV, DEV2, REVIEWER].map(async (email) => [email, await fresh(email)] as const)),
      );
    });

    it.each(Object.keys(adminCalls))('%s without a session is UNAUTHORIZED', async (name) => {
      const failure = await rejection(adminCalls[name]!(t.anonymous(), x));
      expect(failure.code).toBe('UNAUTHORIZED');
    });

    it('checks the session before the input', async () => {
      const failure = await rejection(
        t.anonymous().connections.rotateSecret({ connectionId: x.connectionId, graceHours: -5 }),
      );
      expect(failure).toMatchObject({ code: 'UNAUTHORIZED', fieldErrors: null });
    });

    describe.each([DEV, DEV2, REVIEWER])('%s (not a tenant admin)', (email) => {
      it.each(Object.keys(adminCalls))('%s is FORBIDDEN', async (name) => {
        const failure = await rejection(adminCalls[name]!(outsiders[email]!, x));
        expect(failure.code).toBe('FORBIDDEN');
      });
    });

    it('lists only the tenants the admin administers', async () => {
      expect(await admin.connections.tenants()).toEqual([{ id: TENANT, name: 'Glendale Plumbing' }]);
      expect(await admin2.connections.tenants()).toEqual([{ id: TENANT2, name: 'Summit HVAC' }]);
    });

    it.each(tenantScoped)(
      "%s on another admin's Tenant ID answers exactly like an unknown tenant",
      async (name) => {
        const call = adminCalls[name]!;
        const foreign = await rejection(call(admin2, x));
        expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'Tenant not found', fieldErrors: null });
        expect(await rejection(call(admin2, { ...x, tenantId: UNKNOWN_TENANT }))).toEqual(foreign);
        expect(await rejection(call(admin, { ...x, tenantId: UNKNOWN_TENANT }))).toEqual(foreign);
        expect(await rejection(call(admin, { ...x, tenantId: TENANT2 }))).toEqual(foreign);
      },
    );

    it.each(tenantScoped)('%s refuses a malformed Tenant ID with a field error', async (name) => {
      for (const tenantId of ['', 'abc', '0123', '1'.repeat(19)]) {
        const failure = await rejection(adminCalls[name]!(admin, { ...x, tenantId }));
        expect(failure.code, tenantId).toBe('BAD_REQUEST');
        expect(failure.fieldErrors, tenantId).toHaveProperty('tenantId');
      }
    });

    it.each(connectionScoped)(
      "%s on another tenant's connection answers exactly like a missing or malformed id",
      async (name) => {
        const call = adminCalls[name]!;
        const foreign = await rejection(call(admin2, x));
        expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'Connection not found', fieldErrors: null });
        expect(await rejection(call(admin2, { ...x, connectionId: MISSING_ID }))).toEqual(foreign);
        expect(await rejection(call(admin, { ...x, connectionId: MISSING_ID }))).toEqual(foreign);
        expect(await rejection(call(admin2, { ...x, connectionId: x.connectionId.toUpperCase() }))).toEqual(
          foreign,
        );
        for (const connectionId of MALFORMED_IDS) {
          expect(await rejection(call(admin2, { ...x, connectionId })), connectionId).toEqual(foreign);
          expect(await rejection(call(admin, { ...x, connectionId })), connectionId).toEqual(foreign);
        }
      },
    );

    it('revokeSecret answers a missing, malformed or foreign secret id alike', async () => {
      const expected = { code: 'NOT_FOUND', message: 'Client secret not found', fieldErrors: null };
      // Another connection's secret, through this connection: not revoked.
      expect(
        await rejection(
          admin.connections.revokeSecret({ connectionId: x.connectionId, secretId: other.secretId }),
        ),
      ).toEqual(expected);
      expect(
        await rejection(
          admin.connections.revokeSecret({ connectionId: x.connectionId, secretId: MISSING_ID }),
        ),
      ).toEqual(expected);
      for (const secretId of MALFORMED_IDS) {
        expect(
          await rejection(admin.connections.revokeSecret({ connectionId: x.connectionId, secretId })),
          secretId,
        ).toEqual(expected);
      }
      const secrets = (await admin.connections.get({ connectionId: other.connectionId })).secrets;
      expect(secrets.map((s) => s.state)).toEqual(['active']);
    });

    it("ADMIN2 sees nothing of ADMIN's connections", async () => {
      for (const environment of ['integration', 'production'] as const) {
        expect(
          (await everyPage(admin2.connections.list, { tenantId: TENANT2, environment })).map((c) => c.id),
        ).not.toContain(x.connectionId);
        expect(
          (await everyPage(admin2.connections.available, { tenantId: TENANT2, environment })).map(
            (a) => a.appId,
          ),
        ).not.toContain(x.appId);
      }
      // The app lists only ADMIN's tenant: through ADMIN2's own tenant it is a missing app.
      const viaOwnTenant = await rejection(
        admin2.connections.app({ tenantId: TENANT2, environment: 'integration', appId: x.appId }),
      );
      expect(viaOwnTenant).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
      expect(
        await rejection(
          admin2.connections.allow({
            tenantId: TENANT2,
            environment: 'integration',
            appId: x.appId,
            credentialsIssuer: 'tenant_admin',
          }),
        ),
      ).toEqual(viaOwnTenant);
      expect(
        await rejection(
          admin2.connections.decline({ tenantId: TENANT2, environment: 'integration', appId: x.appId }),
        ),
      ).toEqual(viaOwnTenant);
    });

    it('left every connection, secret and audit row as it was after all those refusals', async () => {
      expect(await dbState()).toEqual(untouched);
    });
  });

  describe('visibility: Connect New App', () => {
    it('offers only live apps that list the tenant, from any organization, approved public ones included', async () => {
      const listed = await newApp();
      const elsewhere = await newApp({ tenantIds: [TENANT2] });
      const both = await newApp({ tenantIds: [TENANT2, TENANT] });
      const unlisted = await newApp({ tenantIds: [] });
      // A public app as a reviewer's approval leaves it, listed under its name (the review itself is the review feature's to test).
      const publicApp = await newApp({ kind: 'public' });
      await t.db.em().nativeUpdate(
        App,
        { id: publicApp.id },
        {
          reviewStatus: 'approved',
          firstApprovedAt: new Date(),
          listedName: publicApp.name,
          listedHomePageUrl: publicApp.homePageUrl,
        },
      );
      const otherOrg = await newApp({}, await fresh(DEV2));
      for (const environment of ['integration', 'production'] as const) {
        const offered = (await everyPage(admin.connections.available, { tenantId: TENANT, environment })).map(
          (a) => a.appId,
        );
        expect(offered).toEqual(expect.arrayContaining([listed.id, both.id, publicApp.id, otherOrg.id]));
        expect(offered).not.toContain(elsewhere.id);
        expect(offered).not.toContain(unlisted.id);
        const offered2 = (
          await everyPage(admin2.connections.available, { tenantId: TENANT2, environment })
        ).map((a) => a.appId);
        expect(offered2).toEqual(expect.arrayContaining([elsewhere.id, both.id]));
        expect(offered2).not.toContain(listed.id);
      }
      const entry = (
        await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'integration' })
      ).find((a) => a.appId === listed.id);
      expect(entry).toEqual({
        appId: listed.id,
        name: listed.name,
        organizationName: 'Acme Field Apps',
        homePageUrl: 'https://acme.example',
        latestVersion: 1,
        declined: false,
      });
    });

    it('never shows ADMIN an app that lists only 100200300', async () => {
      const app = await newApp({ tenantIds: [TENANT2] });
      const missing = await refused(() =>
        admin.connections.app({ tenantId: TENANT, environment: 'integration', appId: MISSING_ID }),
      );
      expect(missing).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
      for (const environment of ['integration', 'production'] as const) {
        const input = {
          tenantId: TENANT,
          environment,
          appId: app.id,
          credentialsIssuer: 'tenant_admin' as const,
        };
        expect(await refused(() => admin.connections.app(input))).toEqual(missing);
        expect(await refused(() => admin.connections.allow(input))).toEqual(missing);
        expect(await refused(() => admin.connections.decline(input))).toEqual(missing);
        expect(
          (await everyPage(admin.connections.list, { tenantId: TENANT, environment })).map((c) => c.appId),
        ).not.toContain(app.id);
      }
      for (const appId of MALFORMED_IDS) {
        expect(
          await refused(() => admin.connections.app({ tenantId: TENANT, environment: 'integration', appId })),
          appId,
        ).toEqual(missing);
      }
    });

    it('shows the app and every scope it asks for before Allow', async () => {
      const app = await newApp({ scopes: V2 });
      const seen = await admin.connections.app({
        tenantId: TENANT,
        environment: 'integration',
        appId: app.id,
      });
      expect(seen).toEqual({
        appId: app.id,
        name: app.name,
        organizationName: 'Acme Field Apps',
        homePageUrl: 'https://acme.example',
        latestVersion: 1,
        declined: false,
        scopes: app.scopes,
        credentialsIssuer: 'tenant_admin',
        connection: null,
      });
      expect([...seen.scopes].sort()).toEqual([...V2].sort());
    });

    it('shows who would issue the credentials, and refuses an Allow after the developer switched it meanwhile', async () => {
      const app = await newApp({ credentialsMode: 'tenant_admin' });
      const input = { tenantId: TENANT, environment: 'integration' as const, appId: app.id };
      const screen = await admin.connections.app(input);
      expect(screen.credentialsIssuer).toBe('tenant_admin');
      // The developer flips the mode while the admin reads the consent screen.
      const { id, name, homePageUrl, kind } = app;
      await dev.apps.updateDetails({ appId: id, name, homePageUrl, kind, credentialsMode: 'developer' });
      expect(
        await refused(() =>
          fresh(ADMIN).then((a) =>
            a.connections.allow({ ...input, credentialsIssuer: screen.credentialsIssuer }),
          ),
        ),
      ).toEqual({
        code: 'CONFLICT',
        message: "This app's credentials setting changed while you were reviewing it. Review it again.",
        fieldErrors: null,
      });
      // Reviewed again, the admin sees the new issuer and Allow takes exactly that.
      const again = await (await fresh(ADMIN)).connections.app(input);
      expect(again.credentialsIssuer).toBe('developer');
      const issued = await (await fresh(ADMIN)).connections.allow({
        ...input,
        credentialsIssuer: again.credentialsIssuer,
      });
      expect(issued.connection.credentialsIssuer).toBe('developer');
    });

    it('refuses an Allow that names no credentials issuer, with a field error', async () => {
      const app = await newApp();
      const failure = await refused(() =>
        admin.connections.allow({ tenantId: TENANT, environment: 'integration', appId: app.id } as never),
      );
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.fieldErrors).toHaveProperty('credentialsIssuer');
    });

    it('drops a deleted app: not offered, and app, allow and decline answer NOT_FOUND', async () => {
      const app = await newApp({ tenantIds: [TENANT, TENANT2] });
      expect(
        (await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'integration' })).map(
          (a) => a.appId,
        ),
      ).toContain(app.id);
      await dev.apps.delete({ appId: app.id, confirmName: app.name });
      const missing = { code: 'NOT_FOUND', message: 'App not found', fieldErrors: null };
      // Fresh contexts, like the next HTTP requests: a context's unit of work caches what it read before the delete.
      for (const [caller, tenantId] of [
        [await fresh(ADMIN), TENANT],
        [await fresh(ADMIN2), TENANT2],
      ] as const) {
        expect(
          (await everyPage(caller.connections.available, { tenantId, environment: 'integration' })).map(
            (a) => a.appId,
          ),
        ).not.toContain(app.id);
        const input = {
          tenantId,
          environment: 'integration' as const,
          appId: app.id,
          credentialsIssuer: 'tenant_admin' as const,
        };
        expect(await refused(() => caller.connections.app(input))).toEqual(missing);
        expect(await refused(() => caller.connections.allow(input))).toEqual(missing);
        expect(await refused(() => caller.connections.decline(input))).toEqual(missing);
      }
    });

    it("shows a deleted app's existing connection as such, and it can no longer be upgraded or get secrets", async () => {
      const c = await connectedApp();
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V2 });
      await dev.apps.delete({ appId: c.app.id, confirmName: c.app.name });
      const listed = (
        await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' })
      ).find((s) => s.id === c.connectionId);
      expect(listed).toMatchObject({ appDeleted: true, newVersionAvailable: false });
      const detail = await admin.connections.get({ connectionId: c.connectionId });
      expect(detail).toMatchObject({
        appDeleted: true,
        newVersionAvailable: false,
        upgrade: null,
        scopesInPlay: c.app.scopes,
      });
      const missing = { code: 'NOT_FOUND', message: 'App not found', fieldErrors: null };
      expect(
        await refused(() => admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 2 })),
      ).toEqual(missing);
      expect(
        await refused(() => admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 0 })),
      ).toEqual(missing);
    });
  });

  describe('allow and decline', () => {
    it('connects on the latest version and shows a Client ID and a 320-bit Client Secret once', async () => {
      const app = await newApp();
      await dev.apps.saveScopes({ appId: app.id, scopes: V2 });
      const issued = await admin.connections.allow({
        tenantId: TENANT,
        environment: 'integration',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      });
      expect(issued.clientId).toMatch(CLIENT_ID);
      expect(issued.clientSecret).toMatch(CLIENT_SECRET);
      expect(
        Buffer.from(issued.clientSecret.slice('ghcs_'.length), 'base64url').length,
      ).toBeGreaterThanOrEqual(32);
      expect(issued.connection).toMatchObject({
        appId: app.id,
        appName: app.name,
        organizationName: 'Acme Field Apps',
        homePageUrl: 'https://acme.example',
        tenantId: TENANT,
        environment: 'integration',
        status: 'connected',
        acceptedVersion: 2,
        latestVersion: 2,
        newVersionAvailable: false,
        offered: true,
        appDeleted: false,
        clientId: issued.clientId,
      });

      const detail = await (await fresh(ADMIN)).connections.get({ connectionId: issued.connection.id });
      expect([...detail.scopesInPlay].sort()).toEqual([...V2].sort());
      expect(detail.upgrade).toBeNull();
      expect(detail.secrets).toHaveLength(1);
      expect(detail.secrets[0]).toMatchObject({
        state: 'active',
        createdBy: ADMIN,
        lastUsedAt: null,
        expiresAt: null,
        revokedAt: null,
      });
      expect(issued.clientSecret.startsWith(detail.secrets[0]!.start)).toBe(true);
      expect(detail.secrets[0]!.start.length).toBeLessThan(16);
      // The secret is shown once: nothing that reads the connection later carries it.
      expect(JSON.stringify(detail)).not.toContain(issued.clientSecret);
      expect(
        JSON.stringify(
          await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' }),
        ),
      ).not.toContain(issued.clientSecret);

      expect(
        (await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'integration' })).map(
          (a) => a.appId,
        ),
      ).not.toContain(app.id);
      expect(
        (await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' })).map(
          (c) => c.id,
        ),
      ).toContain(issued.connection.id);
    });

    it('stores only the SHA-256 of the secret and a short start, in no column in clear', async () => {
      const { issued } = await connectedApp();
      const rows = await t.db.em().find(ClientSecret, { connection: issued.connection.id });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.secretHash).toBe(sha256Hex(issued.clientSecret));
      expect(rows[0]!.secretHash).toMatch(/^[0-9a-f]{64}$/);
      const dump = await everyRow(t.db);
      expect(dump).toContain(rows[0]!.secretHash);
      expect(dump).not.toContain(issued.clientSecret);
      // Nor the random part past the visible start, in any encoding-free form.
      const hidden = issued.clientSecret.slice(rows[0]!.start.length);
      expect(hidden.length).toBeGreaterThanOrEqual(32);
      expect(dump).not.toContain(hidden);
      expect(dump).not.toContain(hidden.slice(0, 16));
    });

    it('gives every connection its own random credentials', async () => {
      const issued = await Promise.all([1, 2, 3, 4].map(async () => (await connectedApp()).issued));
      expect(new Set(issued.map((i) => i.clientId)).size).toBe(4);
      expect(new Set(issued.map((i) => i.clientSecret)).size).toBe(4);
      expect(new Set(issued.map((i) => i.clientSecret.slice(5, 11))).size).toBeGreaterThan(1);
    });

    it('keeps environments apart: Production stays Not Connected Yet, then gets its own credentials', async () => {
      const { app, issued } = await connectedApp();
      expect(
        (await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'production' })).map(
          (a) => a.appId,
        ),
      ).toContain(app.id);
      expect(
        (await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'production' })).map(
          (c) => c.appId,
        ),
      ).not.toContain(app.id);
      const inProduction = await admin.connections.app({
        tenantId: TENANT,
        environment: 'production',
        appId: app.id,
      });
      expect(inProduction.connection).toBeNull();
      const inIntegration = await admin.connections.app({
        tenantId: TENANT,
        environment: 'integration',
        appId: app.id,
      });
      expect(inIntegration.connection).toMatchObject({ id: issued.connection.id, status: 'connected' });

      const production = await admin.connections.allow({
        tenantId: TENANT,
        environment: 'production',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      });
      expect(production.connection.environment).toBe('production');
      expect(production.connection.id).not.toBe(issued.connection.id);
      expect(production.clientId).toMatch(CLIENT_ID);
      expect(production.clientId).not.toBe(issued.clientId);
      expect(production.clientSecret).not.toBe(issued.clientSecret);
      expect(await t.db.em().count(Connection, { app: app.id })).toBe(2);
      // Integration's credentials are untouched.
      const integration = await admin.connections.get({ connectionId: issued.connection.id });
      expect(integration.clientId).toBe(issued.clientId);
      expect(integration.secrets.map((s) => s.state)).toEqual(['active']);
    });

    it('refuses a second Allow with CONFLICT and changes nothing', async () => {
      const { app, issued } = await connectedApp();
      const input = {
        tenantId: TENANT,
        environment: 'integration' as const,
        appId: app.id,
        credentialsIssuer: 'tenant_admin' as const,
      };
      const failure = await refused(() => admin.connections.allow(input));
      expect(failure.code).toBe('CONFLICT');
      expect((await refused(async () => (await fresh(ADMIN)).connections.allow(input))).code).toBe(
        'CONFLICT',
      );
      expect((await refused(() => admin.connections.decline(input))).code).toBe('CONFLICT');
      expect((await admin.connections.get({ connectionId: issued.connection.id })).clientId).toBe(
        issued.clientId,
      );
    });

    it('records Decline, keeps offering the app as declined, and lets it be allowed later', async () => {
      const app = await newApp();
      const input = {
        tenantId: TENANT,
        environment: 'integration' as const,
        appId: app.id,
        credentialsIssuer: 'tenant_admin' as const,
      };
      const declined = await admin.connections.decline(input);
      expect(declined).toMatchObject({
        appId: app.id,
        status: 'declined',
        acceptedVersion: null,
        clientId: null,
        newVersionAvailable: false,
        environment: 'integration',
      });
      expect(await t.db.em().count(ClientSecret, { connection: declined.id })).toBe(0);

      const offered = (
        await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'integration' })
      ).find((a) => a.appId === app.id);
      expect(offered).toMatchObject({ declined: true });
      expect(
        (await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'production' })).find(
          (a) => a.appId === app.id,
        ),
      ).toMatchObject({ declined: false });
      expect((await admin.connections.app(input)).declined).toBe(true);
      expect(
        (await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' })).find(
          (c) => c.appId === app.id,
        ),
      ).toMatchObject({ status: 'declined' });

      // Declining again is harmless and writes nothing.
      const before = await dbState();
      expect((await admin.connections.decline(input)).status).toBe('declined');
      expect(await dbState()).toEqual(before);

      // A declined connection has no secrets and no versions to manage.
      for (const call of [
        () => admin.connections.disable({ connectionId: declined.id }),
        () => admin.connections.restore({ connectionId: declined.id }),
        () => admin.connections.upgrade({ connectionId: declined.id, toVersion: 1 }),
        () => admin.connections.declineUpgrade({ connectionId: declined.id, toVersion: 1 }),
        () => admin.connections.rotateSecret({ connectionId: declined.id, graceHours: 24 }),
      ]) {
        expect((await refused(call)).code).toBe('CONFLICT');
      }

      await dev.apps.saveScopes({ appId: app.id, scopes: V2 });
      const allowed = await admin.connections.allow(input);
      expect(allowed.connection).toMatchObject({
        id: declined.id,
        status: 'connected',
        acceptedVersion: 2,
        clientId: allowed.clientId,
      });
      expect(allowed.clientId).toMatch(CLIENT_ID);
      expect(allowed.clientSecret).toMatch(CLIENT_SECRET);
      expect(await t.db.em().count(Connection, { app: app.id })).toBe(1);
      expect(
        (await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'integration' })).map(
          (a) => a.appId,
        ),
      ).not.toContain(app.id);
    });
  });

  describe('scopes in play and upgrades', () => {
    it('keeps version 1 in play after version 2, shows the changes, and upgrades with the same credentials', async () => {
      const c = await connectedApp();
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V2 });

      const views = await everyPage(dev.apps.connections, { appId: c.app.id });
      expect(views.find((v) => v.tenantId === TENANT && v.environment === 'integration')).toMatchObject({
        state: 'connected',
        version: 1,
        scopesInPlay: c.app.scopes,
      });

      const detail = await admin.connections.get({ connectionId: c.connectionId });
      expect(detail).toMatchObject({
        acceptedVersion: 1,
        latestVersion: 2,
        newVersionAvailable: true,
        scopesInPlay: c.app.scopes,
      });
      expect(detail.upgrade).toEqual({
        fromVersion: 1,
        toVersion: 2,
        added: ['tn.crm.customers:w', 'tn.jpm.jobs:r'],
        removed: ['tn.acc.invoices:r'],
      });
      expect(
        (await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' })).find(
          (s) => s.id === c.connectionId,
        ),
      ).toMatchObject({ newVersionAvailable: true });

      const upgraded = await admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 2 });
      expect(upgraded).toMatchObject({
        acceptedVersion: 2,
        latestVersion: 2,
        newVersionAvailable: false,
        status: 'connected',
        clientId: c.issued.clientId,
      });
      const after = await (await fresh(ADMIN)).connections.get({ connectionId: c.connectionId });
      expect([...after.scopesInPlay].sort()).toEqual([...V2].sort());
      expect(after.upgrade).toBeNull();
      expect(after.secrets.map((s) => [s.id, s.state])).toEqual([[c.secretId, 'active']]);
      const viewsAfter = await everyPage(dev.apps.connections, { appId: c.app.id });
      expect(viewsAfter.find((v) => v.tenantId === TENANT && v.environment === 'integration')).toMatchObject({
        version: 2,
        scopesInPlay: after.scopesInPlay,
        clientId: c.issued.clientId,
      });

      const again = await refused(() =>
        admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 2 }),
      );
      expect(again.code).toBe('BAD_REQUEST');
      expect(again.fieldErrors).toHaveProperty('toVersion');
    });

    it('refuses an upgrade to a version that is no longer the newest, or does not exist', async () => {
      const c = await connectedApp();
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V2 });
      expect((await admin.connections.get({ connectionId: c.connectionId })).upgrade?.toVersion).toBe(2);
      // The developer saves version 3 while the admin reviews version 2.
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V3 });
      for (const toVersion of [2, 1, 4, 99]) {
        const failure = await refused(() =>
          admin.connections.upgrade({ connectionId: c.connectionId, toVersion }),
        );
        expect(failure.code, String(toVersion)).toBe('BAD_REQUEST');
        expect(failure.fieldErrors, String(toVersion)).toHaveProperty('toVersion');
      }
      for (const toVersion of [0, -1, 1.5]) {
        const failure = await refused(() =>
          admin.connections.upgrade({ connectionId: c.connectionId, toVersion }),
        );
        expect(failure.code, String(toVersion)).toBe('BAD_REQUEST');
      }
      const detail = await admin.connections.get({ connectionId: c.connectionId });
      expect(detail).toMatchObject({ acceptedVersion: 1, upgrade: { fromVersion: 1, toVersion: 3 } });
      expect(
        (await admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 3 })).acceptedVersion,
      ).toBe(3);
    });

    it('declining an upgrade keeps version 1 and clears New Version Available until version 3', async () => {
      const c = await connectedApp();
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V2 });
      for (const toVersion of [1, 3]) {
        const failure = await refused(() =>
          admin.connections.declineUpgrade({ connectionId: c.connectionId, toVersion }),
        );
        expect(failure.code).toBe('BAD_REQUEST');
        expect(failure.fieldErrors).toHaveProperty('toVersion');
      }
      const declined = await admin.connections.declineUpgrade({ connectionId: c.connectionId, toVersion: 2 });
      expect(declined).toMatchObject({
        acceptedVersion: 1,
        latestVersion: 2,
        newVersionAvailable: false,
        status: 'connected',
        clientId: c.issued.clientId,
      });
      const detail = await admin.connections.get({ connectionId: c.connectionId });
      expect(detail).toMatchObject({
        acceptedVersion: 1,
        newVersionAvailable: false,
        scopesInPlay: c.app.scopes,
      });
      expect(
        (await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' })).find(
          (s) => s.id === c.connectionId,
        )?.newVersionAvailable,
      ).toBe(false);
      expect(
        (await everyPage(dev.apps.connections, { appId: c.app.id })).find(
          (v) => v.tenantId === TENANT && v.environment === 'integration',
        ),
      ).toMatchObject({ version: 1, scopesInPlay: c.app.scopes });

      await dev.apps.saveScopes({ appId: c.app.id, scopes: V3 });
      const later = await admin.connections.get({ connectionId: c.connectionId });
      expect(later).toMatchObject({
        acceptedVersion: 1,
        latestVersion: 3,
        newVersionAvailable: true,
        upgrade: { fromVersion: 1, toVersion: 3 },
      });
    });

    it('a disabled connection can be upgraded and stays disabled', async () => {
      const c = await connectedApp();
      await admin.connections.disable({ connectionId: c.connectionId });
      await dev.apps.saveScopes({ appId: c.app.id, scopes: V2 });
      expect(await admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 2 })).toMatchObject({
        status: 'disabled',
        acceptedVersion: 2,
      });
    });
  });

  describe('disable and restore', () => {
    it('moves connected → disabled → connected, refusing the other transitions, and View Connections follows', async () => {
      const c = await connectedApp();
      const viewState = async () =>
        (await everyPage(dev.apps.connections, { appId: c.app.id })).find(
          (v) => v.tenantId === TENANT && v.environment === 'integration',
        )?.state;
      const input = { connectionId: c.connectionId };

      expect((await refused(() => admin.connections.restore(input))).code).toBe('CONFLICT');
      expect(await viewState()).toBe('connected');

      expect(await admin.connections.disable(input)).toMatchObject({
        status: 'disabled',
        acceptedVersion: 1,
        clientId: c.issued.clientId,
      });
      expect(await viewState()).toBe('disabled');
      expect(
        (await everyPage(admin.connections.list, { tenantId: TENANT, environment: 'integration' })).find(
          (s) => s.id === c.connectionId,
        )?.status,
      ).toBe('disabled');
      expect(
        (await everyPage(admin.connections.available, { tenantId: TENANT, environment: 'integration' })).map(
          (a) => a.appId,
        ),
      ).not.toContain(c.app.id);

      const twice = await refused(() => admin.connections.disable(input));
      expect(twice.code).toBe('CONFLICT');
      expect((await refused(async () => (await fresh(ADMIN)).connections.disable(input))).code).toBe(
        'CONFLICT',
      );
      expect(
        (
          await refused(() =>
            admin.connections.allow({
              tenantId: TENANT,
              environment: 'integration',
              appId: c.app.id,
              credentialsIssuer: 'tenant_admin',
            }),
          )
        ).code,
      ).toBe('CONFLICT');
      expect(
        (
          await refused(() =>
            admin.connections.decline({ tenantId: TENANT, environment: 'integration', appId: c.app.id }),
          )
        ).code,
      ).toBe('CONFLICT');

      expect(await admin.connections.restore(input)).toMatchObject({
        status: 'connected',
        acceptedVersion: 1,
        clientId: c.issued.clientId,
      });
      expect(await viewState()).toBe('connected');
      expect((await refused(() => admin.connections.restore(input))).code).toBe('CONFLICT');
      // The same secret keeps working across the pause.
      expect((await admin.connections.get(input)).secrets.map((s) => [s.id, s.state])).toEqual([
        [c.secretId, 'active'],
      ]);
    });
  });

  describe('client secrets', () => {
    const HOUR = 3600_000;

    it('rotates with a 24-hour grace: the old secret is expiring, the new one active and shown once', async () => {
      const c = await connectedApp();
      const before = Date.now();
      const rotated = await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 24 });
      expect(rotated.clientId).toBe(c.issued.clientId);
      expect(rotated.clientSecret).toMatch(CLIENT_SECRET);
      expect(rotated.clientSecret).not.toBe(c.issued.clientSecret);
      expect(rotated.secret).toMatchObject({
        state: 'active',
        expiresAt: null,
        revokedAt: null,
        createdBy: ADMIN,
      });
      expect(rotated.clientSecret.startsWith(rotated.secret.start)).toBe(true);

      const secrets = (await (await fresh(ADMIN)).connections.get({ connectionId: c.connectionId })).secrets;
      expect(secrets).toHaveLength(2);
      const old = secrets.find((s) => s.id === c.secretId)!;
      const current = secrets.find((s) => s.id === rotated.secret.id)!;
      expect(old.state).toBe('expiring');
      expect(old.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 24 * HOUR - 1000);
      expect(old.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 24 * HOUR + 1000);
      expect(current).toMatchObject({ state: 'active', expiresAt: null });
      const row = await t.db.em().findOneOrFail(ClientSecret, { id: rotated.secret.id });
      expect(row.secretHash).toBe(sha256Hex(rotated.clientSecret));
      expect(await everyRow(t.db)).not.toContain(rotated.clientSecret);
    });

    it('uses a 24-hour grace by default, and expires every older secret at once with graceHours 0', async () => {
      const c = await connectedApp();
      const first = await admin.connections.rotateSecret({ connectionId: c.connectionId });
      let secrets = (await admin.connections.get({ connectionId: c.connectionId })).secrets;
      const graceEnd = secrets.find((s) => s.id === c.secretId)!.expiresAt!.getTime();
      expect(Math.abs(graceEnd - (Date.now() + 24 * HOUR))).toBeLessThan(60_000);

      const second = await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 0 });
      secrets = (await (await fresh(ADMIN)).connections.get({ connectionId: c.connectionId })).secrets;
      expect(Object.fromEntries(secrets.map((s) => [s.id, s.state]))).toEqual({
        [c.secretId]: 'expired',
        [first.secret.id]: 'expired',
        [second.secret.id]: 'active',
      });
    });

    it('refuses an invalid grace period with a field error and changes nothing', async () => {
      const c = await connectedApp();
      for (const graceHours of [-1, 1.5, 10000, 721, Number.NaN]) {
        const failure = await refused(() =>
          admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours }),
        );
        expect(failure.code, String(graceHours)).toBe('BAD_REQUEST');
        expect(failure.fieldErrors, String(graceHours)).toHaveProperty('graceHours');
      }
      expect(
        (await admin.connections.get({ connectionId: c.connectionId })).secrets.map((s) => s.state),
      ).toEqual(['active']);
      // The limits themselves are fine.
      await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 720 });
    });

    it('revokes a secret once; revoking it again or a foreign secret is NOT_FOUND', async () => {
      const c = await connectedApp();
      const other = await connectedApp();
      const rotated = await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 24 });
      const before = Date.now();
      expect(
        await admin.connections.revokeSecret({ connectionId: c.connectionId, secretId: c.secretId }),
      ).toEqual({ revoked: true });
      const secrets = (await admin.connections.get({ connectionId: c.connectionId })).secrets;
      const revoked = secrets.find((s) => s.id === c.secretId)!;
      expect(revoked.state).toBe('revoked');
      expect(revoked.revokedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(secrets.find((s) => s.id === rotated.secret.id)!.state).toBe('active');

      const notFound = { code: 'NOT_FOUND', message: 'Client secret not found', fieldErrors: null };
      expect(
        await refused(() =>
          admin.connections.revokeSecret({ connectionId: c.connectionId, secretId: c.secretId }),
        ),
      ).toEqual(notFound);
      expect(
        await refused(() =>
          admin.connections.revokeSecret({ connectionId: c.connectionId, secretId: other.secretId }),
        ),
      ).toEqual(notFound);
      // ADMIN2 cannot revoke ADMIN's secret through any connection id.
      expect(
        (
          await refused(() =>
            admin2.connections.revokeSecret({ connectionId: other.connectionId, secretId: other.secretId }),
          )
        ).code,
      ).toBe('NOT_FOUND');
      expect(
        (await admin.connections.get({ connectionId: other.connectionId })).secrets.map((s) => s.state),
      ).toEqual(['active']);

      // Revoking the last live secret is allowed; a rotation afterwards issues a fresh one.
      await admin.connections.revokeSecret({ connectionId: c.connectionId, secretId: rotated.secret.id });
      const fresh3 = await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 24 });
      const states = (await admin.connections.get({ connectionId: c.connectionId })).secrets.map((s) => [
        s.id,
        s.state,
      ]);
      expect(states).toEqual(
        expect.arrayContaining([
          [fresh3.secret.id, 'active'],
          [c.secretId, 'revoked'],
          [rotated.secret.id, 'revoked'],
        ]),
      );
    });
  });

  describe('audit trail', () => {
    it('records every change with the actor, tenant, app and before/after', async () => {
      const app = await newApp();
      const input = {
        tenantId: TENANT,
        environment: 'integration' as const,
        appId: app.id,
        credentialsIssuer: 'tenant_admin' as const,
      };
      // One call's events share a moment: they are compared as a set, then read in the order named.
      const check = (written: AuditEventEntity[], actions: string[]) => {
        expect(written.map((e) => e.action).sort()).toEqual([...actions].sort());
        const events = actions.map((action) => written.find((e) => e.action === action)!);
        for (const event of events) {
          expect(event).toMatchObject({
            actorId: adminUser.id,
            actorEmail: adminUser.email,
            tenantId: TENANT,
            appId: app.id,
          });
          expect(event.after).toMatchObject({ environment: 'integration' });
        }
        return events;
      };

      const [declined] = check(await auditedBy(app.id, () => admin.connections.decline(input)), [
        'connection.declined',
      ]);
      expect(declined!.after).toMatchObject({ status: 'declined' });

      let issued!: Awaited<ReturnType<Caller['connections']['allow']>>;
      const [allowed, created] = check(
        await auditedBy(app.id, async () => (issued = await admin.connections.allow(input))),
        ['connection.allowed', 'connection.secret_created'],
      );
      expect(allowed!.before).toMatchObject({ status: 'declined', acceptedVersion: null });
      expect(allowed!.after).toMatchObject({
        status: 'connected',
        acceptedVersion: 1,
        clientId: issued.clientId,
        credentialsIssuer: 'tenant_admin',
      });
      expect(created!.after).toMatchObject({ secretStart: issued.clientSecret.slice(0, 11) });
      const connectionId = issued.connection.id;

      await dev.apps.saveScopes({ appId: app.id, scopes: V2 });
      const [declinedUpgrade] = check(
        await auditedBy(app.id, () => admin.connections.declineUpgrade({ connectionId, toVersion: 2 })),
        ['connection.upgrade_declined'],
      );
      expect(declinedUpgrade!.before).toMatchObject({ acceptedVersion: 1, declinedVersion: null });
      expect(declinedUpgrade!.after).toMatchObject({ acceptedVersion: 1, declinedVersion: 2 });

      const [upgraded] = check(
        await auditedBy(app.id, () => admin.connections.upgrade({ connectionId, toVersion: 2 })),
        ['connection.upgraded'],
      );
      expect(upgraded!.before).toMatchObject({ acceptedVersion: 1 });
      expect(upgraded!.after).toMatchObject({ acceptedVersion: 2 });

      const [disabled] = check(await auditedBy(app.id, () => admin.connections.disable({ connectionId })), [
        'connection.disabled',
      ]);
      expect(disabled!.before).toMatchObject({ status: 'connected' });
      expect(disabled!.after).toMatchObject({ status: 'disabled' });

      const [restored] = check(await auditedBy(app.id, () => admin.connections.restore({ connectionId })), [
        'connection.restored',
      ]);
      expect(restored!.before).toMatchObject({ status: 'disabled' });
      expect(restored!.after).toMatchObject({ status: 'connected' });

      let rotated!: Awaited<ReturnType<Caller['connections']['rotateSecret']>>;
      const [rotation] = check(
        await auditedBy(
          app.id,
          async () => (rotated = await admin.connections.rotateSecret({ connectionId, graceHours: 6 })),
        ),
        ['connection.secret_rotated'],
      );
      expect(rotation!.before).toEqual({ secrets: [issued.clientSecret.slice(0, 11)] });
      expect(rotation!.after).toMatchObject({ secretStart: rotated.secret.start, graceHours: 6 });

      const [revocation] = check(
        await auditedBy(app.id, () =>
          admin.connections.revokeSecret({ connectionId, secretId: rotated.secret.id }),
        ),
        ['connection.secret_revoked'],
      );
      expect(revocation!.before).toEqual({ secretStart: rotated.secret.start });
      expect(revocation!.after).toHaveProperty('revokedAt');

      // The organization is recorded too, so the developer's own trail can find these.
      const events = await t.db.em().find(AuditEvent, { appId: app.id, action: { $like: 'connection.%' } });
      expect(new Set(events.map((e) => e.organizationId)).size).toBe(1);
      expect(events[0]!.organizationId).toBeTruthy();
      // No audit payload carries a secret in clear.
      const payloads = JSON.stringify(events.map((e) => [e.before, e.after]));
      expect(payloads).not.toContain(issued.clientSecret);
      expect(payloads).not.toContain(rotated.clientSecret);
    });
  });
});
