import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { App, ClientSecret, Connection, Tenant, UsageDaily, User } from '../db/entities';
import { UsageRecorder } from './recorder';

/** More than one statement's worth of rows for every last-use column. */
const N = 300;
const BASE = Date.UTC(2026, 0, 15, 9, 30, 0, 123);

describe.each(dialects)('usage recorder on %s', (dialect) => {
  let t: TestDatabase;
  let appId: string;
  const connections: {
    id: string;
    tenantId: string;
    environment: 'integration' | 'production';
    secretId: string;
  }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    const dev = await em.findOneOrFail(User, { email: DEV });
    const now = new Date();
    appId = crypto.randomUUID();
    await em.insert(App, {
      id: appId,
      organization: dev.organization!.id,
      name: 'Busy App',
      homePageUrl: 'https://busy.example',
      kind: 'public',
      credentialsMode: 'tenant_admin',
      reviewStatus: 'approved',
      appKey: `busy-${appId}`,
      latestVersion: 1,
      createdBy: dev.id,
      createdAt: now,
      updatedAt: now,
    });
    const tenantIds = Array.from({ length: N / 2 }, (_, i) => String(700_000_000 + i));
    await em.insertMany(
      Tenant,
      tenantIds.map((id) => ({ id, name: `Tenant ${id}` })),
    );
    for (let i = 0; i < N; i++) {
      connections.push({
        id: crypto.randomUUID(),
        tenantId: tenantIds[i >> 1]!,
        environment: i % 2 ? 'production' : 'integration',
        secretId: crypto.randomUUID(),
      });
    }
    await em.insertMany(
      Connection,
      connections.map((c) => ({
        id: c.id,
        app: appId,
        tenant: c.tenantId,
        environment: c.environment,
        status: 'connected' as const,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await em.insertMany(
      ClientSecret,
      connections.map((c, i) => ({
        id: c.secretId,
        connection: c.id,
        secretHash: i.toString(16).padStart(64, '0'),
        start: 'gh_',
        createdAt: now,
        createdBy: dev.id,
      })),
    );
  });

  afterAll(() => t?.close());

  async function stored() {
    const em = t.db.em();
    const rows = await em.find(Connection, { app: appId });
    const secrets = await em.find(ClientSecret, { connection: { app: appId } });
    const usedAt = new Map(secrets.map((s) => [s.id, s.lastUsedAt ?? null]));
    return Object.fromEntries(
      connections.map((c) => {
        const row = rows.find((r) => r.id === c.id)!;
        return [
          c.id,
          {
            lastCallAt: row.lastCallAt ?? null,
            lastTokenAt: row.lastTokenAt ?? null,
            lastUsedAt: usedAt.get(c.secretId),
          },
        ];
      }),
    );
  }

  it('writes every due last-use time exactly, and not again within 30 seconds', async () => {
    const usage = new UsageRecorder(t.db, 0);
    // Every connection calls at its own millisecond; two in three also take a token with their secret.
    const callAt = (i: number) => BASE + i * 37 + 1;
    const tokenAt = (i: number) => (i % 3 ? BASE + 100_000 + i * 13 : null);
    connections.forEach((c, i) => {
      usage.recordCall(
        appId,
        c.tenantId,
        c.environment,
        'GET /crm/v2/tenant/{tenant}/customers',
        200,
        c.id,
        callAt(i),
      );
      const token = tokenAt(i);
      if (token !== null) usage.recordToken(c.id, c.secretId, token);
    });
    await usage.flush();

    const date = (at: number | null) => (at === null ? null : new Date(at));
    const expected = Object.fromEntries(
      connections.map((c, i) => [
        c.id,
        { lastCallAt: date(callAt(i)), lastTokenAt: date(tokenAt(i)), lastUsedAt: date(tokenAt(i)) },
      ]),
    );
    expect(await stored()).toEqual(expected);
    const calls = await t.db.em().find(UsageDaily, { appId });
    expect(calls.reduce((sum, row) => sum + row.calls, 0)).toBe(N);

    // Newer by less than the resolution: not written. The first connection's call, exactly 30 s later: written.
    connections.forEach((c, i) => {
      usage.recordCall(
        appId,
        c.tenantId,
        c.environment,
        'GET /crm/v2/tenant/{tenant}/customers',
        200,
        c.id,
        callAt(i) + 29_999,
      );
      const token = tokenAt(i);
      if (token !== null) usage.recordToken(c.id, c.secretId, token + 29_999);
    });
    usage.recordCall(
      appId,
      connections[0]!.tenantId,
      connections[0]!.environment,
      'GET /crm/v2/tenant/{tenant}/customers',
      200,
      connections[0]!.id,
      callAt(0) + 30_000,
    );
    await usage.flush();
    const first = connections[0]!.id;
    expect(await stored()).toEqual({
      ...expected,
      [first]: { ...expected[first]!, lastCallAt: date(callAt(0) + 30_000) },
    });
    await usage.close();
  });
  it('logs a failed background write by kind and code, without its statement or the values it held', async () => {
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    const recorder = new UsageRecorder(t.db, 20);
    try {
      // A row the database refuses (the environment column is checked), standing in for any failed write.
      recorder.recordCall(appId, '985798691', 'staging' as 'integration', 'GET /poison-value', 200);
      await vi.waitFor(() => expect(logged.length).toBeGreaterThan(0), { timeout: 5000 });
    } finally {
      spy.mockRestore();
      await recorder.close().catch(() => undefined);
    }
    const line = JSON.stringify(logged[0]);
    expect(line).toContain('usage flush failed');
    expect(line).not.toMatch(/insert into|poison-value|staging/i);
  });
});
