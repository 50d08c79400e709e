import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
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
import { AppTenant, AuditEvent } from '../../db/entities';
import { sqlStatementsSent } from '../../db/orm';

type Page = Awaited<ReturnType<Caller['apps']['tenants']>>;
type Input = Omit<Parameters<Caller['apps']['tenants']>[0], 'appId'>;

/** 1,501 Tenant IDs of one to five digits, so that text order and number order differ. */
const LISTED = Array.from({ length: 1501 }, (_, i) => String(i * 37 + 5));
const SORTED = [...LISTED].sort();

const app = {
  homePageUrl: 'https://acme.example',
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

/** An app listed to 1,501 tenants: its details count them, its Tenant IDs come a page at a time. */
describe.each(dialects)('an app Tenant IDs paged on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appId: string;
  let smallAppId: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    appId = (await dev.apps.create({ ...app, name: 'Widely Listed', tenantIds: LISTED.slice(0, 500) })).id;
    smallAppId = (await dev.apps.create({ ...app, name: 'Narrowly Listed', tenantIds: ['985798691'] })).id;
    const addedAt = new Date();
    await t.db.em().insertMany(
      AppTenant,
      LISTED.slice(500).map((tenantId) => ({ id: crypto.randomUUID(), app: appId, tenantId, addedAt })),
    );
  });
  afterAll(async () => t?.close());

  async function walk(input: Input, onApp = appId): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const page = await dev.apps.tenants({ appId: onApp, ...input, cursor });
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 100);
    return pages;
  }

  const idsOf = (pages: Page[]) => pages.flatMap((page) => page.items.map((item) => item.tenantId));

  async function statements<T>(call: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const before = sqlStatementsSent();
    const result = await call();
    return { result, statements: sqlStatementsSent() - before };
  }

  it('gives the app details a count and the first Tenant ID, the same size and statements as a small app', async () => {
    const big = await statements(() => dev.apps.get({ appId }));
    const small = await statements(() => dev.apps.get({ appId: smallAppId }));
    expect(big.result).toMatchObject({ tenantCount: 1501, firstTenantId: SORTED[0] });
    expect(small.result).toMatchObject({ tenantCount: 1, firstTenantId: '985798691' });
    expect(big.statements).toBe(small.statements);
    expect(JSON.stringify(big.result).length).toBeLessThan(JSON.stringify(small.result).length + 50);
  });

  it('walks every Tenant ID once, in Tenant ID order, 200 a page, each with when it was added', async () => {
    const pages = await walk({ limit: 200 });
    expect(pages.map((page) => page.items.length)).toEqual([...Array(7).fill(200), 101]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(idsOf(pages)).toEqual(SORTED);
    for (const item of pages.flatMap((page) => page.items)) expect(item.addedAt).toBeInstanceOf(Date);
  });

  it('shows 50 a page unless asked otherwise, at the statements of a small app, and refuses other sizes', async () => {
    const first = await statements(() => dev.apps.tenants({ appId }));
    expect(first.result.items.map((item) => item.tenantId)).toEqual(SORTED.slice(0, 50));
    const late = await statements(() => dev.apps.tenants({ appId, cursor: first.result.nextCursor! }));
    expect(late.result.items.map((item) => item.tenantId)).toEqual(SORTED.slice(50, 100));
    const small = await statements(() => dev.apps.tenants({ appId: smallAppId }));
    expect(small.result).toEqual({
      items: [{ tenantId: '985798691', addedAt: expect.any(Date) }],
      nextCursor: null,
    });
    expect(first.statements).toBe(small.statements);
    expect(late.statements).toBe(small.statements);
    for (const limit of [0, 201])
      expect((await rejection(dev.apps.tenants({ appId, limit }))).code, String(limit)).toBe('BAD_REQUEST');
  });

  it('finds Tenant IDs by their start, a page at a time', async () => {
    for (const search of ['1', '9', '99', '5555', '40', '55505']) {
      expect(idsOf(await walk({ limit: 30, search })), search).toEqual(
        SORTED.filter((id) => id.startsWith(search)),
      );
    }
    expect(await dev.apps.tenants({ appId, search: '123456' })).toEqual({ items: [], nextCursor: null });
    expect(idsOf([await dev.apps.tenants({ appId, search: ' 5555 ' })])).toEqual(['5555']);
    const refused = await rejection(dev.apps.tenants({ appId, search: '98x' }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { search: expect.any(String) } });
  });

  it('refuses a page link of another list, another search or another app, and changes nothing', async () => {
    const state = async () => ({
      tenants: await t.db.em().count(AppTenant, {}),
      audit: await t.db.em().count(AuditEvent, {}),
    });
    const searched = (await dev.apps.tenants({ appId, search: '1', limit: 5 })).nextCursor!;
    const ofBig = (await dev.apps.tenants({ appId, limit: 5 })).nextCursor!;
    const ofConnections = (await dev.apps.connections({ appId, limit: 5 })).nextCursor!;
    const ofList = (await dev.apps.list({ limit: 1 })).nextCursor!;
    for (const [label, input] of [
      ['garbage', { appId, cursor: 'garbage' }],
      ['another search', { appId, cursor: searched, search: '2' }],
      ['a search dropped', { appId, cursor: searched }],
      ['another app', { appId: smallAppId, cursor: ofBig }],
      ['View Connections', { appId, cursor: ofConnections }],
      ['My Apps', { appId, cursor: ofList }],
    ] as const) {
      const failure = await rejectionWithoutChange(state, () => dev.apps.tenants(input));
      expect(failure.code, label).toBe('BAD_REQUEST');
      expect(failure.message, label).toMatch(/Start again from the first page/);
    }
  });

  it('keeps the Tenant IDs from anyone outside the organization, with or without a page link', async () => {
    const cursor = (await dev.apps.tenants({ appId, limit: 5 })).nextCursor!;
    const notFound = { code: 'NOT_FOUND', message: 'App not found', fieldErrors: null };
    const dev2 = await t.as(DEV2);
    expect(await rejection(dev2.apps.tenants({ appId }))).toEqual(notFound);
    expect(await rejection(dev2.apps.tenants({ appId, cursor }))).toEqual(notFound);
    expect(await rejection(dev2.apps.tenants({ appId, cursor: 'garbage' }))).toEqual(notFound);
    for (const email of [ADMIN, REVIEWER])
      expect((await rejection((await t.as(email)).apps.tenants({ appId }))).code, email).toBe('FORBIDDEN');
    expect((await rejection(t.anonymous().apps.tenants({ appId, cursor }))).code).toBe('UNAUTHORIZED');
  });

  it('adds and removes a Tenant ID on the widely listed app, answering with the count', async () => {
    expect(await dev.apps.addTenant({ appId, tenantId: '4' })).toEqual({
      tenantId: '4',
      listed: true,
      tenantCount: 1502,
    });
    const duplicate = await rejection(dev.apps.addTenant({ appId, tenantId: SORTED[700]! }));
    expect(duplicate.fieldErrors).toEqual({ tenantId: `Tenant ID ${SORTED[700]} is already listed` });
    expect(idsOf([await dev.apps.tenants({ appId, search: '4', limit: 1 })])).toEqual(['4']);
    expect(await dev.apps.removeTenant({ appId, tenantId: '4' })).toEqual({
      tenantId: '4',
      listed: false,
      tenantCount: 1501,
    });
    expect((await dev.apps.get({ appId })).tenantCount).toBe(1501);
  });
});
