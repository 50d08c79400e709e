import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, connectedApp } from '#test/actors';
import { ADMIN, ADMIN2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent, Connection } from '../../db/entities';
import { saveScopes } from '../apps/versions';
import { connectionDetail, setConnectionStatus, upgradeConnection } from './lifecycle';

const TENANT = '985798691';

describe.each(dialects)('connection lifecycle service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const connected = (name: string) => connectedApp(t, name);

  it('a disabled connection writes one audit event and moves its revision once', async () => {
    const { connectionId } = await connected('Disabled by Service');
    const admin = await actor(t, ADMIN);
    const before = await t.db.em().findOneOrFail(Connection, { id: connectionId });
    expect((await setConnectionStatus(t.db.em(), admin, connectionId, 'disable')).status).toBe('disabled');
    const after = await t.db.em().findOneOrFail(Connection, { id: connectionId });
    expect(after.revision).toBe(before.revision + 1);
    const events = await t.db.em().find(AuditEvent, { action: 'connection.disabled', tenantId: TENANT });
    expect(
      events.filter((e) => (e.after as { connectionId: string }).connectionId === connectionId),
    ).toHaveLength(1);
    await expect(setConnectionStatus(t.db.em(), admin, connectionId, 'disable')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Only a connected app can be disabled.',
    });
  });

  it('offers the new version with its changes, and upgrades to it', async () => {
    const { dev, app, connectionId } = await connected('Upgraded by Service');
    const admin = await actor(t, ADMIN);
    await saveScopes(t.db.em(), dev, { appId: app.id, scopes: ['tn.crm.customers:w'] });
    expect((await connectionDetail(t.db.em(), admin, connectionId)).upgrade).toEqual({
      fromVersion: 1,
      toVersion: 2,
      added: ['tn.crm.customers:w'],
      removed: ['tn.crm.customers:r'],
    });
    const upgraded = await upgradeConnection(t.db.em(), admin, { connectionId, toVersion: 2 });
    expect(upgraded).toMatchObject({ acceptedVersion: 2, newVersionAvailable: false });
  });

  it('answers another tenant’s connection like a missing one', async () => {
    const { connectionId } = await connected('Foreign to Summit');
    await expect(connectionDetail(t.db.em(), await actor(t, ADMIN2), connectionId)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
