import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, developerActor, newApp } from '#test/actors';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent, ClientSecret } from '../../db/entities';
import { createApp } from '../apps/apps';
import { allowApp, appForTenant, declineApp } from './consent';
import { availableApps, tenantConnections } from './lists';

const TENANT = '985798691';

describe.each(dialects)('consent service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  async function offeredApp(name: string) {
    return createApp(t.db.em(), await developerActor(t, DEV), newApp(name));
  }

  it('declines, then allows with credentials shown once and stored as a hash', async () => {
    const admin = await actor(t, ADMIN);
    const app = await offeredApp('Consented by Service');
    const where = { tenantId: TENANT, environment: 'integration' as const, appId: app.id };
    expect((await availableApps(t.db.em(), { ...where, limit: 200 })).items).toContainEqual(
      expect.objectContaining({ appId: app.id, declined: false }),
    );
    expect((await declineApp(t.db.em(), admin, where)).status).toBe('declined');
    expect((await appForTenant(t.db.em(), where)).declined).toBe(true);

    const issued = await allowApp(t.db.em(), admin, { ...where, credentialsIssuer: 'tenant_admin' });
    expect(issued.connection).toMatchObject({ status: 'connected', acceptedVersion: 1 });
    const secrets = await t.db.em().find(ClientSecret, { connection: issued.connection.id });
    expect(secrets.map((s) => s.start)).toEqual([issued.clientSecret.slice(0, 11)]);
    expect((await tenantConnections(t.db.em(), { ...where, limit: 200 })).items.map((c) => c.id)).toContain(
      issued.connection.id,
    );

    const events = await t.db.em().find(AuditEvent, { appId: app.id });
    expect(events.map((e) => e.action).sort()).toEqual([
      'app.created',
      'connection.allowed',
      'connection.declined',
      'connection.secret_created',
    ]);
    expect(events.find((e) => e.action === 'connection.allowed')!.after).toMatchObject({
      connectionId: issued.connection.id,
      clientId: issued.clientId,
    });
  });

  it('refuses an Allow whose credentials issuer is not what the app says now', async () => {
    const app = await offeredApp('Issuer Changed by Service');
    const input = { tenantId: TENANT, environment: 'production' as const, appId: app.id };
    await expect(
      allowApp(t.db.em(), await actor(t, ADMIN), { ...input, credentialsIssuer: 'developer' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
