import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  runMigration,
  type TestDatabase,
} from '#test/harness';
import { App, Connection } from '../entities';
import { Migration20261202030000_connection_credentials_issuer as PostgresMigration } from './postgresql/m20261202030000-connection-credentials-issuer';
import { Migration20261202030000_connection_credentials_issuer as SqliteMigration } from './sqlite/m20261202030000-connection-credentials-issuer';

const TENANT = '985798691';
const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: [TENANT],
  kind: 'private' as const,
  scopes: ['tn.crm.customers:r'],
};

describe.each(dialects)('the credentials-issuer migration on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const run = (direction: 'up' | 'down') =>
    runMigration(t, { sqlite: SqliteMigration, postgresql: PostgresMigration }, direction);

  it('keeps a connection allowed before a switch to developer mode with the tenant admin; the developer issues only what was allowed in developer mode', async () => {
    const dev: Caller = await t.as(DEV);
    const admin: Caller = await t.as(ADMIN);
    // The admin allows what the consent screen showed: the app's mode at that moment.
    const allow = async (
      appId: string,
      environment: 'integration' | 'production',
      credentialsIssuer: 'tenant_admin' | 'developer',
    ) =>
      (await admin.connections.allow({ tenantId: TENANT, environment, appId, credentialsIssuer })).connection
        .id;

    // The takeover: the tenant admin allows, then the developer switches the app to issue credentials itself.
    const switched = await dev.apps.create({
      ...base,
      name: 'Migrated switched',
      credentialsMode: 'tenant_admin',
    });
    const beforeSwitch = await allow(switched.id, 'integration', 'tenant_admin');
    await dev.apps.updateDetails({
      appId: switched.id,
      name: switched.name,
      homePageUrl: base.homePageUrl,
      kind: 'private',
      credentialsMode: 'developer',
    });
    const afterSwitch = await allow(switched.id, 'production', 'developer');
    const bornDeveloper = await dev.apps.create({
      ...base,
      name: 'Migrated developer',
      credentialsMode: 'developer',
    });
    const developerFromStart = await allow(bornDeveloper.id, 'integration', 'developer');
    const switchedBack = await dev.apps.create({
      ...base,
      name: 'Migrated switched back',
      credentialsMode: 'developer',
    });
    const nowTenantAdmin = await allow(switchedBack.id, 'integration', 'developer');
    const unrecorded = await dev.apps.create({
      ...base,
      name: 'Migrated unrecorded',
      credentialsMode: 'tenant_admin',
    });
    const unrecordedSwitch = await allow(unrecorded.id, 'integration', 'tenant_admin');

    // Before this migration only the app's mode existed; two apps changed mode with no audit row to show when.
    await run('down');
    await t.db.em().nativeUpdate(App, { id: switchedBack.id }, { credentialsMode: 'tenant_admin' });
    await t.db.em().nativeUpdate(App, { id: unrecorded.id }, { credentialsMode: 'developer' });
    await run('up');

    const ids = [beforeSwitch, afterSwitch, developerFromStart, nowTenantAdmin, unrecordedSwitch];
    const issuers = Object.fromEntries(
      (await t.db.em().find(Connection, { id: { $in: ids } })).map((c) => [c.id, c.credentialsIssuer]),
    );
    expect(issuers).toEqual({
      [beforeSwitch]: 'tenant_admin',
      [afterSwitch]: 'developer',
      [developerFromStart]: 'developer',
      [nowTenantAdmin]: 'tenant_admin',
      [unrecordedSwitch]: 'tenant_admin',
    });
  });
});
