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
  type TestDatabase,
} from '#test/harness';
import { startSession } from '../../auth/sessions';
import { createContextInner } from '../../context';
import { App, AppTenant, AppVersion, AuditEvent, User } from '../../db/entities';
import { createCaller } from '../../root';

const base = {
  name: 'Dispatch Sync',
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const MALFORMED_IDS = ['not-a-uuid', '', "' or 1=1 --", '../../apps', '12345'];

/** Every procedure that works on one app, with otherwise valid input. */
const onApp: Record<string, (caller: Caller, appId: string) => Promise<unknown>> = {
  get: (c, appId) => c.apps.get({ appId }),
  tenants: (c, appId) => c.apps.tenants({ appId }),
  versions: (c, appId) => c.apps.versions({ appId }),
  usage: (c, appId) => c.apps.usage({ appId, days: 30 }),
  saveScopes: (c, appId) => c.apps.saveScopes({ appId, scopes: ['tn.acc.invoices:r'] }),
  addTenant: (c, appId) => c.apps.addTenant({ appId, tenantId: '100200300' }),
  removeTenant: (c, appId) => c.apps.removeTenant({ appId, tenantId: '985798691' }),
  delete: (c, appId) => c.apps.delete({ appId, confirmName: base.name }),
};

/** And the two that do not. */
const general: Record<string, (caller: Caller) => Promise<unknown>> = {
  list: (c) => c.apps.list({}),
  create: (c) => c.apps.create(base),
};

describe.each(dialects)('apps router on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let dev2: Caller;
  let devUser: { id: string; organizationId: string };

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    dev2 = await t.as(DEV2);
    const user = await t.db.em().findOneOrFail(User, { email: DEV });
    devUser = { id: user.id, organizationId: user.organization!.id };
  });
  afterAll(async () => t?.close());

  /** Row counts of everything an apps procedure can write. */
  async function counts() {
    const em = t.db.em();
    return {
      apps: await em.count(App, {}),
      tenants: await em.count(AppTenant, {}),
      versions: await em.count(AppVersion, {}),
      audit: await em.count(AuditEvent, {}),
    };
  }

  async function auditOf(appId: string) {
    return t.db.em().find(AuditEvent, { appId }, { orderBy: { at: 'asc' } });
  }

  /** The Tenant IDs the app lists, in Tenant ID order (a first page is enough for these apps). */
  async function listed(appId: string): Promise<string[]> {
    const page = await dev.apps.tenants({ appId, limit: 200 });
    expect(page.nextCursor).toBeNull();
    return page.items.map((tenant) => tenant.tenantId);
  }

  /** A caller in a fresh context, like a new HTTP request: nothing cached from earlier calls. */
  async function fresh(email: string): Promise<Caller> {
    return t.as(email);
  }

  describe('authorization', () => {
    let appId: string;
    beforeAll(async () => {
      appId = (await dev.apps.create({ ...base, name: 'Guarded App' })).id;
    });

    it.each(Object.keys(onApp))('%s without a session is UNAUTHORIZED', async (name) => {
      const failure = await rejection(onApp[name]!(t.anonymous(), appId));
      expect(failure.code).toBe('UNAUTHORIZED');
    });

    it.each(Object.keys(general))('%s without a session is UNAUTHORIZED', async (name) => {
      expect((await rejection(general[name]!(t.anonymous()))).code).toBe('UNAUTHORIZED');
    });

    it('checks the session before the input: garbage from a stranger is UNAUTHORIZED, not a validation hint', async () => {
      const failure = await rejection(
        t.anonymous().apps.create({ ...base, homePageUrl: 'javascript:alert(1)' }),
      );
      expect(failure.code).toBe('UNAUTHORIZED');
      expect(failure.fieldErrors).toBeNull();
    });

    it('refuses a session token that does not exist', async () => {
      const caller = createCaller(createContextInner({ db: t.db, sessionToken: 'ghs_made-up-token' }));
      expect((await rejection(caller.apps.list({}))).code).toBe('UNAUTHORIZED');
    });

    describe.each([ADMIN, ADMIN2, REVIEWER])('%s (not a developer)', (email) => {
      it.each(Object.keys(onApp))('%s is FORBIDDEN', async (name) => {
        // ADMIN administers 985798691, which this app lists: still not theirs to edit.
        const failure = await rejection(onApp[name]!(await fresh(email), appId));
        expect(failure.code).toBe('FORBIDDEN');
      });

      it.each(Object.keys(general))('%s is FORBIDDEN', async (name) => {
        expect((await rejection(general[name]!(await fresh(email)))).code).toBe('FORBIDDEN');
      });
    });

    it.each(Object.keys(onApp))(
      "%s of another organization's app answers exactly like a missing or malformed id",
      async (name) => {
        const call = onApp[name]!;
        const foreign = await rejection(call(dev2, appId));
        const missing = await rejection(call(dev2, MISSING_ID));
        const missingForOwner = await rejection(call(dev, MISSING_ID));
        expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
        expect(missing).toEqual(foreign);
        expect(missingForOwner).toEqual(foreign);
        // The same id in capitals is still the same foreign app.
        expect(await rejection(call(dev2, appId.toUpperCase()))).toEqual(foreign);
        for (const malformed of MALFORMED_IDS)
          expect(await rejection(call(dev2, malformed)), malformed).toEqual(foreign);
      },
    );

    it('leaves the app untouched after every foreign attempt', async () => {
      const before = await counts();
      for (const call of Object.values(onApp)) await rejection(call(dev2, appId));
      expect(await counts()).toEqual(before);
      const app = await dev.apps.get({ appId });
      expect(app.latestVersion).toBe(1);
      expect(app).toMatchObject({ tenantCount: 1, firstTenantId: '985798691' });
      expect(await listed(appId)).toEqual(['985798691']);
      expect(app.scopes).toEqual(base.scopes);
      expect((await auditOf(appId)).map((e) => e.action)).toEqual(['app.created']);
    });

    it("keeps another organization's apps out of its list, search included", async () => {
      const theirs = await dev2.apps.create({ ...base, name: 'Other Co Tracker' });
      const list = await dev2.apps.list({ limit: 100 });
      expect(list).toEqual({ items: [expect.objectContaining({ id: theirs.id })], nextCursor: null });
      expect((await dev2.apps.list({ search: 'Guarded' })).items).toEqual([]);
      expect((await dev.apps.list({ limit: 100 })).items.map((a) => a.id)).not.toContain(theirs.id);
      expect((await rejection(dev.apps.get({ appId: theirs.id }))).code).toBe('NOT_FOUND');
    });

    it.each(Object.keys(onApp))('%s of a deleted app is NOT_FOUND, like a missing one', async (name) => {
      const doomed = await dev.apps.create({ ...base, name: `Doomed ${name}` });
      await dev.apps.delete({ appId: doomed.id, confirmName: doomed.name });
      const before = await counts();
      const call =
        name === 'delete'
          ? (c: Caller, id: string) => c.apps.delete({ appId: id, confirmName: doomed.name })
          : onApp[name]!;
      expect(await rejection(call(await fresh(DEV), doomed.id))).toEqual({
        code: 'NOT_FOUND',
        message: 'App not found',
        fieldErrors: null,
      });
      expect(await counts()).toEqual(before);
    });
  });

  describe('create', () => {
    it('creates version 1 with an app key, and get shows the same app', async () => {
      const created = await dev.apps.create({
        ...base,
        scopes: ['tn.crm.customers:w', 'tn.acc.invoices:r', 'tn.crm.customers:r'],
      });
      expect(created).toMatchObject({
        name: 'Dispatch Sync',
        organizationName: 'Acme Field Apps',
        homePageUrl: 'https://acme.example',
        kind: 'private',
        credentialsMode: 'tenant_admin',
        reviewStatus: 'not_required',
        reviewReason: null,
        latestVersion: 1,
        tenantCount: 1,
        firstTenantId: '985798691',
        scopes: ['tn.acc.invoices:r', 'tn.crm.customers:r', 'tn.crm.customers:w'],
      });
      expect(created.appKey).toMatch(/^ghak_[A-Za-z0-9_-]{32,}$/);
      expect(await (await fresh(DEV)).apps.get({ appId: created.id })).toEqual(created);
      const { items: versions, nextCursor } = await dev.apps.versions({ appId: created.id });
      expect(nextCursor).toBeNull();
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({
        number: 1,
        scopes: created.scopes,
        added: created.scopes,
        removed: [],
      });
    });

    it('sends a public app to review and lets a private one through', async () => {
      const pub = await dev.apps.create({ ...base, kind: 'public', credentialsMode: 'developer' });
      expect(pub.reviewStatus).toBe('pending');
      expect(pub.credentialsMode).toBe('developer');
      const priv = await dev.apps.create({ ...base, kind: 'private' });
      expect(priv.reviewStatus).toBe('not_required');
    });

    it('gives every app its own key and id', async () => {
      const apps = await Promise.all([1, 2, 3].map((n) => dev.apps.create({ ...base, name: `Key ${n}` })));
      expect(new Set(apps.map((a) => a.appKey)).size).toBe(3);
      expect(new Set(apps.map((a) => a.id)).size).toBe(3);
    });

    it('trims text, and keeps no tenants when none are given', async () => {
      const app = await dev.apps.create({
        ...base,
        name: '  Spaced  ',
        homePageUrl: ' https://acme.example/x ',
        tenantIds: [],
      });
      expect(app).toMatchObject({
        name: 'Spaced',
        organizationName: 'Acme Field Apps',
        homePageUrl: 'https://acme.example/x',
        tenantCount: 0,
        firstTenantId: null,
      });
      expect(await dev.apps.tenants({ appId: app.id })).toEqual({ items: [], nextCursor: null });
      const many = await dev.apps.create({ ...base, tenantIds: [' 985798691', '100200300 ', '42'] });
      expect(many).toMatchObject({ tenantCount: 3, firstTenantId: '100200300' });
      // Tenant ID order is the order of the text.
      expect(await listed(many.id)).toEqual(['100200300', '42', '985798691']);
    });

    it('accepts fields exactly at their limits', async () => {
      const app = await dev.apps.create({
        ...base,
        name: 'n'.repeat(100),
        homePageUrl: `https://acme.example/${'p'.repeat(2048 - 21)}`,
        tenantIds: ['9'.repeat(18)],
      });
      expect(app.name).toHaveLength(100);
      expect(app.homePageUrl).toHaveLength(2048);
      expect(app).toMatchObject({ tenantCount: 1, firstTenantId: '9'.repeat(18) });
      expect(await listed(app.id)).toEqual(['9'.repeat(18)]);
    });

    it('takes up to 500 tenant ids at once, and refuses 501', async () => {
      const ids = Array.from({ length: 501 }, (_, i) => String(100_000_000 + i));
      const app = await dev.apps.create({ ...base, name: 'Many Tenants', tenantIds: ids.slice(0, 500) });
      expect(app.tenantCount).toBe(500);
      expect((await dev.apps.list({ search: 'Many Tenants' })).items[0]?.tenantCount).toBe(500);
      const before = await counts();
      expect((await rejection(dev.apps.create({ ...base, tenantIds: ids }))).fieldErrors?.tenantIds).toEqual(
        expect.any(String),
      );
      expect(await counts()).toEqual(before);
    });

    it('writes an audit event with who and what', async () => {
      const app = await dev.apps.create({ ...base, name: 'Audited Create' });
      const events = await auditOf(app.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action: 'app.created',
        actorId: devUser.id,
        actorEmail: DEV,
        organizationId: devUser.organizationId,
        appId: app.id,
        before: null,
        after: expect.objectContaining({
          name: 'Audited Create',
          scopes: base.scopes,
          tenantIds: base.tenantIds,
          kind: 'private',
          version: 1,
        }),
      });
      expect(events[0]!.at).toBeInstanceOf(Date);
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['empty name', { name: '' }, 'name'],
      ['whitespace name', { name: '    ' }, 'name'],
      ['over-long name', { name: 'n'.repeat(101) }, 'name'],
      ['javascript: URL', { homePageUrl: 'javascript:alert(document.cookie)' }, 'homePageUrl'],
      ['ftp: URL', { homePageUrl: 'ftp://acme.example' }, 'homePageUrl'],
      ['URL without a scheme', { homePageUrl: 'acme.example' }, 'homePageUrl'],
      ['empty URL', { homePageUrl: '' }, 'homePageUrl'],
      ['over-long URL', { homePageUrl: `https://acme.example/${'p'.repeat(2048)}` }, 'homePageUrl'],
      ['non-numeric tenant id', { tenantIds: ['985798691', 'glendale'] }, 'tenantIds'],
      ['duplicate tenant id', { tenantIds: ['985798691', '985798691'] }, 'tenantIds'],
      ['over-long tenant id', { tenantIds: ['1'.repeat(19)] }, 'tenantIds'],
      ['unknown scope', { scopes: ['tn.crm.customers:r', 'tn.crm.everything:w'] }, 'scopes'],
      ['empty scopes', { scopes: [] }, 'scopes'],
      ['unknown kind', { kind: 'secret' }, 'kind'],
      ['unknown credentials mode', { credentialsMode: 'anyone' }, 'credentialsMode'],
    ];

    it.each(invalid)('refuses %s with a field error and writes nothing', async (_label, change, field) => {
      const before = await counts();
      const failure = await rejection(dev.apps.create({ ...base, ...change } as typeof base));
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.fieldErrors?.[field]).toEqual(expect.any(String));
      expect(failure.message).not.toMatch(/zod|issues|\[/i);
      expect(await counts()).toEqual(before);
    });

    it('names the duplicate tenant id and where it is', async () => {
      const failure = await rejection(
        dev.apps.create({ ...base, tenantIds: ['100200300', '985798691', '100200300'] }),
      );
      expect(failure.fieldErrors).toMatchObject({
        tenantIds: 'Tenant ID 100200300 is listed twice',
        'tenantIds.2': 'Tenant ID 100200300 is listed twice',
      });
    });
  });

  describe('saveScopes', () => {
    it('makes no version and no audit event when nothing changes', async () => {
      const app = await dev.apps.create({ ...base, scopes: ['tn.crm.customers:r', 'tn.acc.invoices:r'] });
      const before = await counts();
      const result = await dev.apps.saveScopes({
        appId: app.id,
        scopes: ['tn.acc.invoices:r', 'tn.crm.customers:r', 'tn.acc.invoices:r'],
      });
      expect(result).toEqual({ changed: false, version: 1, added: [], removed: [] });
      expect(await counts()).toEqual(before);
      const after = await (await fresh(DEV)).apps.get({ appId: app.id });
      expect(after.latestVersion).toBe(1);
      expect(after.updatedAt).toEqual(app.updatedAt);
    });

    it('makes the next version for a real change, keeps the key, and reports added and removed', async () => {
      const app = await dev.apps.create({ ...base, scopes: ['tn.crm.customers:r', 'tn.acc.invoices:r'] });
      const second = await dev.apps.saveScopes({
        appId: app.id,
        scopes: ['tn.crm.customers:r', 'tn.crm.customers:w', 'tn.telecom.calls:r'],
      });
      expect(second).toEqual({
        changed: true,
        version: 2,
        added: ['tn.crm.customers:w', 'tn.telecom.calls:r'],
        removed: ['tn.acc.invoices:r'],
      });
      const third = await (await fresh(DEV)).apps.saveScopes({
        appId: app.id,
        scopes: ['tn.crm.customers:r'],
      });
      expect(third).toEqual({
        changed: true,
        version: 3,
        added: [],
        removed: ['tn.crm.customers:w', 'tn.telecom.calls:r'],
      });
      // Going back to version 1's scopes is a new version, never a reused number.
      const fourth = await dev.apps.saveScopes({
        appId: app.id,
        scopes: ['tn.acc.invoices:r', 'tn.crm.customers:r'],
      });
      expect(fourth).toMatchObject({ changed: true, version: 4, added: ['tn.acc.invoices:r'], removed: [] });
      const after = await (await fresh(DEV)).apps.get({ appId: app.id });
      expect(after.latestVersion).toBe(4);
      expect(after.scopes).toEqual(['tn.acc.invoices:r', 'tn.crm.customers:r']);
      expect(after.appKey).toBe(app.appKey);
      expect(after).toMatchObject({ tenantCount: app.tenantCount, firstTenantId: app.firstTenantId });
      const numbers = (await t.db.em().find(AppVersion, { app: app.id }, { orderBy: { number: 'asc' } })).map(
        (v) => v.number,
      );
      expect(numbers).toEqual([1, 2, 3, 4]);
    });

    it('audits each new version with before and after', async () => {
      const app = await dev.apps.create({ ...base, scopes: ['tn.crm.customers:r'] });
      await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.leads:r'] });
      const events = (await auditOf(app.id)).filter((e) => e.action === 'app.version_created');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actorId: devUser.id,
        actorEmail: DEV,
        organizationId: devUser.organizationId,
        appId: app.id,
        before: { version: 1, scopes: ['tn.crm.customers:r'] },
        after: {
          version: 2,
          scopes: ['tn.crm.leads:r'],
          added: ['tn.crm.leads:r'],
          removed: ['tn.crm.customers:r'],
        },
      });
    });

    it.each([
      ['an unknown scope', ['tn.crm.customers:r', 'tn.crm.customers:x']],
      ['no scopes', []],
      ['a scope with stray spaces', [' tn.crm.customers:w']],
    ])('refuses %s with fieldErrors.scopes and changes nothing', async (_label, scopes) => {
      const app = await dev.apps.create(base);
      const before = await counts();
      const failure = await rejection(dev.apps.saveScopes({ appId: app.id, scopes }));
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.fieldErrors?.scopes).toEqual(expect.any(String));
      expect(await counts()).toEqual(before);
      expect((await dev.apps.get({ appId: app.id })).latestVersion).toBe(1);
    });
  });

  describe('versions', () => {
    it('lists every version newest first, with who made it and the diff against the one before', async () => {
      const app = await dev.apps.create({ ...base, scopes: ['tn.crm.customers:r'] });
      await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:r', 'tn.acc.invoices:r'] });

      // A colleague in the same organization makes version 3: the history names them, not the app's creator.
      const em = t.db.em();
      const colleague = em.create(User, {
        id: crypto.randomUUID(),
        email: `colleague-${dialect}@acme.test`,
        name: 'Casey Colleague',
        passwordHash: 'unused',
        organization: devUser.organizationId,
        isReviewer: false,
      });
      await em.flush();
      const { token } = await startSession(t.db.em(), colleague.id);
      const colleagueCaller = createCaller(createContextInner({ db: t.db, sessionToken: token }));
      await colleagueCaller.apps.saveScopes({
        appId: app.id,
        scopes: ['tn.acc.invoices:r', 'tn.acc.invoices:w'],
      });

      const { items: versions } = await (await fresh(DEV)).apps.versions({ appId: app.id });
      expect(versions.map((v) => v.number)).toEqual([3, 2, 1]);
      expect(
        versions.map(({ number, scopes, added, removed, createdBy }) => ({
          number,
          scopes,
          added,
          removed,
          createdBy,
        })),
      ).toEqual([
        {
          number: 3,
          scopes: ['tn.acc.invoices:r', 'tn.acc.invoices:w'],
          added: ['tn.acc.invoices:w'],
          removed: ['tn.crm.customers:r'],
          createdBy: { name: 'Casey Colleague', email: `colleague-${dialect}@acme.test` },
        },
        {
          number: 2,
          scopes: ['tn.acc.invoices:r', 'tn.crm.customers:r'],
          added: ['tn.acc.invoices:r'],
          removed: [],
          createdBy: { name: 'Dana Developer', email: DEV },
        },
        {
          number: 1,
          scopes: ['tn.crm.customers:r'],
          added: ['tn.crm.customers:r'],
          removed: [],
          createdBy: { name: 'Dana Developer', email: DEV },
        },
      ]);
      for (const version of versions) expect(version.createdAt).toBeInstanceOf(Date);
      expect(versions[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(versions[2]!.createdAt.getTime());
      // The colleague sees the same app; another organization still does not.
      expect((await colleagueCaller.apps.get({ appId: app.id })).latestVersion).toBe(3);
      expect((await rejection(dev2.apps.versions({ appId: app.id }))).code).toBe('NOT_FOUND');
    });

    it('does not change when a save changes nothing or tenants change', async () => {
      const app = await dev.apps.create(base);
      await dev.apps.saveScopes({ appId: app.id, scopes: base.scopes });
      await dev.apps.addTenant({ appId: app.id, tenantId: '100200300' });
      await dev.apps.removeTenant({ appId: app.id, tenantId: '985798691' });
      expect((await dev.apps.versions({ appId: app.id })).items.map((v) => v.number)).toEqual([1]);
    });
  });

  describe('tenant ids', () => {
    it('adds and removes tenant ids without a new version, auditing each', async () => {
      const app = await dev.apps.create({ ...base, kind: 'public' });
      const versionsBefore = await t.db.em().count(AppVersion, { app: app.id });

      // A public app waiting for review can still get tenant ids.
      expect(await dev.apps.addTenant({ appId: app.id, tenantId: ' 100200300 ' })).toEqual({
        tenantId: '100200300',
        listed: true,
        tenantCount: 2,
      });
      expect(await listed(app.id)).toEqual(['100200300', '985798691']);
      expect(await dev.apps.removeTenant({ appId: app.id, tenantId: '985798691' })).toEqual({
        tenantId: '985798691',
        listed: false,
        tenantCount: 1,
      });

      const after = await (await fresh(DEV)).apps.get({ appId: app.id });
      expect(after).toMatchObject({ tenantCount: 1, firstTenantId: '100200300' });
      expect(await listed(app.id)).toEqual(['100200300']);
      expect(after.latestVersion).toBe(1);
      expect(after.appKey).toBe(app.appKey);
      expect(after.reviewStatus).toBe('pending');
      expect(await t.db.em().count(AppVersion, { app: app.id })).toBe(versionsBefore);

      const events = await auditOf(app.id);
      // The tenant is named only inside the event, so tenant admins never learn of an app they may not see.
      const added = events.find((e) => e.action === 'app.tenant_added');
      const removed = events.find((e) => e.action === 'app.tenant_removed');
      expect(added).toMatchObject({
        actorId: devUser.id,
        actorEmail: DEV,
        organizationId: devUser.organizationId,
        appId: app.id,
        tenantId: null,
        before: null,
        after: { tenantId: '100200300' },
      });
      expect(removed).toMatchObject({
        actorId: devUser.id,
        actorEmail: DEV,
        organizationId: devUser.organizationId,
        appId: app.id,
        tenantId: null,
        before: { tenantId: '985798691' },
        after: null,
      });
    });

    it('lets a removed tenant id be added again', async () => {
      const app = await dev.apps.create(base);
      await dev.apps.removeTenant({ appId: app.id, tenantId: '985798691' });
      expect(await dev.apps.addTenant({ appId: app.id, tenantId: '985798691' })).toEqual({
        tenantId: '985798691',
        listed: true,
        tenantCount: 1,
      });
      expect(await listed(app.id)).toEqual(['985798691']);
    });

    it.each(['985798691', ' 985798691'])(
      'refuses a duplicate (%j) with fieldErrors.tenantId and writes nothing',
      async (tenantId) => {
        const app = await dev.apps.create(base);
        const before = await counts();
        const failure = await rejection(dev.apps.addTenant({ appId: app.id, tenantId }));
        expect(failure).toMatchObject({
          code: 'BAD_REQUEST',
          fieldErrors: { tenantId: 'Tenant ID 985798691 is already listed' },
        });
        expect(await counts()).toEqual(before);
      },
    );

    it('refuses removing a tenant id that is not listed, and writes nothing', async () => {
      const app = await dev.apps.create(base);
      const before = await counts();
      const failure = await rejection(dev.apps.removeTenant({ appId: app.id, tenantId: '100200300' }));
      expect(failure).toMatchObject({
        code: 'BAD_REQUEST',
        fieldErrors: { tenantId: expect.stringContaining('100200300') },
      });
      expect(await counts()).toEqual(before);
      expect(await listed(app.id)).toEqual(['985798691']);
    });

    it.each(['abc', '', '0', '-1', '1'.repeat(19), '12 34'])(
      'refuses the malformed tenant id %j with fieldErrors.tenantId',
      async (tenantId) => {
        const app = await dev.apps.create(base);
        const before = await counts();
        for (const call of [dev.apps.addTenant, dev.apps.removeTenant]) {
          const failure = await rejection(call({ appId: app.id, tenantId }));
          expect(failure.code).toBe('BAD_REQUEST');
          expect(failure.fieldErrors?.tenantId).toEqual(expect.any(String));
        }
        expect(await counts()).toEqual(before);
      },
    );

    it('adds a tenant id once when the same add races', async () => {
      const app = await dev.apps.create({ ...base, tenantIds: [] });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, async () =>
          (await fresh(DEV)).apps.addTenant({ appId: app.id, tenantId: '100200300' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected')
          expect(await rejection(Promise.reject(result.reason))).toMatchObject({
            code: 'BAD_REQUEST',
            fieldErrors: { tenantId: expect.any(String) },
          });
      }
      expect(await listed(app.id)).toEqual(['100200300']);
      expect((await auditOf(app.id)).filter((e) => e.action === 'app.tenant_added')).toHaveLength(1);
    });
  });

  describe('delete', () => {
    it('refuses a confirmation that does not name the app, and keeps it', async () => {
      const app = await dev.apps.create({ ...base, name: 'Keep Me' });
      const before = await counts();
      for (const confirmName of ['', 'Keep', 'keep me', 'Keep Me!', 'Dispatch Sync']) {
        const failure = await rejection(dev.apps.delete({ appId: app.id, confirmName }));
        expect(failure.code, confirmName).toBe('BAD_REQUEST');
        expect(failure.fieldErrors?.confirmName, confirmName).toEqual(expect.any(String));
      }
      expect(await counts()).toEqual(before);
      expect((await (await fresh(DEV)).apps.get({ appId: app.id })).name).toBe('Keep Me');
      expect((await t.db.em().findOneOrFail(App, { id: app.id })).deletedAt).toBeNull();
    });

    it('removes the app from the portal, keeps the row with its key marked deleted, and audits it', async () => {
      const app = await dev.apps.create({
        ...base,
        name: 'Delete Me',
        tenantIds: ['985798691', '100200300'],
      });
      await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.leads:r'] });
      const started = Date.now();
      expect(await dev.apps.delete({ appId: app.id, confirmName: '  Delete Me ' })).toEqual({
        deleted: true,
      });

      const portal = await fresh(DEV);
      expect((await portal.apps.list({ limit: 100 })).items.map((a) => a.id)).not.toContain(app.id);
      expect((await portal.apps.list({ search: 'Delete Me' })).items).toEqual([]);
      expect((await rejection(portal.apps.get({ appId: app.id }))).code).toBe('NOT_FOUND');

      const row = await t.db.em().findOneOrFail(App, { id: app.id });
      expect(row.deletedAt).toBeInstanceOf(Date);
      expect(row.deletedAt!.getTime()).toBeGreaterThanOrEqual(started - 1000);
      expect(row.appKey).toBe(app.appKey);
      // The key stays taken (unique) and is only ever found on a deleted app.
      expect(await t.db.em().count(App, { appKey: app.appKey, deletedAt: null })).toBe(0);
      // History stays for auditors.
      expect(await t.db.em().count(AppVersion, { app: app.id })).toBe(2);

      const events = await auditOf(app.id);
      const deleted = events.filter((e) => e.action === 'app.deleted');
      expect(deleted).toHaveLength(1);
      expect(deleted[0]).toMatchObject({
        actorId: devUser.id,
        actorEmail: DEV,
        organizationId: devUser.organizationId,
        appId: app.id,
        before: expect.objectContaining({ name: 'Delete Me' }),
      });
      expect(deleted[0]!.after).toEqual({ deletedAt: expect.anything() });
      expect(JSON.stringify(events)).not.toContain(app.appKey);
    });

    it('deletes once when two deletes race', async () => {
      const app = await dev.apps.create({ ...base, name: 'Race Delete' });
      const results = await Promise.allSettled(
        [0, 1, 2].map(async () =>
          (await fresh(DEV)).apps.delete({ appId: app.id, confirmName: 'Race Delete' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await auditOf(app.id)).filter((e) => e.action === 'app.deleted')).toHaveLength(1);
    });

    it('lets a new app take the name of a deleted one, with a new key', async () => {
      const first = await dev.apps.create({ ...base, name: 'Reborn' });
      await dev.apps.delete({ appId: first.id, confirmName: 'Reborn' });
      const second = await dev.apps.create({ ...base, name: 'Reborn' });
      expect(second.id).not.toBe(first.id);
      expect(second.appKey).not.toBe(first.appKey);
      expect(second.latestVersion).toBe(1);
    });
  });

  describe('audit trail', () => {
    it('records a whole journey in order, each with actor, organization, app, before and after', async () => {
      const app = await dev.apps.create({ ...base, name: 'Journey' });
      await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'] });
      await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:w', 'tn.crm.customers:r'] }); // no change, no event
      await dev.apps.addTenant({ appId: app.id, tenantId: '100200300' });
      await rejection(dev.apps.addTenant({ appId: app.id, tenantId: '100200300' })); // refused, no event
      await dev.apps.removeTenant({ appId: app.id, tenantId: '985798691' });
      await rejection(dev.apps.delete({ appId: app.id, confirmName: 'Wrong' })); // refused, no event
      await dev.apps.delete({ appId: app.id, confirmName: 'Journey' });

      const events = await auditOf(app.id);
      expect(events.map((e) => e.action).sort()).toEqual([
        'app.created',
        'app.deleted',
        'app.tenant_added',
        'app.tenant_removed',
        'app.version_created',
      ]);
      for (const event of events) {
        expect(event.actorId).toBe(devUser.id);
        expect(event.actorEmail).toBe(DEV);
        expect(event.organizationId).toBe(devUser.organizationId);
        expect(event.appId).toBe(app.id);
        expect(event.at).toBeInstanceOf(Date);
        expect(event.before !== null || event.after !== null).toBe(true);
      }
      const times = events.map((e) => e.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });

    it('records nothing for reads', async () => {
      const app = await dev.apps.create({ ...base, name: 'Read Only' });
      const before = await counts();
      await dev.apps.get({ appId: app.id });
      await dev.apps.versions({ appId: app.id });
      await dev.apps.connections({ appId: app.id });
      await dev.apps.usage({ appId: app.id, days: 30 });
      await dev.apps.list({});
      expect(await counts()).toEqual(before);
    });
  });
});
