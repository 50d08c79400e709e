import { isVisibleToTenant, tenantFacingIdentity } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { App, AppTenant, AppVersion, Connection, Tenant, User } from '../../db/entities';
import { availableApps, DENSE_LISTINGS, type TenantListInput } from './lists';

/** A tenant of its own, so that only the apps made here list it. */
const TENANT = '555000111';

interface Case {
  id: string;
  kind: 'private' | 'public';
  firstApprovedAt: Date | null;
  deletedAt: Date | null;
  listed: boolean;
  name: string;
  homePageUrl: string;
  listedName: string | null;
  listedHomePageUrl: string | null;
}

/** Every combination isVisibleToTenant looks at, and every way tenantFacingIdentity picks a name. */
function cases(): Case[] {
  const out: Case[] = [];
  const identities = [
    { listedName: null, listedHomePageUrl: null },
    { listedName: 'zeta Listed', listedHomePageUrl: 'https://listed.example' },
    // Half a listed identity is none: tenants see the app's own.
    { listedName: 'Half Listed', listedHomePageUrl: null },
  ];
  let n = 0;
  for (const kind of ['private', 'public'] as const)
    for (const firstApprovedAt of [null, new Date('2030-01-01T00:00:00Z')])
      for (const deletedAt of [null, new Date('2030-02-01T00:00:00Z')])
        for (const listed of [true, false])
          for (const identity of identities)
            out.push({
              id: crypto.randomUUID(),
              kind,
              firstApprovedAt,
              deletedAt,
              listed,
              name: `${out.length % 4 < 2 ? 'alpha' : 'Alpha'} Case ${String(++n).padStart(2, '0')}`,
              homePageUrl: `https://case${n}.example`,
              ...identity,
            });
  return out;
}

describe.each(dialects)('Connect New App in SQL on %s', (dialect) => {
  let t: TestDatabase;
  const all = cases();
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    const dev = await em.findOneOrFail(User, { email: DEV }, { populate: ['organization'] });
    em.create(Tenant, { id: TENANT, name: 'Agreement Tenant' });
    for (const c of all) {
      const app = em.create(App, {
        id: c.id,
        organization: dev.organization!,
        name: c.name,
        homePageUrl: c.homePageUrl,
        listedName: c.listedName,
        listedHomePageUrl: c.listedHomePageUrl,
        kind: c.kind,
        credentialsMode: 'tenant_admin',
        reviewStatus: c.kind === 'private' ? 'not_required' : c.firstApprovedAt ? 'approved' : 'pending',
        firstApprovedAt: c.firstApprovedAt,
        deletedAt: c.deletedAt,
        appKey: `agree_${c.id}`,
        latestVersion: 1,
        createdBy: dev,
      });
      em.create(AppVersion, { id: crypto.randomUUID(), app, number: 1, scopes: [], createdBy: dev });
      if (c.listed) em.create(AppTenant, { id: crypto.randomUUID(), app, tenantId: TENANT });
    }
    await em.flush();
  });
  afterAll(async () => t?.close());

  const walk = async (input: Omit<TenantListInput, 'cursor'>) => {
    const items: Awaited<ReturnType<typeof availableApps>>['items'] = [];
    let cursor: string | undefined;
    do {
      const page = await availableApps(t.db.em(), { ...input, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };

  it('offers exactly what isVisibleToTenant accepts, under the name and home page tenantFacingIdentity gives', async () => {
    const offered = await walk({ tenantId: TENANT, environment: 'integration', limit: 3 });
    const visible = all.filter((c) => isVisibleToTenant(c, c.listed));
    // The rule keeps some cases and refuses others: the comparison below means something.
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThan(all.length);
    expect(new Set(offered.map((a) => a.appId))).toEqual(new Set(visible.map((c) => c.id)));
    for (const item of offered) {
      const c = all.find((x) => x.id === item.appId)!;
      expect({ name: item.name, homePageUrl: item.homePageUrl }).toEqual(tenantFacingIdentity(c));
    }
  });

  it('sorts by the name tenants see in any letter case, then id', async () => {
    const offered = await walk({ tenantId: TENANT, environment: 'integration', limit: 4 });
    const key = (a: { name: string; appId: string }) => [a.name.toLowerCase(), a.appId] as const;
    const sorted = [...offered].sort((x, y) => {
      const [a, b] = [key(x), key(y)];
      return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
    });
    expect(offered.map((a) => a.appId)).toEqual(sorted.map((a) => a.appId));
    // Both letter cases are offered, and an order by the bytes of the names as written would differ.
    const names = offered.map((a) => a.name);
    expect(names.some((n) => n.startsWith('alpha')) && names.some((n) => n.startsWith('Alpha'))).toBe(true);
    expect([...names].sort()).not.toEqual(names);
  });

  it('leaves out a connected app and marks a declined one, whichever way the tenant is read', async () => {
    const em = t.db.em();
    const [connected, declined] = all.filter((c) => isVisibleToTenant(c, c.listed));
    for (const [c, status] of [
      [connected!, 'connected'],
      [declined!, 'declined'],
    ] as const)
      em.create(Connection, {
        id: crypto.randomUUID(),
        app: c.id,
        tenant: TENANT,
        environment: 'production',
        status,
      });
    await em.flush();
    const sparse = await walk({ tenantId: TENANT, environment: 'production', limit: 5 });
    expect(sparse.map((a) => a.appId)).not.toContain(connected!.id);
    expect(sparse.find((a) => a.appId === declined!.id)?.declined).toBe(true);
    expect(sparse.filter((a) => a.declined)).toHaveLength(1);

    // Listed by enough apps, the tenant is read in name order: the same apps answer.
    const extra = Array.from({ length: DENSE_LISTINGS }, () => crypto.randomUUID());
    const dev = await em.findOneOrFail(User, { email: DEV }, { populate: ['organization'] });
    for (const [i, id] of extra.entries()) {
      const app = em.create(App, {
        id,
        organization: dev.organization!,
        name: `Zulu Filler ${i}`,
        homePageUrl: 'https://filler.example',
        kind: 'public',
        credentialsMode: 'tenant_admin',
        reviewStatus: 'pending',
        appKey: `filler_${id}`,
        latestVersion: 1,
        createdBy: dev,
      });
      // Never approved: listed, yet invisible, so the answer must not change.
      em.create(AppTenant, { id: crypto.randomUUID(), app, tenantId: TENANT });
    }
    await em.flush();
    const dense = await walk({ tenantId: TENANT, environment: 'production', limit: 5 });
    expect(dense).toEqual(sparse);
  });
});
