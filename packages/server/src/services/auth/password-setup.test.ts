import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent, User } from '../../db/entities';
import { createPasswordSetup, passwordSetupOwner, setPasswordWithLink } from './password-setup';

describe.each(dialects)('password setup service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('sets the password once through the link, signing the user in, with one audit event', async () => {
    const em = t.db.em();
    const user = em.create(User, {
      id: crypto.randomUUID(),
      email: `newcomer-${dialect}@example.com`,
      name: 'Nia Newcomer',
      passwordHash: 'unusable',
      organization: null,
      isReviewer: false,
    });
    const link = createPasswordSetup(em, user);
    await em.flush();
    expect(link.token).toMatch(/^ghps_/);
    expect(await passwordSetupOwner(t.db.em(), link.token)).toEqual({
      email: user.email,
      name: 'Nia Newcomer',
    });

    const signedIn = await setPasswordWithLink(t.db.em(), link.token, 'a long new password');
    expect(signedIn.user).toMatchObject({ id: user.id, email: user.email, tenantIds: [] });
    expect(signedIn.session.token).toMatch(/^ghs_/);
    expect(
      await t.db.em().count(AuditEvent, { action: 'user.password_set', after: { userId: user.id } }),
    ).toBe(1);

    const invalid = {
      code: 'NOT_FOUND',
      message: 'This link is not valid any more. Ask the reviewer for a new one.',
    };
    await expect(passwordSetupOwner(t.db.em(), link.token)).rejects.toMatchObject(invalid);
    await expect(setPasswordWithLink(t.db.em(), link.token, 'another long password')).rejects.toMatchObject(
      invalid,
    );
  });
});
