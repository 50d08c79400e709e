import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { App } from '../db/entities';
import { createApp } from './apps/apps';
import { refuseRaces, retryRaces } from './races';

describe.each(dialects)('racing changes on %s', (dialect) => {
  let t: TestDatabase;
  let appId: string;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const dev = await developerActor(t, DEV);
    appId = (await createApp(t.db.em(), dev, newApp('Raced Row', { tenantIds: [] }))).id;
  });
  afterAll(async () => t?.close());

  /** Changes the app's row behind the back of whatever read it before (in `em`'s transaction, if it has one). */
  const changeMeanwhile = (em = t.db.em()) =>
    em.nativeUpdate(App, { id: appId }, { homePageUrl: 'https://other.example' });

  it('refuses a change made from a state that changed meanwhile, as a conflict', async () => {
    const em = t.db.em();
    const stale = await em.findOneOrFail(App, { id: appId });
    await changeMeanwhile();
    const change = refuseRaces(em, 'Changed meanwhile.', async () => {
      stale.name = 'Stale Name';
    });
    await expect(change).rejects.toMatchObject({ code: 'CONFLICT', message: 'Changed meanwhile.' });
    expect((await t.db.em().findOneOrFail(App, { id: appId })).name).toBe('Raced Row');
  });

  it('starts a change over from the state that won', async () => {
    let attempts = 0;
    const name = await retryRaces(t.db.em(), async (tx) => {
      const app = await tx.findOneOrFail(App, { id: appId });
      // Inside the transaction: SQLite would queue a second writer behind it.
      if (++attempts === 1) await changeMeanwhile(tx);
      app.name = `Retried ${attempts}`;
      return app.name;
    });
    expect(name).toBe('Retried 2');
    expect((await t.db.em().findOneOrFail(App, { id: appId })).name).toBe('Retried 2');
  });
});
