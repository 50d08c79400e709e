import { CONTROL_CHARACTERS_MESSAGE } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejectionWithoutChange,
  signIn,
  type TestDatabase,
} from '#test/harness';
import { AccessRequest, App, AuditEvent, Connection } from './db/entities';

const GLENDALE = '985798691';
const publicApp = {
  name: 'Control Test App',
  homePageUrl: 'https://acme.example',
  tenantIds: [GLENDALE],
  kind: 'public' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};
const REASON = 'The home page is a parking page; link your product page.';

describe.each(dialects)('text with control characters, on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let admin: () => Caller;
  let reviewer: () => Caller;
  let appId: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, admin, reviewer] = await Promise.all([signIn(t, DEV), signIn(t, ADMIN), signIn(t, REVIEWER)]);
    appId = (await dev().apps.create(publicApp)).id;
  });
  afterAll(async () => t?.close());

  /** Everything a refused call must leave as it was: apps (with name and review state), connections, access requests, audit rows. */
  const dbState = async () => {
    const em = t.db.em();
    const apps = await em.find(App, {}, { orderBy: { id: 'asc' } });
    return {
      apps: apps.map((a) => [a.id, a.name, a.homePageUrl, a.reviewStatus, a.reviewReason]),
      connections: await em.count(Connection),
      requests: await em.count(AccessRequest),
      audit: await em.count(AuditEvent),
    };
  };
  const refused = (call: () => Promise<unknown>) => rejectionWithoutChange(dbState, call);

  it('refuses a NUL in a new app name as a field error, creating nothing', async () => {
    const failure = await refused(() => dev().apps.create({ ...publicApp, name: 'Dispatch\u0000Sync' }));
    expect(failure).toEqual({
      code: 'BAD_REQUEST',
      message: 'Please correct the highlighted fields.',
      fieldErrors: { name: CONTROL_CHARACTERS_MESSAGE },
    });
  });

  it('names the list item that holds one', async () => {
    const failure = await refused(() =>
      dev().apps.create({ ...publicApp, tenantIds: [GLENDALE, '100200300\u0000'] }),
    );
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.fieldErrors).toEqual({
      'tenantIds.1': CONTROL_CHARACTERS_MESSAGE,
      tenantIds: CONTROL_CHARACTERS_MESSAGE,
    });
  });

  it('refuses one in changed app details, leaving the app as it was', async () => {
    const failure = await refused(() =>
      dev().apps.updateDetails({ ...publicApp, appId, homePageUrl: 'https://acme.example/\u0000' }),
    );
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.fieldErrors).toEqual({ homePageUrl: CONTROL_CHARACTERS_MESSAGE });
  });

  it('refuses line breaks in a single-line field with the same message', async () => {
    const failure = await refused(() =>
      dev().apps.updateDetails({ ...publicApp, appId, name: 'Control\nTest App' }),
    );
    expect(failure.fieldErrors).toEqual({ name: CONTROL_CHARACTERS_MESSAGE });
  });

  it('refuses one in an apps search rather than failing the query', async () => {
    const failure = await refused(() => dev().apps.list({ search: 'Control\u0000' }));
    expect(failure).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { search: CONTROL_CHARACTERS_MESSAGE },
    });
  });

  it('refuses a line break or tab in the apps search and the audit filters, single-line fields all', async () => {
    expect((await refused(() => dev().apps.list({ search: 'Control\nTest' }))).fieldErrors).toEqual({
      search: CONTROL_CHARACTERS_MESSAGE,
    });
    for (const filters of [
      { view: 'developer' as const, actor: 'dev\n@gatehouse.test' },
      { view: 'developer' as const, action: 'app.\tcreated' },
    ]) {
      const field = Object.keys(filters)[1]!;
      expect((await refused(() => dev().audit.list(filters))).fieldErrors).toEqual({
        [field]: CONTROL_CHARACTERS_MESSAGE,
      });
    }
  });

  it('refuses one in audit filters (the export reads them through the same schema)', async () => {
    for (const filters of [
      { view: 'developer' as const, actor: 'dev\u0000@gatehouse.test' },
      { view: 'developer' as const, action: 'app.\u0000created' },
    ]) {
      const field = Object.keys(filters)[1]!;
      expect((await refused(() => dev().audit.list(filters))).fieldErrors).toEqual({
        [field]: CONTROL_CHARACTERS_MESSAGE,
      });
    }
  });

  it('refuses one in a review reason, the app staying pending; a reason over several lines is fine', async () => {
    const failure = await refused(() => reviewer().review.reject({ appId, reason: `${REASON}\u0000` }));
    expect(failure).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { reason: CONTROL_CHARACTERS_MESSAGE },
    });
    expect(await reviewer().review.reject({ appId, reason: `${REASON}\r\n\tSee the guide.` })).toEqual({
      reviewStatus: 'rejected',
    });
    expect((await t.db.em().findOneOrFail(App, { id: appId })).reviewReason).toBe(
      `${REASON}\r\n\tSee the guide.`,
    );
  });

  it('refuses one in an access request, storing nothing', async () => {
    const failure = await refused(() =>
      t.anonymous().access.request({
        name: 'Nia\u0000',
        email: 'nia@brand-new.example',
        organizationName: 'Brand\u001bNew Co',
        role: 'developer',
      }),
    );
    expect(failure).toEqual({
      code: 'BAD_REQUEST',
      message: 'Please correct the highlighted fields.',
      fieldErrors: { name: CONTROL_CHARACTERS_MESSAGE, organizationName: CONTROL_CHARACTERS_MESSAGE },
    });
  });

  it('refuses one in any procedure, before it looks anything up: ids, tenant ids, sign-in', async () => {
    expect(
      (
        await refused(() =>
          admin().connections.available({ tenantId: `${GLENDALE}\u0000`, environment: 'integration' }),
        )
      ).fieldErrors,
    ).toEqual({ tenantId: CONTROL_CHARACTERS_MESSAGE });
    expect((await refused(() => dev().apps.get({ appId: `${appId}\u0000` }))).fieldErrors).toEqual({
      appId: CONTROL_CHARACTERS_MESSAGE,
    });
    expect(
      (
        await refused(() =>
          t.anonymous().auth.signIn({ email: 'dev@gatehouse.test\u0000', password: 'gatehouse-demo' }),
        )
      ).fieldErrors,
    ).toEqual({ email: CONTROL_CHARACTERS_MESSAGE });
    expect((await refused(() => t.anonymous().access.setupLink({ token: '\u0000' }))).code).toBe(
      'BAD_REQUEST',
    );
  });
});
