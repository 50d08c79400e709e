import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor } from '#test/actors';
import { dialects, openTestDatabase, REVIEWER, type TestDatabase } from '#test/harness';
import { AccessRequest, AuditEvent, Notification, PasswordSetup, User } from '../../db/entities';
import { approveAccessRequest, pendingAccessRequests, rejectAccessRequest } from './decisions';
import { requestAccess } from './request';

describe.each(dialects)('access request decisions on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  async function pending(email: string) {
    const input = {
      name: 'Dee Cided',
      email,
      organizationName: 'Acme Field Apps',
      role: 'developer' as const,
    };
    await requestAccess(t.db, input, `203.0.113.${email.length}`);
    return t.db.em().findOneOrFail(AccessRequest, { email });
  }

  it('approves once: a user in the existing organization, a setup link, one audit event', async () => {
    const request = await pending(`joiner-${dialect}@acme.example`);
    expect(
      (await pendingAccessRequests(t.db.em(), { limit: 200 })).items.find((r) => r.id === request.id),
    ).toMatchObject({
      existingOrganization: true,
      tenantName: null,
    });
    const reviewer = await actor(t, REVIEWER);
    const approved = await approveAccessRequest(t.db.em(), reviewer, request.id);
    const user = await t.db.em().findOneOrFail(User, { id: approved.userId }, { populate: ['organization'] });
    expect(user.organization?.name).toBe('Acme Field Apps');
    expect(user.orgRole).toBe('developer');
    expect(await t.db.em().count(PasswordSetup, { user: user.id })).toBe(1);
    // The organization's Owner hears of it, and can remove the newcomer from the Team page.
    const owner = await t.db.em().findOneOrFail(User, { email: 'dev@gatehouse.test' });
    const told = await t.db
      .em()
      .find(Notification, { user: owner.id, message: { $like: `%${request.email}%` } });
    expect(told).toHaveLength(1);
    expect(told[0]!.message).toContain('joined Acme Field Apps as a Developer');
    const events = await t.db.em().find(AuditEvent, { action: 'access_request.approved' });
    expect(events.filter((e) => (e.after as { userId?: string }).userId === user.id)).toHaveLength(1);
    expect((await pendingAccessRequests(t.db.em(), { limit: 200 })).items.map((r) => r.id)).not.toContain(
      request.id,
    );
    await expect(approveAccessRequest(t.db.em(), reviewer, request.id)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('rejects with a reason once, and answers an unknown request like a missing one', async () => {
    const request = await pending(`refused-${dialect}@example.com`);
    const reviewer = await actor(t, REVIEWER);
    expect(await rejectAccessRequest(t.db.em(), reviewer, request.id, 'Unknown to us.')).toEqual({
      status: 'rejected',
    });
    expect(await t.db.em().findOneOrFail(AccessRequest, { id: request.id })).toMatchObject({
      status: 'rejected',
      reason: 'Unknown to us.',
    });
    await expect(rejectAccessRequest(t.db.em(), reviewer, request.id, 'Again.')).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(rejectAccessRequest(t.db.em(), reviewer, 'not-an-id', 'No.')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
