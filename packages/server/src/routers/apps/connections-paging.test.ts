import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { AppTenant, AuditEvent, Connection, Tenant } from '../../db/entities';
import { sqlStatementsSent } from '../../db/orm';

type Page = Awaited<ReturnType<Caller['apps']['connections']>>;
type Input = Omit<Parameters<Caller['apps']['connections']>[0], 'appId'>;

const SCOPES = ['tn.acc.invoices:r', 'tn.crm.customers:r'];
/** 1,200 listed Tenant IDs of one to five digits, so that text order and number order differ. */
const LISTED = Array.from({ length: 1200 }, (_, i) => String(i * 37 + 5));
/** Tenants whose Tenant ID was removed from the app while their connection remains. */
const CONNECTED_ONLY = Array.from({ length: 30 }, (_, i) => `55500${String(i).padStart(2, '0')}`);
/** Listed tenants connected in Integration. */
const CONNECTED_LISTED = LISTED.filter((_, i) => i % 60 === 0);
const ALL = [...LISTED, ...CONNECTED_ONLY].sort();

/** View Connections of an app offered to more than a thousand tenants, a page of tenants at a time. */
describe.each(dialects)('View Connections paging on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appId: string;
  let smallAppId: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    const app = {
      homePageUrl: 'https://acme.example',
      kind: 'private' as const,
      credentialsMode: 'tenant_admin' as const,
      scopes: SCOPES,
    };
    appId = (await dev.apps.create({ ...app, name: 'Widely Listed', tenantIds: LISTED.slice(0, 500) })).id;
    smallAppId = (await dev.apps.create({ ...app, name: 'Narrowly Listed', tenantIds: ['985798691'] })).id;
    await (await t.as(ADMIN)).connections.allow({
      tenantId: '985798691',
      environment: 'integration',
      appId: smallAppId,
      credentialsIssuer: 'tenant_admin',
    });
    const em = t.db.em();
    const now = new Date();
    await em.insertMany(
      AppTenant,
      LISTED.slice(500).map((tenantId) => ({ id: crypto.randomUUID(), app: appId, tenantId, addedAt: now })),
    );
    await em.insertMany(
      Tenant,
      [...CONNECTED_LISTED, ...CONNECTED_ONLY].map((id) => ({ id, name: `Tenant ${id}` })),
    );
    await em.insertMany(
      Connection,
      [...CONNECTED_LISTED, ...CONNECTED_ONLY].map((tenant) => ({
        id: crypto.randomUUID(),
        app: appId,
        tenant,
        environment: 'integration' as const,
        status: 'connected' as const,
        acceptedVersion: 1,
        clientId: `ghc_paging_${dialect}_${tenant}`,
        credentialsIssuer: 'tenant_admin' as const,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      })),
    );
  });
  afterAll(async () => t?.close());

  async function walk(input: Input, onApp = appId): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const page = await dev.apps.connections({ appId: onApp, ...input, cursor });
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 100);
    return pages;
  }

  /** The Tenant IDs of a page, once each, checking that the page holds each tenant whole, Integration then Production. */
  function tenantsOf(page: Page): string[] {
    expect(page.items.length % 2).toBe(0);
    const tenants: string[] = [];
    for (let i = 0; i < page.items.length; i += 2) {
      const [integration, production] = [page.items[i]!, page.items[i + 1]!];
      expect([integration.environment, production.environment]).toEqual(['integration', 'production']);
      expect(production.tenantId).toBe(integration.tenantId);
      tenants.push(integration.tenantId);
    }
    return tenants;
  }

  it('walks every tenant once, whole and in Tenant ID order, 100 tenants a page', async () => {
    const pages = await walk({ limit: 100 });
    expect(pages.map((p) => p.items.length)).toEqual([...Array(12).fill(200), 60]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const tenants = pages.flatMap(tenantsOf);
    expect(tenants).toEqual(ALL);
    const rows = pages.flatMap((p) => p.items);
    const row = (tenantId: string, environment: string) =>
      rows.find((r) => r.tenantId === tenantId && r.environment === environment);
    expect(row(CONNECTED_ONLY[3]!, 'integration')).toMatchObject({
      tenantName: `Tenant ${CONNECTED_ONLY[3]}`,
      state: 'connected',
      version: 1,
      scopesInPlay: SCOPES,
      offered: false,
      clientId: `ghc_paging_${dialect}_${CONNECTED_ONLY[3]}`,
      credentialsIssuer: 'tenant_admin',
    });
    expect(row(CONNECTED_ONLY[3]!, 'production')).toMatchObject({ state: 'not_connected', offered: false });
    expect(row(CONNECTED_LISTED[5]!, 'integration')).toMatchObject({ state: 'connected', offered: true });
    expect(row(LISTED[7]!, 'production')).toMatchObject({
      tenantName: null,
      state: 'not_connected',
      version: null,
      scopesInPlay: [],
      offered: true,
    });
  });

  it('shows 50 tenants a page unless asked otherwise, at the SQL statements of a small app', async () => {
    const statements = async (input: Parameters<Caller['apps']['connections']>[0]) => {
      const before = sqlStatementsSent();
      const page = await dev.apps.connections(input);
      return { page, statements: sqlStatementsSent() - before };
    };
    const big = await statements({ appId });
    expect(tenantsOf(big.page)).toEqual(ALL.slice(0, 50));
    const late = await statements({ appId, cursor: (await walk({ limit: 100 })).at(-2)!.nextCursor! });
    const small = await statements({ appId: smallAppId });
    expect(small.page.items.map((r) => [r.tenantId, r.state])).toEqual([
      ['985798691', 'connected'],
      ['985798691', 'not_connected'],
    ]);
    // Both first pages show a connection; the late one none, so it reads no versions.
    expect(big.statements).toBe(small.statements);
    expect(late.statements).toBeLessThanOrEqual(big.statements);
  });

  it('finds tenants by the start of their Tenant ID, a page at a time', async () => {
    for (const search of ['1', '9', '99', '555', '5550029', '40']) {
      const tenants = (await walk({ limit: 40, search })).flatMap(tenantsOf);
      expect(tenants, search).toEqual(ALL.filter((id) => id.startsWith(search)));
    }
    expect(await dev.apps.connections({ appId, search: '123456' })).toEqual({ items: [], nextCursor: null });
    // Listed 5555 starts with 555 too.
    expect(tenantsOf(await dev.apps.connections({ appId, search: ' 555 ', limit: 100 }))).toEqual([
      ...CONNECTED_ONLY,
      '5555',
    ]);
    const refused = await rejection(dev.apps.connections({ appId, search: '98x' }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { search: expect.any(String) } });
  });

  it('refuses a page link of another list, another search or another app, and changes nothing', async () => {
    const state = async () => ({
      connections: await t.db.em().count(Connection, {}),
      audit: await t.db.em().count(AuditEvent, {}),
    });
    const searched = (await dev.apps.connections({ appId, search: '1', limit: 5 })).nextCursor!;
    const ofBig = (await dev.apps.connections({ appId, limit: 5 })).nextCursor!;
    const ofList = (await dev.apps.list({ limit: 1 })).nextCursor!;
    for (const [label, input] of [
      ['garbage', { appId, cursor: 'garbage' }],
      ['another search', { appId, cursor: searched, search: '2' }],
      ['a search dropped', { appId, cursor: searched }],
      ['another app', { appId: smallAppId, cursor: ofBig }],
      ['My Apps', { appId, cursor: ofList }],
    ] as const) {
      const failure = await rejectionWithoutChange(state, () => dev.apps.connections(input));
      expect(failure.code, label).toBe('BAD_REQUEST');
      expect(failure.message, label).toMatch(/Start again from the first page/);
    }
    const foreign = await rejection((await t.as(DEV2)).apps.connections({ appId, cursor: ofBig }));
    expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
    for (const limit of [0, 101])
      expect((await rejection(dev.apps.connections({ appId, limit }))).code).toBe('BAD_REQUEST');
  });
});
