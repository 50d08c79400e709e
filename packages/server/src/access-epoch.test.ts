import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { announceAccessChange, EPOCH_POLL_MS, watchAccessEpoch } from './access-epoch';
import { AccessEpoch } from './db/entities';
import { DEMO_PASSWORD } from './seed/demo';

describe.each(dialects)('access epoch on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  const epoch = async () => (await t.db.em().findOneOrFail(AccessEpoch, { id: 1 })).epoch;

  it('an instance that starts announces a change, which the others see by polling', async () => {
    const stopFirst = await watchAccessEpoch(t.db);
    const seen: number[] = [];
    const listener = () => seen.push(Date.now());
    t.db.changes.on('access-changed', listener);
    try {
      const before = await epoch();
      // Another instance starting: its start is a change, and this one notices it by polling.
      const stopSecond = await watchAccessEpoch(t.db);
      stopSecond();
      expect(await epoch()).toBe(before + 1);
      expect(seen).toHaveLength(0);
      await new Promise((resolve) => setTimeout(resolve, EPOCH_POLL_MS * 2 + 100));
      expect(seen).toHaveLength(1);
      // No change, nothing to announce.
      await new Promise((resolve) => setTimeout(resolve, EPOCH_POLL_MS * 2));
      expect(seen).toHaveLength(1);
      await announceAccessChange(t.db);
      expect(await epoch()).toBe(before + 2);
    } finally {
      t.db.changes.off('access-changed', listener);
      stopFirst();
    }
  });

  it("a mutation announces a change; one refused for its input or the caller's rights does not", async () => {
    const dev = await t.as(DEV);
    const app = {
      name: 'Epoch App',
      homePageUrl: 'https://epoch.example',
      tenantIds: ['985798691'],
      kind: 'private' as const,
      credentialsMode: 'tenant_admin' as const,
      scopes: ['tn.crm.customers:r'],
    };
    const before = await epoch();
    await expect(dev.apps.create({ ...app, name: '' })).rejects.toThrow();
    await expect(t.anonymous().apps.create(app)).rejects.toThrow();
    expect(await epoch()).toBe(before);
    await dev.apps.create(app);
    expect(await epoch()).toBe(before + 1);
  });

  it('sign-in, sign-out, marking notifications read and asking for access announce nothing: the caches stay warm', async () => {
    const listener = vi.fn();
    t.db.changes.on('access-changed', listener);
    try {
      const before = await epoch();
      await t.anonymous().auth.signIn({ email: DEV, password: DEMO_PASSWORD });
      const dev = await t.as(DEV);
      await dev.notifications.markAllRead();
      await t.anonymous().access.request({
        name: 'Quiet Newcomer',
        email: 'quiet@newcomer.example',
        organizationName: 'Quiet Co',
        role: 'developer',
      });
      await dev.auth.signOut();
      expect(await epoch()).toBe(before);
      expect(listener).not.toHaveBeenCalled();
    } finally {
      t.db.changes.off('access-changed', listener);
    }
  });
});
