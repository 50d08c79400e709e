import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, developerActor, newApp } from '#test/actors';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent } from '../../db/entities';
import { allowApp } from '../connections/consent';
import { createApp } from './apps';
import { appConnections, generateSecret } from './connections';

const TENANT = '985798691';

describe.each(dialects)('developer connection service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('shows the connection and generates its secret with one audit event naming it', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Developer Issued', { credentialsMode: 'developer' }));
    const allowed = await allowApp(t.db.em(), await actor(t, ADMIN), {
      tenantId: TENANT,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'developer',
    });
    const { items: rows } = await appConnections(t.db.em(), dev, { appId: app.id, limit: 50 });
    expect(rows.map((r) => [r.environment, r.state, r.canGenerateSecret])).toEqual([
      ['integration', 'connected', true],
      ['production', 'not_connected', false],
    ]);

    const generated = await generateSecret(t.db.em(), dev, {
      appId: app.id,
      tenantId: TENANT,
      environment: 'integration',
    });
    expect(generated.clientId).toBe(allowed.clientId);
    const events = await t.db.em().find(AuditEvent, { appId: app.id, action: 'connection.secret_generated' });
    expect(events).toHaveLength(1);
    expect(events[0]!.after).toMatchObject({
      connectionId: allowed.connection.id,
      environment: 'integration',
    });
    await expect(
      generateSecret(t.db.em(), dev, { appId: app.id, tenantId: TENANT, environment: 'production' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
