import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  approveAsShown,
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
import { AuditEvent, Organization } from '../../db/entities';

type Filters = Parameters<Caller['audit']['exportCsv']>[0];

const GLENDALE = '985798691';
const SUMMIT = '100200300';
const CSV_HEADER = ['at', 'actor', 'action', 'organization', 'app', 'app_id', 'tenant', 'before', 'after'];
/** App names a spreadsheet would run as formulas. */
const FORMULA_NAMES = ['=HYPERLINK("http://evil.example","click")', '+SUM(1,2)', '-2+3', '@SUM(A1)'];

const app = (name: string, extra: { kind?: 'public' | 'private'; tenantIds?: string[] } = {}) => ({
  name,
  homePageUrl: 'https://example.com',
  tenantIds: extra.tenantIds ?? [GLENDALE],
  kind: extra.kind ?? ('private' as const),
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
});

/** RFC 4180 records, remembering whether each cell was quoted. */
function parseCsv(text: string): { cells: string[]; quoted: boolean[] }[] {
  const records: { cells: string[]; quoted: boolean[] }[] = [];
  let cells: string[] = [];
  let quoted: boolean[] = [];
  let cell = '';
  let wasQuoted = false;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else cell += c;
    } else if (c === '"') {
      inQuotes = true;
      wasQuoted = true;
    } else if (c === ',' || (c === '\r' && text[i + 1] === '\n')) {
      cells.push(cell);
      quoted.push(wasQuoted);
      cell = '';
      wasQuoted = false;
      if (c === '\r') {
        i++;
        records.push({ cells, quoted });
        cells = [];
        quoted = [];
      }
    } else cell += c;
  }
  if (inQuotes || cell !== '' || cells.length) throw new Error('CSV does not end with a complete record');
  return records;
}

describe.each(dialects)('audit trail on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let dev2: () => Caller;
  let admin: () => Caller;
  let admin2: () => Caller;
  let reviewer: () => Caller;
  let acme: string;
  let other: string;
  let acmeApp: string;
  let otherApp: string;
  let approvedApp: string;
  let formulaApps: string[];
  let clientSecrets: string[];

  const eventsWhere = (where: Record<string, unknown>) => t.db.em().count(AuditEvent, where);
  const list = (caller: () => Caller, filters: Filters) => caller().audit.list({ ...filters, pageSize: 200 });

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, dev2, admin, admin2, reviewer] = await Promise.all([
      signIn(t, DEV),
      signIn(t, DEV2),
      signIn(t, ADMIN),
      signIn(t, ADMIN2),
      signIn(t, REVIEWER),
    ]);
    acme = (await t.db.em().findOneOrFail(Organization, { name: 'Acme Field Apps' })).id;
    other = (await t.db.em().findOneOrFail(Organization, { name: 'Other Dev Co' })).id;

    acmeApp = (await dev().apps.create(app('Acme Audit App'))).id;
    await dev().apps.saveScopes({ appId: acmeApp, scopes: ['tn.crm.customers:r', 'tn.crm.leads:w'] });
    await dev().apps.addTenant({ appId: acmeApp, tenantId: SUMMIT });
    otherApp = (await dev2().apps.create(app('Other Audit App'))).id;
    clientSecrets = [
      (
        await admin().connections.allow({
          tenantId: GLENDALE,
          environment: 'integration',
          appId: acmeApp,
          credentialsIssuer: 'tenant_admin',
        })
      ).clientSecret,
      (
        await admin2().connections.allow({
          tenantId: SUMMIT,
          environment: 'production',
          appId: acmeApp,
          credentialsIssuer: 'tenant_admin',
        })
      ).clientSecret,
      (
        await admin().connections.allow({
          tenantId: GLENDALE,
          environment: 'integration',
          appId: otherApp,
          credentialsIssuer: 'tenant_admin',
        })
      ).clientSecret,
    ];
    approvedApp = (await dev().apps.create(app('Acme Public App', { kind: 'public' }))).id;
    await approveAsShown(reviewer(), approvedApp);
    formulaApps = [];
    for (const name of FORMULA_NAMES)
      formulaApps.push((await dev().apps.create(app(name, { tenantIds: [] }))).id);
    await t.anonymous().access.request({
      name: 'Theo Tenant',
      email: 'theo@glendale.example',
      organizationName: 'Glendale Plumbing',
      role: 'tenant_admin',
      tenantId: GLENDALE,
    });
  });
  afterAll(async () => t?.close());

  describe('who may read which trail', () => {
    const views = ['reviewer', 'developer', 'tenant'] as const;

    it('answers UNAUTHORIZED without a session', async () => {
      for (const view of views) {
        expect((await rejection(t.anonymous().audit.list({ view }))).code).toBe('UNAUTHORIZED');
        expect((await rejection(t.anonymous().audit.exportCsv({ view }))).code).toBe('UNAUTHORIZED');
      }
    });

    it.each([
      ['developers', [DEV, DEV2], ['reviewer', 'tenant']],
      ['tenant admins', [ADMIN, ADMIN2], ['reviewer', 'developer']],
      ['reviewers', [REVIEWER], ['developer', 'tenant']],
    ] as const)('answers FORBIDDEN to %s asking for another role’s view', async (_label, emails, wrong) => {
      for (const email of emails) {
        const caller = await signIn(t, email);
        for (const view of wrong) {
          expect((await rejection(caller().audit.list({ view }))).code, `${email} ${view}`).toBe('FORBIDDEN');
          expect((await rejection(caller().audit.exportCsv({ view }))).code, `${email} ${view}`).toBe(
            'FORBIDDEN',
          );
        }
      }
    });
  });

  describe('reviewer view', () => {
    it('shows every event, newest first, with names, before and after', async () => {
      const all = await list(reviewer, { view: 'reviewer' });
      expect(all.totalCount).toBe(await eventsWhere({}));
      const times = all.items.map((e) => e.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      for (const event of all.items) {
        expect(event).toHaveProperty('before');
        expect(event).toHaveProperty('after');
      }
      const version = all.items.find((e) => e.appId === acmeApp && e.action === 'app.version_created');
      expect(version).toMatchObject({
        actorEmail: DEV,
        organizationId: acme,
        organizationName: 'Acme Field Apps',
        appName: 'Acme Audit App',
        before: { version: 1, scopes: ['tn.crm.customers:r'] },
        after: {
          version: 2,
          scopes: expect.arrayContaining(['tn.crm.customers:r', 'tn.crm.leads:w']),
          added: ['tn.crm.leads:w'],
          removed: [],
        },
      });
      expect(all.items.find((e) => e.action === 'app.approved')).toMatchObject({
        actorEmail: REVIEWER,
        appId: approvedApp,
        before: { reviewStatus: 'pending' },
        after: { reviewStatus: 'approved' },
      });
      expect(all.items.find((e) => e.action === 'access_request.created')).toMatchObject({
        actorEmail: null,
        tenantId: GLENDALE,
        before: null,
      });
    });

    it('pages without gaps or repeats', async () => {
      const total = (await list(reviewer, { view: 'reviewer' })).totalCount;
      const seen: string[] = [];
      for (let page = 1; (page - 1) * 4 < total; page++) {
        const result = await reviewer().audit.list({ view: 'reviewer', page, pageSize: 4 });
        expect(result).toMatchObject({ page, pageSize: 4, totalCount: total });
        seen.push(...result.items.map((e) => e.id));
      }
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
    });

    it('filters by organization, app and tenant', async () => {
      const byOrg = await list(reviewer, { view: 'reviewer', organizationId: other });
      expect(byOrg.totalCount).toBe(await eventsWhere({ organizationId: other }));
      expect(byOrg.totalCount).toBeGreaterThan(0);
      expect(byOrg.items.every((e) => e.organizationId === other)).toBe(true);

      const byApp = await list(reviewer, { view: 'reviewer', appId: acmeApp });
      expect(byApp.totalCount).toBe(await eventsWhere({ appId: acmeApp }));
      expect(byApp.items.map((e) => e.action).sort()).toEqual(
        [
          'app.created',
          'app.version_created',
          'app.tenant_added',
          'connection.allowed',
          'connection.secret_created',
          'connection.allowed',
          'connection.secret_created',
        ].sort(),
      );

      const byTenant = await list(reviewer, { view: 'reviewer', tenantId: SUMMIT });
      expect(byTenant.totalCount).toBe(await eventsWhere({ tenantId: SUMMIT }));
      expect(byTenant.items.every((e) => e.tenantId === SUMMIT)).toBe(true);

      const combined = await list(reviewer, {
        view: 'reviewer',
        organizationId: acme,
        tenantId: GLENDALE,
        appId: acmeApp,
      });
      expect(combined.items.map((e) => e.action).sort()).toEqual([
        'connection.allowed',
        'connection.secret_created',
      ]);

      for (const nothing of [
        { organizationId: 'not-an-id' },
        { appId: '00000000-0000-4000-8000-000000000000' },
        { tenantId: '123' },
      ]) {
        expect((await list(reviewer, { view: 'reviewer', ...nothing })).totalCount).toBe(0);
      }
    });

    it('filters by actor, in any letter case and by part of the address', async () => {
      const byAdmin2 = await list(reviewer, { view: 'reviewer', actor: 'ADMIN2@Gatehouse.test' });
      expect(byAdmin2.totalCount).toBe(await eventsWhere({ actorEmail: ADMIN2 }));
      expect(byAdmin2.items.every((e) => e.actorEmail === ADMIN2)).toBe(true);
      const byPart = await list(reviewer, { view: 'reviewer', actor: 'admin' });
      expect(new Set(byPart.items.map((e) => e.actorEmail))).toEqual(new Set([ADMIN, ADMIN2]));
      expect((await list(reviewer, { view: 'reviewer', actor: '%' })).totalCount).toBe(0);
    });

    it('filters by action prefix', async () => {
      const connections = await list(reviewer, { view: 'reviewer', action: 'connection.' });
      expect(connections.totalCount).toBe(6);
      expect(connections.items.every((e) => e.action.startsWith('connection.'))).toBe(true);
      const created = await list(reviewer, { view: 'reviewer', action: 'app.created' });
      expect(created.totalCount).toBe(await eventsWhere({ action: 'app.created' }));
      expect(
        (await list(reviewer, { view: 'reviewer', action: 'app.' })).items.every((e) =>
          e.action.startsWith('app.'),
        ),
      ).toBe(true);
      expect((await list(reviewer, { view: 'reviewer', action: 'created' })).totalCount).toBe(0);
      expect((await list(reviewer, { view: 'reviewer', action: 'CONNECTION.Allowed' })).totalCount).toBe(3);
      expect((await list(reviewer, { view: 'reviewer', action: 'app%' })).totalCount).toBe(0);
    });

    // Actions are snake_case: `_` in a filter is taken literally, on SQLite (no default LIKE escape) as on PostgreSQL.
    it('filters by an action prefix or actor containing an underscore', async () => {
      expect((await list(reviewer, { view: 'reviewer', action: 'app.tenant_added' })).totalCount).toBe(
        await eventsWhere({ action: 'app.tenant_added' }),
      );
      expect((await list(reviewer, { view: 'reviewer', action: 'access_request' })).totalCount).toBe(
        await eventsWhere({ action: 'access_request.created' }),
      );
      expect((await list(reviewer, { view: 'reviewer', action: 'connection.secret_' })).totalCount).toBe(3);
      const em = t.db.em();
      em.create(AuditEvent, {
        id: crypto.randomUUID(),
        at: new Date(),
        actorId: null,
        actorEmail: 'first_last@example.com',
        action: 'user.password_set',
        organizationId: null,
        appId: null,
        tenantId: null,
        before: null,
        after: null,
      });
      await em.flush();
      expect((await list(reviewer, { view: 'reviewer', actor: 'first_last' })).totalCount).toBe(1);
    });

    it('filters by time, both bounds inclusive', async () => {
      const em = t.db.em();
      const first = new Date('2021-01-01T00:00:00.000Z');
      const second = new Date('2021-06-01T12:00:00.000Z');
      await em.nativeUpdate(AuditEvent, { appId: acmeApp, action: 'app.created' }, { at: first });
      await em.nativeUpdate(AuditEvent, { appId: otherApp, action: 'app.created' }, { at: second });
      const ids = async (filters: Omit<Filters, 'view'>) =>
        (await list(reviewer, { view: 'reviewer', ...filters })).items.map((e) => `${e.appId}:${e.action}`);
      expect(await ids({ from: first, to: first })).toEqual([`${acmeApp}:app.created`]);
      expect(await ids({ from: new Date('2020-12-31'), to: new Date('2021-12-31') })).toEqual([
        `${otherApp}:app.created`,
        `${acmeApp}:app.created`,
      ]);
      expect(await ids({ from: new Date(first.getTime() + 1), to: second })).toEqual([
        `${otherApp}:app.created`,
      ]);
      expect(await ids({ to: new Date('2020-12-31') })).toEqual([]);
      const recent = await list(reviewer, { view: 'reviewer', from: new Date('2022-01-01') });
      expect(recent.totalCount).toBe((await eventsWhere({})) - 2);
    });
  });

  describe('developer view', () => {
    it("shows only the organization's events, including tenant admins' actions on its apps", async () => {
      const mine = await list(dev, { view: 'developer' });
      expect(mine.totalCount).toBe(await eventsWhere({ organizationId: acme }));
      expect(mine.items.every((e) => e.organizationId === acme)).toBe(true);
      expect(
        mine.items.some(
          (e) => e.appId === acmeApp && e.actorEmail === ADMIN2 && e.action === 'connection.allowed',
        ),
      ).toBe(true);
      const theirs = await list(dev2, { view: 'developer' });
      expect(theirs.totalCount).toBe(await eventsWhere({ organizationId: other }));
      expect(theirs.items.every((e) => e.organizationId === other)).toBe(true);
    });

    it("never shows another organization's events, whatever ids the filters name", async () => {
      const own = await eventsWhere({ organizationId: other });
      expect((await list(dev2, { view: 'developer', organizationId: acme })).totalCount).toBe(own);
      expect(
        (await list(dev2, { view: 'developer', organizationId: acme })).items.every(
          (e) => e.organizationId === other,
        ),
      ).toBe(true);
      for (const appId of [acmeApp, approvedApp]) {
        expect((await list(dev2, { view: 'developer', appId })).totalCount).toBe(0);
        expect((await list(dev2, { view: 'developer', appId, organizationId: acme })).totalCount).toBe(0);
        expect(
          await dev2().audit.exportCsv({ view: 'developer', appId, organizationId: acme }),
        ).toMatchObject({ rows: 0 });
      }
      const glendale = await list(dev2, { view: 'developer', tenantId: GLENDALE });
      expect(glendale.items.map((e) => e.appId)).toEqual([otherApp, otherApp]);
      const csv = (await dev2().audit.exportCsv({ view: 'developer' })).csv;
      expect(csv).not.toContain('Acme');
      for (const id of [acme, acmeApp, approvedApp]) expect(csv).not.toContain(id);
    });
  });

  describe('tenant view', () => {
    it("shows only the admin's tenants' events", async () => {
      const glendale = await list(admin, { view: 'tenant' });
      expect(glendale.totalCount).toBe(await eventsWhere({ tenantId: GLENDALE }));
      expect(glendale.items.every((e) => e.tenantId === GLENDALE)).toBe(true);
      expect(new Set(glendale.items.map((e) => e.appId))).toEqual(new Set([acmeApp, otherApp, null]));
      const summit = await list(admin2, { view: 'tenant' });
      expect(summit.totalCount).toBe(await eventsWhere({ tenantId: SUMMIT }));
      expect(summit.items.every((e) => e.tenantId === SUMMIT)).toBe(true);
      expect((await list(admin2, { view: 'tenant', tenantId: SUMMIT })).totalCount).toBe(summit.totalCount);
      expect(
        (await list(admin2, { view: 'tenant', organizationId: other })).items.every(
          (e) => e.tenantId === SUMMIT,
        ),
      ).toBe(true);
      expect((await list(admin2, { view: 'tenant', appId: otherApp })).totalCount).toBe(0);
    });

    it("answers NOT_FOUND for another tenant's id, the same as for one that does not exist", async () => {
      const missing = await rejection(admin2().audit.list({ view: 'tenant', tenantId: '999999999' }));
      expect(missing).toEqual({ code: 'NOT_FOUND', message: 'Tenant not found', fieldErrors: null });
      expect(await rejection(admin2().audit.list({ view: 'tenant', tenantId: GLENDALE }))).toEqual(missing);
      expect(await rejection(admin2().audit.exportCsv({ view: 'tenant', tenantId: GLENDALE }))).toEqual(
        missing,
      );
      expect(await rejection(admin().audit.list({ view: 'tenant', tenantId: SUMMIT }))).toEqual(missing);
    });

    // Listing a Tenant ID on an app still waiting for review must not name that app in the tenant's trail.
    it('does not reveal a public app still waiting for review', async () => {
      const hidden = await dev().apps.create(app('Stealth Pending App', { kind: 'public', tenantIds: [] }));
      await dev().apps.addTenant({ appId: hidden.id, tenantId: GLENDALE });
      expect(
        (await admin().connections.available({ tenantId: GLENDALE, environment: 'integration' })).map(
          (a) => a.appId,
        ),
      ).not.toContain(hidden.id);
      const trail = await list(admin, { view: 'tenant' });
      expect(trail.items.map((e) => e.appId)).not.toContain(hidden.id);
      expect((await admin().audit.exportCsv({ view: 'tenant' })).csv).not.toContain('Stealth Pending App');
    });
  });

  describe('CSV export', () => {
    it('has a header and one quoted line per filtered event, matching the list', async () => {
      for (const [caller, filters] of [
        [reviewer, { view: 'reviewer' }],
        [reviewer, { view: 'reviewer', appId: acmeApp }],
        [reviewer, { view: 'reviewer', action: 'connection.', tenantId: GLENDALE }],
        [dev, { view: 'developer' }],
        [admin2, { view: 'tenant' }],
      ] as const) {
        const exported = await caller().audit.exportCsv(filters);
        const listed = await list(caller, filters);
        expect(exported.filename).toMatch(/^gatehouse-audit-\d{4}-\d{2}-\d{2}\.csv$/);
        expect(exported.csv.endsWith('\r\n')).toBe(true);
        const [header, ...rows] = parseCsv(exported.csv);
        expect(header?.cells).toEqual(CSV_HEADER);
        expect(rows).toHaveLength(listed.totalCount);
        expect(exported.rows).toBe(listed.totalCount);
        for (const row of rows) {
          expect(row.cells).toHaveLength(CSV_HEADER.length);
          expect(row.quoted.every(Boolean)).toBe(true);
        }
        rows.forEach((row, i) => {
          const event = listed.items[i]!;
          const cells = [
            event.at.toISOString(),
            event.actorEmail ?? '',
            event.action,
            event.organizationName ?? '',
            event.appName ?? '',
            event.appId ?? '',
            event.tenantId ?? '',
          ];
          expect(row.cells.slice(0, 7)).toEqual(
            cells.map((cell) => (/^[=+\-@]/.test(cell) ? `'${cell}` : cell)),
          );
          expect(row.cells[7] ? JSON.parse(row.cells[7]) : null).toEqual(event.before);
          expect(row.cells[8] ? JSON.parse(row.cells[8]) : null).toEqual(event.after);
        });
      }
    });

    it.each(FORMULA_NAMES.map((name, i) => [name, i] as const))(
      'neutralises the formula-like app name %j',
      async (name, i) => {
        const exported = await reviewer().audit.exportCsv({ view: 'reviewer', appId: formulaApps[i]! });
        expect(exported.rows).toBe(1);
        const [, row] = parseCsv(exported.csv);
        expect(row?.cells[4]).toBe(`'${name}`);
        expect(row?.quoted[4]).toBe(true);
        expect(exported.csv).toContain(`"'${name.replace(/"/g, '""')}"`);
        expect(JSON.parse(row!.cells[8]!)).toMatchObject({ name });
      },
    );

    it('never contains a client secret', async () => {
      const { csv } = await reviewer().audit.exportCsv({ view: 'reviewer' });
      for (const secret of clientSecrets) {
        expect(csv).not.toContain(secret);
        expect(csv).not.toContain(secret.slice(16));
      }
    });
  });

  describe('app names', () => {
    it('tenant admins read an app under its approved name, never a rename waiting for review; developers and reviewers read the current one', async () => {
      const created = await dev().apps.create(app('Reviewed Name', { kind: 'public' }));
      await approveAsShown(reviewer(), created.id);
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

      const tenantList = await list(admin, { view: 'tenant', appId: created.id });
      expect(tenantList.items.length).toBeGreaterThan(0);
      expect(new Set(tenantList.items.map((e) => e.appName))).toEqual(new Set(['Reviewed Name']));
      const tenantCsv = await admin().audit.exportCsv({ view: 'tenant', appId: created.id });
      expect(tenantCsv.csv).toContain('"Reviewed Name"');
      expect(tenantCsv.csv).not.toContain('Unreviewed Rename');

      for (const [caller, view] of [
        [dev, 'developer'],
        [reviewer, 'reviewer'],
      ] as const) {
        const items = (await list(caller, { view, appId: created.id })).items;
        expect(new Set(items.map((e) => e.appName))).toEqual(new Set(['Unreviewed Rename']));
        expect((await caller().audit.exportCsv({ view, appId: created.id })).csv).toContain(
          '"Unreviewed Rename"',
        );
      }
    });
  });
});
