import type { AuditView } from '@gatehouse/domain';
import type { FilterQuery } from '@mikro-orm/core';
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
  signIn,
  type TestDatabase,
} from '#test/harness';
import { AuditEvent, type AuditEventEntity, Organization, TenantAdmin, User } from '../../db/entities';

type ListInput = Parameters<Caller['audit']['list']>[0];
type Filters = Omit<ListInput, 'view' | 'cursor' | 'limit'>;

const GLENDALE = '985798691';
const SUMMIT = '100200300';
const BOTH = 'both-tenants@gatehouse.test';
/** More actors starting alike than a page reads in separate walks of the actor index. */
const CROWD = 25;

const app = (name: string, extra: { kind?: 'public' | 'private'; tenantIds?: string[] } = {}) => ({
  name,
  homePageUrl: 'https://example.com',
  tenantIds: extra.tenantIds ?? [GLENDALE],
  kind: extra.kind ?? ('private' as const),
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
});

describe.each(dialects)('audit trail on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let dev2: () => Caller;
  let admin: () => Caller;
  let admin2: () => Caller;
  let both: () => Caller;
  let reviewer: () => Caller;
  let acme: string;
  let other: string;
  let acmeApp: string;
  let otherApp: string;
  let approvedApp: string;

  /** Approves an app made by `app()` as the reviewer saw it. */
  const approve = (appId: string, name: string) =>
    reviewer().review.approve({ appId, seen: { name, homePageUrl: 'https://example.com' } });

  /** Every page of a list, walked by its cursors: the ids in the order they came, and how many pages. */
  async function walk(caller: () => Caller, input: ListInput) {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await caller().audit.list({ ...input, cursor });
      expect(page.items.length).toBeLessThanOrEqual(input.limit ?? 50);
      ids.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    return { ids, pages };
  }

  /** What a view with these filters must show, worked out from every event: newest first, ties by id. */
  async function expected(view: AuditView, filters: Filters, part: FilterQuery<AuditEventEntity> = {}) {
    const all = await t.db.em().find(AuditEvent, part, { orderBy: { at: 'desc', id: 'desc' } });
    const lower = (text?: string) => text?.trim().toLowerCase();
    return all
      .filter(
        (e) =>
          (view !== 'reviewer' || !filters.organizationId || e.organizationId === filters.organizationId) &&
          (!filters.appId || e.appId === filters.appId) &&
          (!filters.tenantId || e.tenantId === filters.tenantId) &&
          (!filters.actor || (e.actorEmail ?? '').startsWith(lower(filters.actor) ?? '')) &&
          (!filters.action || e.action.startsWith(lower(filters.action) ?? '')) &&
          (!filters.from || e.at >= new Date(filters.from)) &&
          (!filters.to || e.at <= new Date(filters.to)),
      )
      .map((e) => e.id);
  }

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    const bothUser = em.create(User, {
      id: crypto.randomUUID(),
      email: BOTH,
      name: 'Blair Both',
      passwordHash: 'not-a-hash',
      organization: null,
    });
    for (const tenant of [GLENDALE, SUMMIT])
      em.create(TenantAdmin, { id: crypto.randomUUID(), user: bothUser, tenant });
    await em.flush();
    [dev, dev2, admin, admin2, both, reviewer] = await Promise.all([
      signIn(t, DEV),
      signIn(t, DEV2),
      signIn(t, ADMIN),
      signIn(t, ADMIN2),
      signIn(t, BOTH),
      signIn(t, REVIEWER),
    ]);
    acme = (await em.findOneOrFail(Organization, { name: 'Acme Field Apps' })).id;
    other = (await em.findOneOrFail(Organization, { name: 'Other Dev Co' })).id;

    acmeApp = (await dev().apps.create(app('Acme Audit App'))).id;
    await dev().apps.saveScopes({ appId: acmeApp, scopes: ['tn.crm.customers:r', 'tn.crm.leads:w'] });
    await dev().apps.addTenant({ appId: acmeApp, tenantId: SUMMIT });
    otherApp = (await dev2().apps.create(app('Other Audit App'))).id;
    await admin().connections.allow({
      tenantId: GLENDALE,
      environment: 'integration',
      appId: acmeApp,
      credentialsIssuer: 'tenant_admin',
    });
    await admin2().connections.allow({
      tenantId: SUMMIT,
      environment: 'production',
      appId: acmeApp,
      credentialsIssuer: 'tenant_admin',
    });
    await admin().connections.allow({
      tenantId: GLENDALE,
      environment: 'integration',
      appId: otherApp,
      credentialsIssuer: 'tenant_admin',
    });
    approvedApp = (await dev().apps.create(app('Acme Public App', { kind: 'public' }))).id;
    await approve(approvedApp, 'Acme Public App');
    await t.anonymous().access.request({
      name: 'Theo Tenant',
      email: 'theo@glendale.example',
      organizationName: 'Glendale Plumbing',
      role: 'tenant_admin',
      tenantId: GLENDALE,
    });

    // Events on a few moments only, in both tenants and both organizations, by actors that start alike:
    // ties in `at` must neither repeat nor skip an event, on any walk of the trail.
    const tied = em.fork();
    for (let i = 0; i < 40; i++)
      tied.create(AuditEvent, {
        id: crypto.randomUUID(),
        at: new Date(Date.UTC(2031, 0, 1, 0, 0, Math.floor(i / 8))),
        actorEmail: `crowd${i % CROWD}@example.test`,
        action: i % 2 ? 'tie.first_kind' : 'tie.second_kind',
        organizationId: i % 3 ? acme : other,
        appId: i % 4 && i % 3 ? acmeApp : null,
        tenantId: i % 5 ? (i % 2 ? GLENDALE : SUMMIT) : null,
      });
    await tied.flush();
  });
  afterAll(async () => t?.close());

  describe('who may read which trail', () => {
    const views = ['reviewer', 'developer', 'tenant'] as const;

    it('answers UNAUTHORIZED without a session', async () => {
      for (const view of views)
        expect((await rejection(t.anonymous().audit.list({ view }))).code).toBe('UNAUTHORIZED');
    });

    it.each([
      ['developers', [DEV, DEV2], ['reviewer', 'tenant']],
      ['tenant admins', [ADMIN, ADMIN2], ['reviewer', 'developer']],
      ['reviewers', [REVIEWER], ['developer', 'tenant']],
    ] as const)('answers FORBIDDEN to %s asking for another role’s view', async (_label, emails, wrong) => {
      for (const email of emails) {
        const caller = await signIn(t, email);
        for (const view of wrong)
          expect((await rejection(caller().audit.list({ view }))).code, `${email} ${view}`).toBe('FORBIDDEN');
      }
    });

    it("never shows a developer another organization's events, whatever ids the filters name", async () => {
      const own = await expected('developer', {}, { organizationId: other });
      expect(own.length).toBeGreaterThan(0);
      expect((await walk(dev2, { view: 'developer', organizationId: acme, limit: 200 })).ids).toEqual(own);
      for (const appId of [acmeApp, approvedApp])
        expect((await walk(dev2, { view: 'developer', appId, organizationId: acme })).ids).toEqual([]);
      const glendale = await dev2().audit.list({ view: 'developer', tenantId: GLENDALE, limit: 200 });
      expect(glendale.items.length).toBeGreaterThan(0);
      expect(glendale.items.every((e) => e.organizationId === other && e.tenantId === GLENDALE)).toBe(true);
    });

    it("answers NOT_FOUND for another tenant's id, the same as for one that does not exist", async () => {
      const missing = await rejection(admin2().audit.list({ view: 'tenant', tenantId: '999999999' }));
      expect(missing).toEqual({ code: 'NOT_FOUND', message: 'Tenant not found', fieldErrors: null });
      expect(await rejection(admin2().audit.list({ view: 'tenant', tenantId: GLENDALE }))).toEqual(missing);
      expect(await rejection(admin().audit.list({ view: 'tenant', tenantId: SUMMIT }))).toEqual(missing);
    });

    it("shows a tenant admin only their tenants' events, whatever organization or app the filters name", async () => {
      const summit = await expected('tenant', {}, { tenantId: SUMMIT });
      expect(summit.length).toBeGreaterThan(0);
      expect((await walk(admin2, { view: 'tenant', organizationId: other, limit: 200 })).ids).toEqual(summit);
      expect((await walk(admin2, { view: 'tenant', appId: otherApp })).ids).toEqual([]);
    });
  });

  describe('pages', () => {
    it('walk every event once, newest first, ties in time included, on every walk of the trail', async () => {
      const cases: [() => Caller, ListInput, FilterQuery<AuditEventEntity>][] = [
        [reviewer, { view: 'reviewer', limit: 7 }, {}],
        [reviewer, { view: 'reviewer', action: 'tie.', limit: 3 }, {}],
        [reviewer, { view: 'reviewer', actor: 'crowd1', limit: 4 }, {}],
        [reviewer, { view: 'reviewer', actor: 'crowd', limit: 6 }, {}],
        [dev, { view: 'developer', limit: 5 }, { organizationId: acme }],
        [reviewer, { view: 'reviewer', appId: acmeApp, limit: 4 }, {}],
        [admin, { view: 'tenant', limit: 4 }, { tenantId: GLENDALE }],
        [both, { view: 'tenant', limit: 3 }, { tenantId: { $in: [GLENDALE, SUMMIT] } }],
      ];
      for (const [caller, input, part] of cases) {
        const { view, limit: _limit, ...filters } = input;
        const want = await expected(view, filters, part);
        const { ids, pages } = await walk(caller, input);
        expect(ids, JSON.stringify(input)).toEqual(want);
        expect(want.length).toBeGreaterThan(input.limit ?? 50);
        expect(pages).toBe(Math.ceil(want.length / (input.limit ?? 50)));
      }
    });

    it('answers the last page with no next cursor, and an empty trail with an empty first page', async () => {
      const last = await reviewer().audit.list({ view: 'reviewer', action: 'tie.', limit: 40 });
      expect(last.items).toHaveLength(40);
      expect(last.nextCursor).toBeNull();
      expect(await reviewer().audit.list({ view: 'reviewer', actor: 'nobody-at-all' })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('refuses a cursor it did not make as invalid input', async () => {
      const forged = '{"at":"yesterday"}';
      const cursors = [
        forged,
        '[1]',
        '["abc","def"]',
        '[{"d":"2030-01-01T00:00:00Z"},5]',
        '[1,"x"]',
        // An id that is no id, and a moment no database holds, would otherwise reach PostgreSQL.
        '[{"d":"2030-01-01T00:00:00Z"},"nope"]',
        `[{"d":"-271821-04-20T00:00:00.000Z"},"${crypto.randomUUID()}"]`,
      ].map((json) => Buffer.from(json).toString('base64url'));
      for (const cursor of [...cursors, 'bm90IGpzb24'])
        expect(await rejection(reviewer().audit.list({ view: 'reviewer', cursor }))).toMatchObject({
          code: 'BAD_REQUEST',
          message: 'This page link is out of date or malformed. Start again from the first page.',
        });
      expect((await rejection(reviewer().audit.list({ view: 'reviewer', cursor: 'not base64!' }))).code).toBe(
        'BAD_REQUEST',
      );
      expect((await rejection(reviewer().audit.list({ view: 'reviewer', limit: 201 }))).code).toBe(
        'BAD_REQUEST',
      );
    });
  });

  describe('filters', () => {
    it('each alone and combined, in every view, match what the trail holds', async () => {
      const cases: [() => Caller, AuditView, Filters, FilterQuery<AuditEventEntity>][] = [
        [reviewer, 'reviewer', { organizationId: other }, {}],
        [reviewer, 'reviewer', { appId: acmeApp }, {}],
        [reviewer, 'reviewer', { tenantId: SUMMIT }, {}],
        [reviewer, 'reviewer', { actor: 'ADMIN2@Gatehouse.test' }, {}],
        [reviewer, 'reviewer', { actor: 'admin' }, {}],
        [reviewer, 'reviewer', { action: 'connection.' }, {}],
        [reviewer, 'reviewer', { action: 'CONNECTION.Allowed' }, {}],
        [
          reviewer,
          'reviewer',
          { from: new Date(Date.UTC(2031, 0, 1, 0, 0, 1)), to: new Date('2031-01-01T00:00:03Z') },
          {},
        ],
        [reviewer, 'reviewer', { organizationId: acme, tenantId: GLENDALE, appId: acmeApp }, {}],
        [reviewer, 'reviewer', { actor: 'dev@', action: 'app.' }, {}],
        [reviewer, 'reviewer', { actor: 'crowd', tenantId: SUMMIT, action: 'tie.second' }, {}],
        [
          reviewer,
          'reviewer',
          { organizationId: acme, actor: 'crowd2', from: new Date('2031-01-01T00:00:02Z') },
          {},
        ],
        [dev, 'developer', { appId: acmeApp }, { organizationId: acme }],
        [dev, 'developer', { actor: 'admin2@' }, { organizationId: acme }],
        [dev, 'developer', { action: 'app.approved' }, { organizationId: acme }],
        [dev, 'developer', { tenantId: SUMMIT, action: 'connection.' }, { organizationId: acme }],
        [admin, 'tenant', { actor: 'admin@', action: 'connection.secret' }, { tenantId: GLENDALE }],
        [both, 'tenant', { appId: acmeApp }, { tenantId: { $in: [GLENDALE, SUMMIT] } }],
        [both, 'tenant', { tenantId: SUMMIT, actor: 'crowd' }, { tenantId: SUMMIT }],
        [
          both,
          'tenant',
          { action: 'tie.first', to: new Date('2031-01-01T00:00:02Z') },
          { tenantId: { $in: [GLENDALE, SUMMIT] } },
        ],
      ];
      for (const [caller, view, filters, part] of cases) {
        const want = await expected(view, filters, part);
        expect(want.length, JSON.stringify(filters)).toBeGreaterThan(0);
        expect((await walk(caller, { view, ...filters, limit: 200 })).ids, JSON.stringify(filters)).toEqual(
          want,
        );
      }
    });

    it('match an actor and an action by their start only, with `%` and `_` taken literally', async () => {
      const count = async (filters: Filters) =>
        (await walk(reviewer, { view: 'reviewer', ...filters, limit: 200 })).ids.length;
      expect(await count({ actor: 'gatehouse.test' })).toBe(0);
      expect(await count({ actor: '%' })).toBe(0);
      expect(await count({ action: 'created' })).toBe(0);
      expect(await count({ action: 'app%' })).toBe(0);
      expect(await count({ action: 'connection.secret_' })).toBe(
        await t.db.em().count(AuditEvent, { action: 'connection.secret_created' }),
      );
      expect(await count({ action: 'access_request' })).toBe(1);
      expect(await count({ action: 'tie_' })).toBe(0);
      expect(await count({ actor: '   ' })).toBe(await t.db.em().count(AuditEvent, {}));
      // Quotes, question marks and backslashes are text like any other.
      const em = t.db.em();
      em.create(AuditEvent, {
        id: crypto.randomUUID(),
        at: new Date(),
        actorEmail: "o'neil?\\x@example.test",
        action: 'user.password_set',
      });
      await em.flush();
      expect(await count({ actor: "O'Neil?\\" })).toBe(1);
      expect(await count({ actor: "o'neil??" })).toBe(0);
      expect(await count({ action: "user.password_set'" })).toBe(0);
    });

    it('bound time on both ends, inclusive', async () => {
      const em = t.db.em();
      const first = new Date('2021-01-01T00:00:00.000Z');
      const second = new Date('2021-06-01T12:00:00.000Z');
      await em.nativeUpdate(AuditEvent, { appId: acmeApp, action: 'app.created' }, { at: first });
      await em.nativeUpdate(AuditEvent, { appId: otherApp, action: 'app.created' }, { at: second });
      const ids = async (filters: Filters) =>
        (await reviewer().audit.list({ view: 'reviewer', ...filters })).items.map(
          (e) => `${e.appId}:${e.action}`,
        );
      expect(await ids({ from: first, to: first })).toEqual([`${acmeApp}:app.created`]);
      expect(await ids({ from: new Date('2020-12-31'), to: new Date('2021-12-31') })).toEqual([
        `${otherApp}:app.created`,
        `${acmeApp}:app.created`,
      ]);
      expect(await ids({ from: new Date(first.getTime() + 1), to: second })).toEqual([
        `${otherApp}:app.created`,
      ]);
      expect(await ids({ to: new Date('2020-12-31') })).toEqual([]);
      expect(await ids({ from: '2021-06-01', to: '2021-06-01T23:59:59Z' })).toEqual([
        `${otherApp}:app.created`,
      ]);
    });

    it('refuse dates and Tenant IDs that are not ones', async () => {
      for (const filters of [
        { from: 'yesterday' },
        { to: '2021-02-30' },
        { tenantId: 'glendale' },
      ] as Filters[])
        expect((await rejection(reviewer().audit.list({ view: 'reviewer', ...filters }))).code).toBe(
          'BAD_REQUEST',
        );
    });
  });

  describe('events', () => {
    it('come with names, before and after', async () => {
      const items = (await reviewer().audit.list({ view: 'reviewer', appId: acmeApp, limit: 200 })).items;
      expect(items.find((e) => e.action === 'app.version_created')).toMatchObject({
        actorEmail: DEV,
        organizationId: acme,
        organizationName: 'Acme Field Apps',
        appName: 'Acme Audit App',
        before: { version: 1, scopes: ['tn.crm.customers:r'] },
        after: { version: 2, added: ['tn.crm.leads:w'], removed: [] },
      });
      expect(
        (await reviewer().audit.list({ view: 'reviewer', action: 'access_request.' })).items[0],
      ).toMatchObject({ actorEmail: null, tenantId: GLENDALE, before: null, appId: null, appName: null });
    });

    // Listing a Tenant ID on an app still waiting for review must not name that app in the tenant's trail.
    it('do not reveal to a tenant admin a public app still waiting for review', async () => {
      const hidden = await dev().apps.create(app('Stealth Pending App', { kind: 'public', tenantIds: [] }));
      await dev().apps.addTenant({ appId: hidden.id, tenantId: GLENDALE });
      const trail = await walk(admin, { view: 'tenant', limit: 200 });
      const events = await t.db.em().find(AuditEvent, { id: { $in: trail.ids } });
      expect(events.map((e) => e.appId)).not.toContain(hidden.id);
    });

    it('name an app to tenant admins as approved, never a rename waiting for review; to others as it is', async () => {
      const created = await dev().apps.create(app('Reviewed Name', { kind: 'public' }));
      await approve(created.id, 'Reviewed Name');
      await admin().connections.allow({
        tenantId: GLENDALE,
        environment: 'integration',
        appId: created.id,
        credentialsIssuer: 'tenant_admin',
      });
      await dev().apps.updateDetails({
        appId: created.id,
        name: 'Unreviewed Rename',
        homePageUrl: created.homePageUrl,
        kind: 'public',
        credentialsMode: 'tenant_admin',
      });
      const names = async (caller: () => Caller, view: AuditView) =>
        new Set((await caller().audit.list({ view, appId: created.id })).items.map((e) => e.appName));
      expect(await names(admin, 'tenant')).toEqual(new Set(['Reviewed Name']));
      expect(await names(dev, 'developer')).toEqual(new Set(['Unreviewed Rename']));
      expect(await names(reviewer, 'reviewer')).toEqual(new Set(['Unreviewed Rename']));
    });
  });
});
