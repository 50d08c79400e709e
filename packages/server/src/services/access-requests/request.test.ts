import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AccessRequest, AuditEvent } from '../../db/entities';
import { requestAccess } from './request';

describe.each(dialects)('access request service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const asking = (email: string, extra: { website?: string } = {}) => ({
    name: 'Ada Asker',
    email,
    organizationName: 'Asker Co',
    role: 'tenant_admin' as const,
    tenantId: '985798691',
    ...extra,
  });

  it('stores a pending request with one anonymous audit event naming its tenant', async () => {
    const email = `asker-${dialect}@example.com`;
    await requestAccess(t.db, asking(email), '203.0.113.9');
    expect(await t.db.em().findOneOrFail(AccessRequest, { email })).toMatchObject({
      status: 'pending',
      role: 'tenant_admin',
      tenantId: '985798691',
    });
    const events = await t.db.em().find(AuditEvent, { action: 'access_request.created', after: { email } });
    expect(events.map((e) => [e.actorId ?? null, e.tenantId])).toEqual([[null, '985798691']]);
  });

  it('stores nothing for a filled honeypot, and nothing once the email asked three times', async () => {
    const bot = `bot-${dialect}@example.com`;
    await requestAccess(t.db, asking(bot, { website: 'https://spam.example' }), '203.0.113.10');
    expect(await t.db.em().count(AccessRequest, { email: bot })).toBe(0);

    const eager = `eager-${dialect}@example.com`;
    for (let i = 0; i < 3; i++) await requestAccess(t.db, asking(eager), `203.0.113.${20 + i}`);
    await expect(requestAccess(t.db, asking(eager), '203.0.113.30')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect(await t.db.em().count(AccessRequest, { email: eager })).toBe(3);
  });
});
