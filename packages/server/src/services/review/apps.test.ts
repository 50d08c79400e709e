import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, developerActor, newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, REVIEWER, type TestDatabase } from '#test/harness';
import { App, AuditEvent, Notification } from '../../db/entities';
import { createApp } from '../apps/apps';
import { approveApp, rejectApp } from './apps';
import { reviewQueue } from './queue';

describe.each(dialects)('app review service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  async function publicApp(name: string) {
    return createApp(t.db.em(), await developerActor(t, DEV), newApp(name, { kind: 'public' }));
  }
  const eventsOf = (appId: string) =>
    t.db.em().find(AuditEvent, { appId, action: { $like: 'app.%ed' } }, { orderBy: { at: 'asc' } });

  it('queues a public app and approves the identity the reviewer saw, with one event and a notice', async () => {
    const created = await publicApp(`Service Approved ${dialect}`);
    const queued = (await reviewQueue(t.db.em(), { limit: 200 })).items.find(
      (item) => item.appId === created.id,
    );
    expect(queued).toMatchObject({ name: created.name, listedName: null, tenantIds: ['985798691'] });

    const reviewer = await actor(t, REVIEWER);
    const seen = { name: created.name, homePageUrl: created.homePageUrl };
    expect(await approveApp(t.db.em(), reviewer, created.id, seen)).toEqual({ reviewStatus: 'approved' });
    expect(await t.db.em().findOneOrFail(App, { id: created.id })).toMatchObject({
      reviewStatus: 'approved',
      listedName: created.name,
      firstApprovedAt: expect.any(Date),
    });
    expect((await eventsOf(created.id)).map((e) => [e.action, e.actorEmail])).toEqual([
      ['app.created', DEV],
      ['app.approved', REVIEWER],
    ]);
    expect((await t.db.em().find(Notification, { appId: created.id })).map((n) => n.message)).toContain(
      `${created.name} was approved. Tenants you listed can now find and connect it.`,
    );
    await expect(approveApp(t.db.em(), reviewer, created.id, seen)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('refuses to approve an identity other than the one shown, and rejects with a reason', async () => {
    const created = await publicApp(`Service Rejected ${dialect}`);
    const reviewer = await actor(t, REVIEWER);
    const unseen = { name: 'Another Name', homePageUrl: created.homePageUrl };
    await expect(approveApp(t.db.em(), reviewer, created.id, unseen)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await rejectApp(t.db.em(), reviewer, created.id, 'Not ready yet.')).toEqual({
      reviewStatus: 'rejected',
    });
    expect(await t.db.em().findOneOrFail(App, { id: created.id })).toMatchObject({
      reviewStatus: 'rejected',
      reviewReason: 'Not ready yet.',
    });
    expect((await eventsOf(created.id)).map((e) => e.action)).toEqual(['app.created', 'app.rejected']);
    await expect(rejectApp(t.db.em(), reviewer, created.id, 'Again.')).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('answers an app that never needed review like a missing one', async () => {
    const privateApp = await createApp(t.db.em(), await developerActor(t, DEV), newApp('Service Private'));
    const reviewer = await actor(t, REVIEWER);
    await expect(rejectApp(t.db.em(), reviewer, privateApp.id, 'No.')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
