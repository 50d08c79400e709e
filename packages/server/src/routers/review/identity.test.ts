import type { AppKind, CredentialsMode } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  signIn,
  type TestDatabase,
} from '#test/harness';
import { App, AuditEvent, Notification } from '../../db/entities';

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

const GLENDALE = '985798691';
const REASON = 'The new home page does not belong to your organization.';

const publicApp = {
  name: 'Fleet Tracker',
  homePageUrl: 'https://fleet.example',
  tenantIds: [GLENDALE],
  kind: 'public' as AppKind,
  credentialsMode: 'tenant_admin' as CredentialsMode,
  scopes: ['tn.crm.customers:r'],
};
const details = (app: { id: string }, change: Partial<typeof publicApp> = {}) => {
  const { tenantIds: _tenants, scopes: _scopes, ...rest } = { ...publicApp, ...change };
  return { appId: app.id, ...rest };
};

describe.each(dialects)('what tenants see of an app, on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let admin: () => Caller;
  let reviewer: () => Caller;
  let count = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, admin, reviewer] = await Promise.all([signIn(t, DEV), signIn(t, ADMIN), signIn(t, REVIEWER)]);
  });
  afterAll(async () => t?.close());

  /** A public app a reviewer approved, under a name of its own. */
  async function approvedApp() {
    const app = await dev().apps.create({ ...publicApp, name: `Fleet Tracker ${++count}` });
    await approveAsShown(reviewer(), app.id);
    return app;
  }
  /** Everything a tenant admin of Glendale is shown of the app: Connect New App, the app page, and each connection. */
  async function tenantView(appId: string) {
    const seen: { name: string; organizationName: string; homePageUrl: string }[] = [];
    for (const environment of ['integration', 'production'] as const) {
      const listed = (
        await everyPage(admin().connections.available, { tenantId: GLENDALE, environment })
      ).find((a) => a.appId === appId);
      if (listed) seen.push(listed);
      const connection = (
        await everyPage(admin().connections.list, { tenantId: GLENDALE, environment })
      ).find((c) => c.appId === appId);
      if (connection) {
        seen.push({ ...connection, name: connection.appName });
        const detail = await admin().connections.get({ connectionId: connection.id });
        seen.push({ ...detail, name: detail.appName });
      }
      seen.push(await admin().connections.app({ tenantId: GLENDALE, environment, appId }));
    }
    const distinct = new Set(
      seen.map((s) =>
        JSON.stringify({ name: s.name, organizationName: s.organizationName, homePageUrl: s.homePageUrl }),
      ),
    );
    expect(distinct.size, [...distinct].join(' | ')).toBe(1);
    return JSON.parse([...distinct][0]!) as { name: string; organizationName: string; homePageUrl: string };
  }
  const queueItem = async (appId: string) =>
    (await everyPage(reviewer().review.queue, {})).find((i) => i.appId === appId);

  it('keeps showing tenants the approved name and home page while a rename waits for review, then shows the approved change', async () => {
    const app = await approvedApp();
    await admin().connections.allow({
      tenantId: GLENDALE,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });

    const renamed = await dev().apps.updateDetails(
      details(app, { name: 'Fleet Tracker Pro', homePageUrl: 'https://elsewhere.example' }),
    );
    expect(renamed).toMatchObject({
      name: 'Fleet Tracker Pro',
      homePageUrl: 'https://elsewhere.example',
      reviewStatus: 'pending',
      listedName: app.name,
      listedHomePageUrl: 'https://fleet.example',
    });
    expect(await tenantView(app.id)).toEqual({
      name: app.name,
      organizationName: 'Acme Field Apps',
      homePageUrl: 'https://fleet.example',
    });
    // Still visible and connectable meanwhile.
    const production = await admin().connections.allow({
      tenantId: GLENDALE,
      environment: 'production',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    expect(production.connection).toMatchObject({
      appName: app.name,
      homePageUrl: 'https://fleet.example',
      status: 'connected',
    });

    expect(await queueItem(app.id)).toMatchObject({
      name: 'Fleet Tracker Pro',
      homePageUrl: 'https://elsewhere.example',
      listedName: app.name,
      listedHomePageUrl: 'https://fleet.example',
      organizationName: 'Acme Field Apps',
      reviewStatus: 'pending',
    });
    const changed = await t.db
      .em()
      .findOneOrFail(AuditEvent, { appId: app.id, action: 'app.details_changed' });
    expect(changed.before).toMatchObject({ name: app.name, reviewStatus: 'approved', listedName: app.name });
    expect(changed.after).toMatchObject({
      name: 'Fleet Tracker Pro',
      reviewStatus: 'pending',
      listedName: app.name,
      review: 'entered_review',
    });

    await reviewer().review.approve({
      appId: app.id,
      seen: { name: 'Fleet Tracker Pro', homePageUrl: 'https://elsewhere.example' },
    });
    expect(await tenantView(app.id)).toEqual({
      name: 'Fleet Tracker Pro',
      organizationName: 'Acme Field Apps',
      homePageUrl: 'https://elsewhere.example',
    });
    expect(await queueItem(app.id)).toBeUndefined();
    const approval = await t.db
      .em()
      .findOneOrFail(
        AuditEvent,
        { appId: app.id, action: 'app.approved' },
        { orderBy: { at: 'desc', id: 'desc' } },
      );
    expect(approval.before).toEqual({
      reviewStatus: 'pending',
      listedName: app.name,
      listedHomePageUrl: 'https://fleet.example',
    });
    expect(approval.after).toEqual({
      reviewStatus: 'approved',
      listedName: 'Fleet Tracker Pro',
      listedHomePageUrl: 'https://elsewhere.example',
    });
  });

  it('keeps the approved identity when the reviewer rejects the change, with the reason, and takes a resubmission', async () => {
    const app = await approvedApp();
    await dev().apps.updateDetails(details(app, { homePageUrl: 'https://other-company.example' }));
    await reviewer().review.reject({ appId: app.id, reason: REASON });
    expect(await dev().apps.get({ appId: app.id })).toMatchObject({
      reviewStatus: 'rejected',
      reviewReason: REASON,
      homePageUrl: 'https://other-company.example',
      listedHomePageUrl: 'https://fleet.example',
    });
    expect(await tenantView(app.id)).toEqual({
      name: app.name,
      organizationName: 'Acme Field Apps',
      homePageUrl: 'https://fleet.example',
    });
    expect(await queueItem(app.id)).toBeUndefined();
    await dev().apps.resubmit({ appId: app.id });
    expect(await queueItem(app.id)).toMatchObject({
      homePageUrl: 'https://other-company.example',
      listedHomePageUrl: 'https://fleet.example',
    });
  });

  it('returns to approved, with no review, when the developer edits back to the listed identity', async () => {
    const app = await approvedApp();
    await dev().apps.updateDetails(details(app, { name: 'Briefly Renamed' }));
    expect(await queueItem(app.id)).toBeDefined();
    const back = await dev().apps.updateDetails(details(app, { name: app.name }));
    expect(back).toMatchObject({ name: app.name, reviewStatus: 'approved', reviewReason: null });
    expect(await queueItem(app.id)).toBeUndefined();
    const events = await t.db
      .em()
      .find(
        AuditEvent,
        { appId: app.id, action: 'app.details_changed' },
        { orderBy: { at: 'asc', id: 'asc' } },
      );
    expect(events.map((e) => (e.after as { review: string }).review)).toEqual([
      'entered_review',
      'identity_change_withdrawn',
    ]);
  });

  it('changes nothing for review when kind, credentials mode or scopes change but the identity does not', async () => {
    const app = await approvedApp();
    expect(
      await dev().apps.updateDetails(details(app, { name: app.name, credentialsMode: 'developer' })),
    ).toMatchObject({ reviewStatus: 'approved' });
    await dev().apps.saveScopes({ appId: app.id, scopes: ['tn.crm.leads:r'] });
    expect(await queueItem(app.id)).toBeUndefined();
  });

  it('shows a private app’s rename to its tenants at once, with no review', async () => {
    const app = await dev().apps.create({
      ...publicApp,
      kind: 'private',
      name: `Private Tracker ${++count}`,
    });
    const renamed = await dev().apps.updateDetails(
      details(app, { kind: 'private', name: `${app.name} Renamed` }),
    );
    expect(renamed).toMatchObject({ reviewStatus: 'not_required', listedName: `${app.name} Renamed` });
    expect(await tenantView(app.id)).toEqual({
      name: `${app.name} Renamed`,
      organizationName: 'Acme Field Apps',
      homePageUrl: 'https://fleet.example',
    });
    expect(await queueItem(app.id)).toBeUndefined();
  });

  it('does not let an approved app change its identity unreviewed by turning private', async () => {
    const app = await approvedApp();
    expect(await dev().apps.updateDetails(details(app, { name: app.name, kind: 'private' }))).toMatchObject({
      kind: 'private',
      reviewStatus: 'approved',
    });
    const renamed = await dev().apps.updateDetails(details(app, { name: 'Sneaky Rename', kind: 'private' }));
    expect(renamed).toMatchObject({ reviewStatus: 'pending', listedName: app.name });
    expect(await tenantView(app.id)).toMatchObject({ name: app.name });
    expect(await dev().apps.updateDetails(details(app, { name: 'Sneaky Rename' }))).toMatchObject({
      kind: 'public',
      reviewStatus: 'pending',
      listedName: app.name,
    });
    expect(await tenantView(app.id)).toMatchObject({ name: app.name });
    expect(await queueItem(app.id)).toMatchObject({ name: 'Sneaky Rename', listedName: app.name });
  });

  it('refuses an approval when the developer changed the identity after the reviewer read it', async () => {
    const app = await approvedApp();
    await dev().apps.updateDetails(details(app, { name: 'Reviewed Name' }));
    const read = (await queueItem(app.id))!;
    await dev().apps.updateDetails(details(app, { name: 'Swapped After Reading' }));
    const failure = await rejection(
      reviewer().review.approve({ appId: app.id, seen: { name: read.name, homePageUrl: read.homePageUrl } }),
    );
    expect(failure.code).toBe('CONFLICT');
    expect(await t.db.em().findOneOrFail(App, { id: app.id })).toMatchObject({
      reviewStatus: 'pending',
      listedName: app.name,
    });
    expect(await tenantView(app.id)).toMatchObject({ name: app.name });
  });

  it('shows the developer’s verified organization, whatever organization name is sent', async () => {
    const forged = { ...publicApp, name: `Forged Org ${++count}`, organizationName: 'Other Dev Co' };
    const app = await dev().apps.create(forged);
    expect(app.organizationName).toBe('Acme Field Apps');
    expect((await queueItem(app.id))?.organizationName).toBe('Acme Field Apps');
    const edit = { ...details(app, { name: app.name }), organizationName: 'Other Dev Co' };
    expect((await dev().apps.updateDetails(edit)).organizationName).toBe('Acme Field Apps');
    expect(await queueItem(app.id)).toMatchObject({ organizationName: 'Acme Field Apps' });
    await approveAsShown(reviewer(), app.id);
    expect(await tenantView(app.id)).toEqual({
      name: app.name,
      organizationName: 'Acme Field Apps',
      homePageUrl: 'https://fleet.example',
    });
    const events = await t.db.em().find(AuditEvent, { appId: app.id }, { orderBy: { at: 'asc', id: 'asc' } });
    expect(JSON.stringify(events.map((e) => [e.before, e.after]))).not.toContain('Other Dev Co');
  });

  it('keeps showing connected tenants a private app’s name after it turns public, hides it from new connections until approved', async () => {
    const name = `Quiet Tool ${++count}`;
    const app = await dev().apps.create({ ...publicApp, name, kind: 'private' });
    await admin().connections.allow({
      tenantId: GLENDALE,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    expect(await dev().apps.updateDetails(details(app, { name }))).toMatchObject({
      kind: 'public',
      reviewStatus: 'pending',
      listedName: name,
      firstApprovedAt: null,
    });
    await dev().apps.updateDetails(
      details(app, { name: 'Unreviewed Name', homePageUrl: 'https://elsewhere.example' }),
    );

    const connection = (
      await everyPage(admin().connections.list, { tenantId: GLENDALE, environment: 'integration' })
    ).find((c) => c.appId === app.id)!;
    expect(connection).toMatchObject({ appName: name, homePageUrl: 'https://fleet.example' });
    expect(await admin().connections.get({ connectionId: connection.id })).toMatchObject({
      appName: name,
      homePageUrl: 'https://fleet.example',
    });
    // Not approved yet: no new connection can be made, as for any public app before its first approval.
    const production = { tenantId: GLENDALE, environment: 'production' as const, appId: app.id };
    expect((await everyPage(admin().connections.available, production)).map((a) => a.appId)).not.toContain(
      app.id,
    );
    expect((await rejection(admin().connections.app(production))).code).toBe('NOT_FOUND');
    expect(
      (await rejection(admin().connections.allow({ ...production, credentialsIssuer: 'tenant_admin' }))).code,
    ).toBe('NOT_FOUND');

    await approveAsShown(reviewer(), app.id);
    expect((await admin().connections.get({ connectionId: connection.id })).appName).toBe('Unreviewed Name');
    expect(
      (await everyPage(admin().connections.available, production)).find((a) => a.appId === app.id),
    ).toMatchObject({
      name: 'Unreviewed Name',
    });
    const notes = await t.db.em().find(Notification, { appId: app.id });
    expect(notes.map((n) => n.message)).toContain(
      'Unreviewed Name was approved. Tenants you listed can now find and connect it.',
    );
  });

  it('refuses an approval that does not say which name and home page the reviewer saw', async () => {
    const app = await dev().apps.create({ ...publicApp, name: `Unseen ${++count}` });
    const failure = await rejection(reviewer().review.approve({ appId: app.id } as never));
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.fieldErrors).toHaveProperty('seen');
    expect(await t.db.em().findOneOrFail(App, { id: app.id })).toMatchObject({
      reviewStatus: 'pending',
      listedName: null,
    });
  });
});
