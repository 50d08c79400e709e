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
import { AccessRequest, App, AuditEvent, Connection, Notification } from '../../db/entities';

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

/** Approves as the review queue does: with the name and home page the reviewer was shown on its pages. */
async function approveAsShown(reviewer: Caller, appId: string) {
  const shown = (await everyPage(reviewer.review.queue, {})).find((item) => item.appId === appId);
  return reviewer.review.approve({
    appId,
    seen: { name: shown?.name ?? '', homePageUrl: shown?.homePageUrl ?? '' },
  });
}

const publicApp = {
  name: 'Route Planner',
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'public' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r', 'tn.acc.invoices:w'],
};
const privateApp = { ...publicApp, name: 'Private Dispatch', kind: 'private' as const };

const GLENDALE = '985798691';
const SUMMIT = '100200300';
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const MALFORMED_IDS = ['not-a-uuid', '', "' or 1=1 --", '../../apps', '12345'];
const REASON = 'The home page is a parking page; link your product page.';

/** Every reviewer procedure, with otherwise valid input. */
const reviewerCalls: Record<
  string,
  (caller: Caller, ids: { appId: string; requestId: string }) => Promise<unknown>
> = {
  queue: (c) => c.review.queue(),
  approve: (c, { appId }) =>
    c.review.approve({ appId, seen: { name: 'Shown Name', homePageUrl: 'https://shown.example' } }),
  reject: (c, { appId }) => c.review.reject({ appId, reason: REASON }),
  accessRequests: (c) => c.review.accessRequests(),
  approveRequest: (c, { requestId }) => c.review.approveRequest({ requestId }),
  rejectRequest: (c, { requestId }) => c.review.rejectRequest({ requestId, reason: REASON }),
};

describe.each(dialects)('review router on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let dev2: () => Caller;
  let admin: () => Caller;
  let admin2: () => Caller;
  let reviewer: () => Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, dev2, admin, admin2, reviewer] = await Promise.all([
      signIn(t, DEV),
      signIn(t, DEV2),
      signIn(t, ADMIN),
      signIn(t, ADMIN2),
      signIn(t, REVIEWER),
    ]);
  });
  afterAll(async () => t?.close());

  const statusOf = async (appId: string) => (await t.db.em().findOneOrFail(App, { id: appId })).reviewStatus;
  const queueIds = async () => (await everyPage(reviewer().review.queue, {})).map((item) => item.appId);
  const availableTo = async (caller: () => Caller, tenantId: string) =>
    (
      await Promise.all(
        (['integration', 'production'] as const).map((environment) =>
          everyPage(caller().connections.available, { tenantId, environment }),
        ),
      )
    )
      .flat()
      .map((a) => a.appId);

  async function pendingRequest(email: string) {
    await t
      .anonymous()
      .access.request({ name: 'Pat Pending', email, organizationName: 'Pending Co', role: 'developer' });
    return t.db.em().findOneOrFail(AccessRequest, { email });
  }

  describe('who may review', () => {
    let ids: { appId: string; requestId: string };
    beforeAll(async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Role Matrix App' });
      const request = await pendingRequest('role-matrix@example.com');
      ids = { appId: app.id, requestId: request.id };
    });

    it.each(Object.keys(reviewerCalls))('%s answers UNAUTHORIZED without a session', async (name) => {
      expect((await rejection(reviewerCalls[name]!(t.anonymous(), ids))).code).toBe('UNAUTHORIZED');
    });

    it.each(Object.keys(reviewerCalls))(
      '%s answers FORBIDDEN to developers and tenant admins, and changes nothing',
      async (name) => {
        for (const caller of [dev, dev2, admin, admin2]) {
          expect((await rejection(reviewerCalls[name]!(caller(), ids))).code).toBe('FORBIDDEN');
        }
        expect(await statusOf(ids.appId)).toBe('pending');
        expect((await t.db.em().findOneOrFail(AccessRequest, { id: ids.requestId })).status).toBe('pending');
        expect(await t.db.em().count(Notification, { appId: ids.appId })).toBe(0);
      },
    );

    it.each(['approve', 'reject'])(
      '%s answers NOT_FOUND, with one message, for missing, malformed, private, deleted and non-app ids',
      async (name) => {
        const priv = await dev().apps.create({ ...privateApp, name: `Private for ${name}` });
        const doomed = await dev().apps.create({ ...publicApp, name: `Doomed for ${name}` });
        await dev().apps.delete({ appId: doomed.id, confirmName: doomed.name });
        for (const appId of [MISSING_ID, ...MALFORMED_IDS, priv.id, doomed.id, ids.requestId]) {
          expect(await rejection(reviewerCalls[name]!(reviewer(), { ...ids, appId })), appId).toEqual({
            code: 'NOT_FOUND',
            message: 'App not found',
            fieldErrors: null,
          });
        }
        expect(await statusOf(priv.id)).toBe('not_required');
        expect(await statusOf(doomed.id)).toBe('pending');
        expect(await queueIds()).not.toContain(doomed.id);
      },
    );

    it.each(['approveRequest', 'rejectRequest'])(
      '%s answers NOT_FOUND, with one message, for missing, malformed and non-request ids',
      async (name) => {
        // approveRequest hashes a placeholder password before looking the request up: a few ids keep this quick.
        for (const requestId of [MISSING_ID, 'not-a-uuid', "' or 1=1 --", ids.appId]) {
          expect(await rejection(reviewerCalls[name]!(reviewer(), { ...ids, requestId })), requestId).toEqual(
            { code: 'NOT_FOUND', message: 'Access request not found', fieldErrors: null },
          );
        }
        expect((await t.db.em().findOneOrFail(AccessRequest, { id: ids.requestId })).status).toBe('pending');
      },
    );

    it('lets the reviewer read the queue and the pending requests', async () => {
      expect(await queueIds()).toContain(ids.appId);
      expect((await everyPage(reviewer().review.accessRequests, {})).map((r) => r.id)).toContain(
        ids.requestId,
      );
    });
  });

  describe('developer procedures for review', () => {
    it('updateDetails and resubmit answer UNAUTHORIZED without a session, FORBIDDEN to non-developers, NOT_FOUND for foreign or malformed ids', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Guarded App' });
      await reviewer().review.reject({ appId: app.id, reason: REASON });
      const calls = {
        updateDetails: (c: Caller, appId: string) => c.apps.updateDetails({ appId, ...privateApp }),
        resubmit: (c: Caller, appId: string) => c.apps.resubmit({ appId }),
      };
      for (const call of Object.values(calls)) {
        expect((await rejection(call(t.anonymous(), app.id))).code).toBe('UNAUTHORIZED');
        for (const caller of [admin, admin2, reviewer])
          expect((await rejection(call(caller(), app.id))).code).toBe('FORBIDDEN');
        for (const appId of [app.id, MISSING_ID, ...MALFORMED_IDS]) {
          expect(await rejection(call((appId === app.id ? dev2 : dev)(), appId))).toEqual({
            code: 'NOT_FOUND',
            message: 'App not found',
            fieldErrors: null,
          });
        }
      }
      const after = await dev().apps.get({ appId: app.id });
      expect(after).toMatchObject({
        name: 'Guarded App',
        kind: 'public',
        reviewStatus: 'rejected',
        reviewReason: REASON,
      });
    });
  });

  describe('public app lifecycle', () => {
    it('starts a public app pending; no tenant finds it, and a direct id answers like a missing app', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Hidden While Pending' });
      expect(app.reviewStatus).toBe('pending');
      expect(app.submittedAt).toBeInstanceOf(Date);
      expect(await availableTo(admin, GLENDALE)).not.toContain(app.id);
      for (const environment of ['integration', 'production'] as const) {
        const missing = { tenantId: GLENDALE, environment, appId: MISSING_ID };
        const hidden = { ...missing, appId: app.id };
        const expected = await rejection(admin().connections.app(missing));
        expect(expected).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
        expect(await rejection(admin().connections.app(hidden))).toEqual(expected);
        expect(
          await rejection(admin().connections.allow({ ...hidden, credentialsIssuer: 'tenant_admin' })),
        ).toEqual(
          await rejection(admin().connections.allow({ ...missing, credentialsIssuer: 'tenant_admin' })),
        );
        expect(await rejection(admin().connections.decline(hidden))).toEqual(
          await rejection(admin().connections.decline(missing)),
        );
      }
      expect(await t.db.em().count(Connection, { app: app.id })).toBe(0);
    });

    it('takes Tenant IDs while pending without leaving the queue or showing the app', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Growing While Pending' });
      expect(await dev().apps.addTenant({ appId: app.id, tenantId: SUMMIT })).toEqual({
        tenantId: SUMMIT,
        listed: true,
        tenantCount: 2,
      });
      expect(await statusOf(app.id)).toBe('pending');
      expect(await availableTo(admin2, SUMMIT)).not.toContain(app.id);
      expect(
        (
          await rejection(
            admin2().connections.app({ tenantId: SUMMIT, environment: 'integration', appId: app.id }),
          )
        ).code,
      ).toBe('NOT_FOUND');
      const item = (await everyPage(reviewer().review.queue, {})).find((i) => i.appId === app.id);
      expect(item?.tenantIds).toEqual([GLENDALE, SUMMIT]);
    });

    it('queues by waiting time, oldest first, with name, organization, home page, kind, scopes and Tenant IDs', async () => {
      const [a, b, c] = await Promise.all(
        ['Queue A', 'Queue B', 'Queue C'].map((name) => dev().apps.create({ ...publicApp, name })),
      );
      const other = await dev2().apps.create({
        ...publicApp,
        name: 'Queue Other',
        tenantIds: [SUMMIT],
        scopes: ['tn.settings.employees:r'],
      });
      const priv = await dev().apps.create({ ...privateApp, name: 'Queue Private' });
      const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
      const em = t.db.em();
      await em.nativeUpdate(App, { id: a!.id }, { submittedAt: hoursAgo(1) });
      await em.nativeUpdate(App, { id: b!.id }, { submittedAt: hoursAgo(30) });
      await em.nativeUpdate(App, { id: c!.id }, { submittedAt: hoursAgo(5) });
      await em.nativeUpdate(App, { id: other.id }, { submittedAt: hoursAgo(10) });
      const queue = await everyPage(reviewer().review.queue, {});
      const mine = [a!.id, b!.id, c!.id, other.id];
      expect(queue.map((i) => i.appId).filter((id) => mine.includes(id))).toEqual([
        b!.id,
        other.id,
        c!.id,
        a!.id,
      ]);
      const times = queue.map((i) => i.submittedAt.getTime());
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect(queue.map((i) => i.appId)).not.toContain(priv.id);
      expect(queue.find((i) => i.appId === other.id)).toEqual({
        appId: other.id,
        name: 'Queue Other',
        organizationName: 'Other Dev Co',
        homePageUrl: 'https://acme.example',
        listedName: null,
        listedHomePageUrl: null,
        kind: 'public',
        reviewStatus: 'pending',
        scopes: ['tn.settings.employees:r'],
        tenantIds: [SUMMIT],
        tenantCount: 1,
        submittedAt: expect.any(Date),
      });
      expect([...(queue.find((i) => i.appId === b!.id)?.scopes ?? [])].sort()).toEqual(
        [...publicApp.scopes].sort(),
      );
    });

    it.each([
      ['an empty reason', ''],
      ['a blank reason', '   '],
      ['a 2-character reason', 'no'],
      ['a 2-character reason padded with spaces', '  ab  '],
      ['a reason over 2000 characters', 'x'.repeat(2001)],
    ])(
      'refuses to reject with %s: BAD_REQUEST fieldErrors.reason, nothing changes',
      async (_label, reason) => {
        const app = await dev().apps.create({ ...publicApp, name: `Reasonless ${reason.length}` });
        const failure = await rejection(reviewer().review.reject({ appId: app.id, reason }));
        expect(failure.code).toBe('BAD_REQUEST');
        expect(failure.fieldErrors?.reason).toEqual(expect.any(String));
        expect(await dev().apps.get({ appId: app.id })).toMatchObject({
          reviewStatus: 'pending',
          reviewReason: null,
        });
        expect(await queueIds()).toContain(app.id);
        expect(await t.db.em().count(AuditEvent, { appId: app.id, action: 'app.rejected' })).toBe(0);
        expect(await t.db.em().count(Notification, { appId: app.id })).toBe(0);
      },
    );

    it('refuses to reject without any reason field', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'No Reason Field' });
      const failure = await rejection(
        reviewer().review.reject({ appId: app.id } as { appId: string; reason: string }),
      );
      expect(failure).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { reason: expect.any(String) } });
      expect(await statusOf(app.id)).toBe('pending');
    });

    it('rejects with a reason, takes a resubmission, approves once; later scopes and tenants keep it approved', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Full Journey' });
      expect(await reviewer().review.reject({ appId: app.id, reason: `  ${REASON}  ` })).toEqual({
        reviewStatus: 'rejected',
      });

      const rejected = await dev().apps.get({ appId: app.id });
      expect(rejected).toMatchObject({ reviewStatus: 'rejected', reviewReason: REASON });
      expect((await dev().apps.list({ search: 'Full Journey' })).items).toEqual([
        expect.objectContaining({ id: app.id, reviewStatus: 'rejected' }),
      ]);
      expect(await queueIds()).not.toContain(app.id);
      expect(await availableTo(admin, GLENDALE)).not.toContain(app.id);
      expect(
        (
          await rejection(
            admin().connections.app({ tenantId: GLENDALE, environment: 'integration', appId: app.id }),
          )
        ).code,
      ).toBe('NOT_FOUND');
      expect((await rejection(reviewer().review.reject({ appId: app.id, reason: REASON }))).code).toBe(
        'CONFLICT',
      );
      expect((await rejection(approveAsShown(reviewer(), app.id))).code).toBe('CONFLICT');

      // The developer edits the rejected app: it stays rejected until resubmitted.
      const edited = await dev().apps.updateDetails({
        appId: app.id,
        ...publicApp,
        name: 'Full Journey',
        homePageUrl: 'https://acme.example/route-planner',
      });
      expect(edited).toMatchObject({
        reviewStatus: 'rejected',
        homePageUrl: 'https://acme.example/route-planner',
      });

      const resubmitted = await dev().apps.resubmit({ appId: app.id });
      expect(resubmitted.reviewStatus).toBe('pending');
      expect(resubmitted.submittedAt!.getTime()).toBeGreaterThan(app.submittedAt!.getTime());
      expect((await rejection(dev().apps.resubmit({ appId: app.id }))).code).toBe('CONFLICT');
      const queue = await queueIds();
      expect(queue.at(-1)).toBe(app.id);
      expect(await availableTo(admin, GLENDALE)).not.toContain(app.id);

      expect(await approveAsShown(reviewer(), app.id)).toEqual({ reviewStatus: 'approved' });
      expect(await dev().apps.get({ appId: app.id })).toMatchObject({
        reviewStatus: 'approved',
        reviewReason: null,
      });
      expect(await queueIds()).not.toContain(app.id);
      expect(await availableTo(admin, GLENDALE)).toContain(app.id);
      expect(
        [
          ...(
            await admin().connections.app({ tenantId: GLENDALE, environment: 'integration', appId: app.id })
          ).scopes,
        ].sort(),
      ).toEqual([...publicApp.scopes].sort());
      expect(
        (
          await admin().connections.allow({
            tenantId: GLENDALE,
            environment: 'integration',
            appId: app.id,
            credentialsIssuer: 'tenant_admin',
          })
        ).connection.status,
      ).toBe('connected');

      // One at a time: a call started early could fail before anything awaits it.
      for (const again of [
        () => approveAsShown(reviewer(), app.id),
        () => reviewer().review.reject({ appId: app.id, reason: REASON }),
      ]) {
        expect(await rejection(again())).toMatchObject({ code: 'CONFLICT' });
      }
      expect((await rejection(dev().apps.resubmit({ appId: app.id }))).code).toBe('CONFLICT');

      expect(
        (await dev().apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:r', 'tn.crm.leads:w'] }))
          .version,
      ).toBe(2);
      await dev().apps.addTenant({ appId: app.id, tenantId: SUMMIT });
      expect(await dev().apps.get({ appId: app.id })).toMatchObject({
        reviewStatus: 'approved',
        latestVersion: 2,
        tenantCount: 2,
        firstTenantId: SUMMIT,
      });
      expect(await queueIds()).not.toContain(app.id);
      expect(await availableTo(admin2, SUMMIT)).toContain(app.id);

      const actions = (
        await t.db.em().find(AuditEvent, { appId: app.id }, { orderBy: { at: 'asc', id: 'asc' } })
      ).map((e) => e.action);
      expect(
        actions.filter(
          (a) => a.startsWith('app.') && ['app.rejected', 'app.resubmitted', 'app.approved'].includes(a),
        ),
      ).toEqual(['app.rejected', 'app.resubmitted', 'app.approved']);
    });

    it('resubmitting an app that is not rejected answers CONFLICT and changes nothing', async () => {
      const pending = await dev().apps.create({ ...publicApp, name: 'Resubmit Pending' });
      const approved = await dev().apps.create({ ...publicApp, name: 'Resubmit Approved' });
      await approveAsShown(reviewer(), approved.id);
      const priv = await dev().apps.create({ ...privateApp, name: 'Resubmit Private' });
      for (const [app, status] of [
        [pending, 'pending'],
        [approved, 'approved'],
        [priv, 'not_required'],
      ] as const) {
        expect(await rejection(dev().apps.resubmit({ appId: app.id }))).toMatchObject({
          code: 'CONFLICT',
          message: 'Only a rejected app can be resubmitted.',
        });
        expect(await statusOf(app.id)).toBe(status);
      }
      const before = (await t.db.em().findOneOrFail(App, { id: pending.id })).submittedAt;
      expect(before?.getTime()).toBe(pending.submittedAt?.getTime());
    });

    it('never queues a private app and always shows it to its tenants', async () => {
      const app = await dev().apps.create({ ...privateApp, name: 'Always Visible' });
      expect(app).toMatchObject({ reviewStatus: 'not_required', submittedAt: null });
      expect(await queueIds()).not.toContain(app.id);
      expect(await availableTo(admin, GLENDALE)).toContain(app.id);
      await dev().apps.saveScopes({ appId: app.id, scopes: ['tn.crm.leads:r'] });
      await dev().apps.addTenant({ appId: app.id, tenantId: SUMMIT });
      expect(await queueIds()).not.toContain(app.id);
      expect(await availableTo(admin2, SUMMIT)).toContain(app.id);
      expect(await statusOf(app.id)).toBe('not_required');
    });

    it('sends a never-approved private app turned public to review, hiding it again', async () => {
      const app = await dev().apps.create({ ...privateApp, name: 'Turns Public' });
      expect(await availableTo(admin, GLENDALE)).toContain(app.id);
      const updated = await dev().apps.updateDetails({ appId: app.id, ...publicApp, name: 'Turns Public' });
      expect(updated).toMatchObject({ kind: 'public', reviewStatus: 'pending', reviewReason: null });
      expect(updated.submittedAt).toBeInstanceOf(Date);
      expect(await queueIds()).toContain(app.id);
      expect(await availableTo(admin, GLENDALE)).not.toContain(app.id);
      expect(
        (
          await rejection(
            admin().connections.app({ tenantId: GLENDALE, environment: 'integration', appId: app.id }),
          )
        ).code,
      ).toBe('NOT_FOUND');
      const event = await t.db
        .em()
        .findOneOrFail(AuditEvent, { appId: app.id, action: 'app.details_changed' });
      expect(event.before).toMatchObject({ kind: 'private', reviewStatus: 'not_required' });
      expect(event.after).toMatchObject({ kind: 'public', reviewStatus: 'pending' });
    });

    it('keeps an approved app approved and visible whatever its kind becomes', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Approved Then Private' });
      await approveAsShown(reviewer(), app.id);
      expect(
        await dev().apps.updateDetails({ appId: app.id, ...privateApp, name: 'Approved Then Private' }),
      ).toMatchObject({ kind: 'private', reviewStatus: 'approved' });
      expect(
        await dev().apps.updateDetails({ appId: app.id, ...publicApp, name: 'Approved Then Private' }),
      ).toMatchObject({ kind: 'public', reviewStatus: 'approved' });
      expect(await queueIds()).not.toContain(app.id);
      expect(await availableTo(admin, GLENDALE)).toContain(app.id);
    });

    it('lets exactly one of a racing approve and reject win', async () => {
      const app = await dev().apps.create({ ...publicApp, name: 'Raced Review' });
      const results = await Promise.allSettled([
        approveAsShown(reviewer(), app.id),
        reviewer().review.reject({ appId: app.id, reason: REASON }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected');
      expect((await rejection(Promise.reject(failed!.reason))).code).toBe('CONFLICT');
      const status = await statusOf(app.id);
      expect(['approved', 'rejected']).toContain(status);
      expect(
        await t.db
          .em()
          .count(AuditEvent, { appId: app.id, action: { $in: ['app.approved', 'app.rejected'] } }),
      ).toBe(1);
    });
  });
});
