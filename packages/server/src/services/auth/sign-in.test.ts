import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN2, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { userForSession } from '../../auth/sessions';
import { DEMO_PASSWORD } from '../../seed/demo';
import { signIn, signOut } from './sign-in';

describe.each(dialects)('sign-in service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const log = { error: vi.fn() };
  const attempt = (email: string, password: string, carriedToken: string | null = null) =>
    signIn(t.db.em(), { email, password, clientIp: `10.9.${dialect.length}.1`, carriedToken }, log);

  it('starts a session for the right password, ending the one the browser carried', async () => {
    const first = await attempt(DEV, DEMO_PASSWORD);
    expect(first.user).toMatchObject({ email: DEV, organizationName: 'Acme Field Apps' });
    expect(first.session.token).toMatch(/^ghs_/);
    const second = await attempt(DEV, DEMO_PASSWORD, first.session.token);
    expect(await userForSession(t.db.em(), first.session.token)).toBeNull();
    expect(await userForSession(t.db.em(), second.session.token)).toMatchObject({ email: DEV });
    await signOut(t.db.em(), second.session.token);
    expect(await userForSession(t.db.em(), second.session.token)).toBeNull();
  });

  it('answers a wrong password and an unknown account alike, logging nothing', async () => {
    const wrong = await attempt(ADMIN2, 'not-the-password').catch((error: unknown) => error);
    const unknown = await attempt(`nobody-${dialect}@example.com`, DEMO_PASSWORD).catch(
      (error: unknown) => error,
    );
    expect(wrong).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'That email and password do not match an account.',
    });
    expect(unknown).toEqual(wrong);
    expect(log.error).not.toHaveBeenCalled();
  });
});
