import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent, User } from '../../db/entities';
import { addReviewer } from './reviewers';

describe.each(dialects)('adding a reviewer on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('creates a reviewer who signs in only after setting a password through the one-time link', async () => {
    const email = `First.Reviewer-${dialect}@Platform.Example`;
    const added = await addReviewer(t.db.em(), { email, name: '  Rae Viewer ' });
    const user = await t.db.em().findOneOrFail(User, { id: added.userId });
    expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Rae Viewer', isReviewer: true });
    await expect(
      t.anonymous().auth.signIn({ email: email.toLowerCase(), password: 'anything at all 1' }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await t.anonymous().access.setPassword({ token: added.setupToken, password: 'a long reviewer password' });
    const reviewer = await t.as(email.toLowerCase());
    expect(Array.isArray((await reviewer.review.queue()).items)).toBe(true);
    expect(await t.db.em().count(AuditEvent, { action: 'user.reviewer_added' })).toBeGreaterThan(0);
  });

  it('refuses an email that has an account, and a malformed one, changing nothing', async () => {
    const users = () => t.db.em().count(User, {});
    const before = await users();
    await expect(
      addReviewer(t.db.em(), { email: 'dev@gatehouse.test', name: 'Again' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'An account for dev@gatehouse.test already exists.',
    });
    await expect(addReviewer(t.db.em(), { email: 'not an email', name: 'Nobody' })).rejects.toThrow(
      'Enter a valid email',
    );
    expect(await users()).toBe(before);
  });
});
