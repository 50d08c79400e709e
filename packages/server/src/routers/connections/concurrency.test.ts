import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type Caller, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { sha256Hex } from '../../auth/secrets';
import { AuditEvent, ClientSecret, Connection } from '../../db/entities';

const TENANT = '985798691';
const V1 = ['tn.crm.customers:r'];
const V2 = ['tn.crm.customers:r', 'tn.crm.customers:w'];

/** Splits settled calls into values and error codes; anything but a tRPC error fails the test. */
function outcomes<T>(results: PromiseSettledResult<T>[]) {
  const ok: T[] = [];
  const codes: string[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') ok.push(result.value);
    else {
      expect(result.reason).toBeInstanceOf(TRPCError);
      codes.push((result.reason as TRPCError).code);
    }
  }
  return { ok, codes };
}

describe.each(dialects)('connection races on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appCount = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
  });
  afterAll(async () => t?.close());

  /** Separate signed-in callers: separate requests, as from two browser tabs or two admins. */
  const admins = (n: number) => Promise.all(Array.from({ length: n }, () => t.as(ADMIN)));

  async function newApp() {
    return dev.apps.create({
      name: `Raced App ${++appCount}`,
      homePageUrl: 'https://acme.example',
      tenantIds: [TENANT],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: V1,
    });
  }

  async function connected() {
    const app = await newApp();
    const [admin] = await admins(1);
    const issued = await admin!.connections.allow({
      tenantId: TENANT,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    return { app, connectionId: issued.connection.id };
  }

  const auditCount = (appId: string, action: string) => t.db.em().count(AuditEvent, { appId, action });
  const connection = (id: string) => t.db.em().findOneOrFail(Connection, { id });

  it('two admins racing Allow make exactly one connection, with the winner’s credentials', async () => {
    for (const racers of [2, 2, 4]) {
      const app = await newApp();
      const input = {
        tenantId: TENANT,
        environment: 'integration' as const,
        appId: app.id,
        credentialsIssuer: 'tenant_admin' as const,
      };
      const callers = await admins(racers);
      const { ok, codes } = outcomes(
        await Promise.allSettled(callers.map((c) => c.connections.allow(input))),
      );
      expect(ok).toHaveLength(1);
      expect(codes).toEqual(Array(racers - 1).fill('CONFLICT'));
      const winner = ok[0]!;

      const rows = await t.db
        .em()
        .find(Connection, { app: app.id, tenant: TENANT, environment: 'integration' });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.clientId).toBe(winner.clientId);
      const secrets = await t.db.em().find(ClientSecret, { connection: rows[0]!.id });
      expect(secrets.map((s) => s.secretHash)).toEqual([sha256Hex(winner.clientSecret)]);
      expect(await auditCount(app.id, 'connection.allowed')).toBe(1);
      expect(await auditCount(app.id, 'connection.secret_created')).toBe(1);
    }
  });

  it('Allow in both environments at once makes two independent connections', async () => {
    const app = await newApp();
    const [a, b] = await admins(2);
    const [integration, production] = await Promise.all([
      a!.connections.allow({
        tenantId: TENANT,
        environment: 'integration',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      }),
      b!.connections.allow({
        tenantId: TENANT,
        environment: 'production',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      }),
    ]);
    expect(integration.clientId).not.toBe(production.clientId);
    expect(await t.db.em().count(Connection, { app: app.id })).toBe(2);
  });

  it('Allow racing Decline leaves one connection in the winner’s state', async () => {
    const app = await newApp();
    const input = {
      tenantId: TENANT,
      environment: 'integration' as const,
      appId: app.id,
      credentialsIssuer: 'tenant_admin' as const,
    };
    const [a, b] = await admins(2);
    const [allowed, declined] = await Promise.allSettled([
      a!.connections.allow(input),
      b!.connections.decline(input),
    ]);
    const rows = await t.db.em().find(Connection, { app: app.id });
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    if (allowed.status === 'fulfilled') {
      // Allow won, or Decline went first and Allow then connected the declined app: either way it is connected.
      expect(row).toMatchObject({ status: 'connected', clientId: allowed.value.clientId });
      if (declined.status === 'rejected') expect((declined.reason as TRPCError).code).toBe('CONFLICT');
      expect(await auditCount(app.id, 'connection.declined')).toBe(declined.status === 'fulfilled' ? 1 : 0);
    } else {
      expect((allowed.reason as TRPCError).code).toBe('CONFLICT');
      expect(declined.status).toBe('fulfilled');
      expect(row.status).toBe('declined');
      expect(await t.db.em().count(ClientSecret, { connection: row.id })).toBe(0);
      expect(await auditCount(app.id, 'connection.allowed')).toBe(0);
    }
  });

  it('two admins racing Disable: one succeeds, the other gets CONFLICT', async () => {
    for (let round = 0; round < 3; round++) {
      const { app, connectionId } = await connected();
      const before = await connection(connectionId);
      const callers = await admins(2);
      const { ok, codes } = outcomes(
        await Promise.allSettled(callers.map((c) => c.connections.disable({ connectionId }))),
      );
      expect(ok).toHaveLength(1);
      expect(codes).toEqual(['CONFLICT']);
      const after = await connection(connectionId);
      expect(after.status).toBe('disabled');
      expect(after.revision).toBe(before.revision + 1);
      expect(await auditCount(app.id, 'connection.disabled')).toBe(1);
    }
  });

  it('racing Disable and Upgrade never lose a change that was reported as done', async () => {
    for (let round = 0; round < 3; round++) {
      const { app, connectionId } = await connected();
      await dev.apps.saveScopes({ appId: app.id, scopes: V2 });
      const [a, b] = await admins(2);
      const [disabled, upgraded] = await Promise.allSettled([
        a!.connections.disable({ connectionId }),
        b!.connections.upgrade({ connectionId, toVersion: 2 }),
      ]);
      const after = await connection(connectionId);
      expect(after.status).toBe(disabled.status === 'fulfilled' ? 'disabled' : 'connected');
      expect(after.acceptedVersion).toBe(upgraded.status === 'fulfilled' ? 2 : 1);
      for (const result of [disabled, upgraded]) {
        if (result.status === 'rejected') expect((result.reason as TRPCError).code).toBe('CONFLICT');
      }
      expect(await auditCount(app.id, 'connection.disabled')).toBe(disabled.status === 'fulfilled' ? 1 : 0);
      expect(await auditCount(app.id, 'connection.upgraded')).toBe(upgraded.status === 'fulfilled' ? 1 : 0);
      expect(disabled.status === 'fulfilled' || upgraded.status === 'fulfilled').toBe(true);
    }
  });

  it('two admins racing the same Upgrade: exactly one moves the connection', async () => {
    const { app, connectionId } = await connected();
    await dev.apps.saveScopes({ appId: app.id, scopes: V2 });
    const callers = await admins(2);
    const { ok, codes } = outcomes(
      await Promise.allSettled(callers.map((c) => c.connections.upgrade({ connectionId, toVersion: 2 }))),
    );
    expect(ok).toHaveLength(1);
    // Refused either as a lost race or, once the winner committed, as nothing left to upgrade to.
    expect(['CONFLICT', 'BAD_REQUEST']).toContain(codes[0]);
    expect((await connection(connectionId)).acceptedVersion).toBe(2);
    expect(await auditCount(app.id, 'connection.upgraded')).toBe(1);
  });

  it('10 concurrent rotations: each succeeds or gets CONFLICT, and secrets = 1 + successes', async () => {
    const { app, connectionId } = await connected();
    const callers = await admins(10);
    const { ok, codes } = outcomes(
      await Promise.allSettled(
        callers.map((c) => c.connections.rotateSecret({ connectionId, graceHours: 24 })),
      ),
    );
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(codes).toEqual(Array(10 - ok.length).fill('CONFLICT'));

    const secrets = await t.db.em().find(ClientSecret, { connection: connectionId });
    expect(secrets).toHaveLength(1 + ok.length);
    const hashes = new Set(secrets.map((s) => s.secretHash));
    for (const rotated of ok) expect(hashes.has(sha256Hex(rotated.clientSecret))).toBe(true);
    // Rotations are serialised: only the last one is left without an expiry.
    expect(secrets.filter((s) => !s.expiresAt && !s.revokedAt)).toHaveLength(1);
    expect(await auditCount(app.id, 'connection.secret_rotated')).toBe(ok.length);
  });

  it('two admins revoking the same secret: one revokes, the other is told it is gone', async () => {
    const { app, connectionId } = await connected();
    const secret = await t.db.em().findOneOrFail(ClientSecret, { connection: connectionId });
    const callers = await admins(2);
    const { ok, codes } = outcomes(
      await Promise.allSettled(
        callers.map((c) => c.connections.revokeSecret({ connectionId, secretId: secret.id })),
      ),
    );
    expect(ok).toHaveLength(1);
    expect(codes).toEqual(['NOT_FOUND']);
    expect(await auditCount(app.id, 'connection.secret_revoked')).toBe(1);
  });
});
