import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, developerActor, newApp } from '#test/actors';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent } from '../../db/entities';
import { createApp } from '../apps/apps';
import { allowApp } from './consent';
import { revokeSecret, rotateSecret } from './secrets';
import { secretsOf } from './summaries';

describe.each(dialects)('client secret service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('rotates with a grace period and revokes once, an audit event for each', async () => {
    const app = await createApp(t.db.em(), await developerActor(t, DEV), newApp('Rotated by Service'));
    const admin = await actor(t, ADMIN);
    const { connection } = await allowApp(t.db.em(), admin, {
      tenantId: '985798691',
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    const rotated = await rotateSecret(t.db.em(), admin, { connectionId: connection.id, graceHours: 2 });
    expect(rotated.clientSecret).toMatch(/^ghcs_/);
    expect((await secretsOf(t.db.em(), connection.id)).map((s) => s.state).sort()).toEqual([
      'active',
      'expiring',
    ]);

    const input = { connectionId: connection.id, secretId: rotated.secret.id };
    expect(await revokeSecret(t.db.em(), admin, input)).toEqual({ revoked: true });
    await expect(revokeSecret(t.db.em(), admin, input)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const events = await t.db.em().find(AuditEvent, {
      appId: app.id,
      action: { $in: ['connection.secret_rotated', 'connection.secret_revoked'] },
    });
    expect(events.map((e) => [e.action, (e.after as { secretId: string }).secretId]).sort()).toEqual([
      ['connection.secret_revoked', rotated.secret.id],
      ['connection.secret_rotated', rotated.secret.id],
    ]);
  });
});
