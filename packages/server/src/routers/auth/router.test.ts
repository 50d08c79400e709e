import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  cookieJar,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  type TestDatabase,
} from '#test/harness';
import { sha256Hex } from '../../auth/secrets';
import { SESSION_TTL_MS, startSession } from '../../auth/sessions';
import { SIGN_IN_WINDOW_MS } from '../../auth/throttle';
import { createContextInner } from '../../context';
import { LoginFailure, Session, User } from '../../db/entities';
import { createCaller } from '../../root';
import { DEMO_PASSWORD } from '../../seed/demo';

let ipCounter = 0;
/** Each test signs in from its own address, so per-address throttling never leaks between tests. */
const freshIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

describe.each(dialects)('auth router on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  /** One request's worth of context, with a cookie jar that records what the procedure set or cleared. */
  function request(options: { token?: string | null; ip?: string } = {}) {
    const jar = cookieJar(options.token ?? null);
    const caller = createCaller(
      createContextInner({
        db: t.db,
        sessionToken: options.token ?? null,
        clientIp: options.ip ?? freshIp(),
        cookie: jar.cookie,
      }),
    );
    return { caller, jar };
  }

  async function signIn(email: string, password = DEMO_PASSWORD, ip = freshIp()) {
    const { caller, jar } = request({ ip });
    const user = await caller.auth.signIn({ email, password });
    return { user, token: jar.token!, expiresAt: jar.expiresAt! };
  }

  describe('me', () => {
    it('is null without a session, or with an unknown, over-long or expired one', async () => {
      expect(await request().caller.auth.me()).toBeNull();
      expect(await request({ token: 'ghs_nonsense' }).caller.auth.me()).toBeNull();
      expect(await request({ token: 'x'.repeat(5000) }).caller.auth.me()).toBeNull();

      const em = t.db.em();
      const user = await em.findOneOrFail(User, { email: DEV });
      const token = 'ghs_expired-session-token-for-test';
      em.create(Session, {
        id: crypto.randomUUID(),
        tokenHash: sha256Hex(token),
        user: user.id,
        expiresAt: new Date(Date.now() - 1000),
      });
      await em.flush();
      expect(await request({ token }).caller.auth.me()).toBeNull();
      expect((await rejection(request({ token }).caller.apps.list({}))).code).toBe('UNAUTHORIZED');
    });

    it('describes each role', async () => {
      expect(await (await t.as(DEV)).auth.me()).toMatchObject({
        email: DEV,
        name: 'Dana Developer',
        organizationName: 'Acme Field Apps',
        organizationId: expect.any(String),
        organizationRole: 'owner',
        isReviewer: false,
        tenantIds: [],
      });
      expect(await (await t.as(DEV2)).auth.me()).toMatchObject({
        email: DEV2,
        organizationName: 'Other Dev Co',
        isReviewer: false,
        tenantIds: [],
      });
      expect(await (await t.as(ADMIN)).auth.me()).toMatchObject({
        email: ADMIN,
        organizationId: null,
        organizationName: null,
        organizationRole: null,
        isReviewer: false,
        tenantIds: ['985798691'],
      });
      expect(await (await t.as(ADMIN2)).auth.me()).toMatchObject({
        email: ADMIN2,
        organizationId: null,
        tenantIds: ['100200300'],
      });
      expect(await (await t.as(REVIEWER)).auth.me()).toMatchObject({
        email: REVIEWER,
        organizationId: null,
        isReviewer: true,
        tenantIds: [],
      });
    });

    it('never returns the password hash', async () => {
      const me = await (await t.as(DEV)).auth.me();
      expect(JSON.stringify(me)).not.toMatch(/scrypt|password/i);
    });
  });

  describe('signIn', () => {
    it('returns the user and sets a session cookie for a week', async () => {
      const before = Date.now();
      const { user, token, expiresAt } = await signIn(DEV);
      expect(user).toMatchObject({ email: DEV, name: 'Dana Developer', organizationName: 'Acme Field Apps' });
      expect(token).toMatch(/^ghs_[A-Za-z0-9_-]{43}$/);
      expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + SESSION_TTL_MS - 1000);
      expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + SESSION_TTL_MS + 1000);
      expect(await request({ token }).caller.auth.me()).toMatchObject({ email: DEV });
      expect((await request({ token }).caller.apps.list({})).items).toEqual([]);
    });

    it('accepts the email in any case and with surrounding spaces', async () => {
      expect((await signIn('  Dev@Gatehouse.TEST ')).user.email).toBe(DEV);
    });

    it('gives a new token on every sign-in, and both sessions work', async () => {
      const first = await signIn(DEV2);
      const second = await signIn(DEV2);
      expect(second.token).not.toBe(first.token);
      expect(await request({ token: first.token }).caller.auth.me()).toMatchObject({ email: DEV2 });
      expect(await request({ token: second.token }).caller.auth.me()).toMatchObject({ email: DEV2 });
    });

    it('replaces a session the browser already carried (no session fixation)', async () => {
      const planted = await signIn(DEV);
      const { caller, jar } = request({ token: planted.token });
      await caller.auth.signIn({ email: ADMIN, password: DEMO_PASSWORD });
      expect(jar.token).not.toBe(planted.token);
      expect(await request({ token: planted.token }).caller.auth.me()).toBeNull();
      expect(await request({ token: jar.token }).caller.auth.me()).toMatchObject({ email: ADMIN });
    });

    it('stores only a hash of the session token', async () => {
      const { token } = await signIn(REVIEWER);
      const sessions = await t.db.em().find(Session, {});
      expect(sessions.length).toBeGreaterThan(0);
      for (const session of sessions) {
        expect(session.tokenHash).not.toBe(token);
        expect(session.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(sessions.filter((s) => s.tokenHash === sha256Hex(token))).toHaveLength(1);
      expect(JSON.stringify(sessions)).not.toContain(token.slice(4));
    });

    it('answers a wrong password and an unknown email with the same message', async () => {
      const wrongPassword = await rejection(
        request().caller.auth.signIn({ email: ADMIN2, password: 'not-the-password' }),
      );
      const unknownEmail = await rejection(
        request().caller.auth.signIn({ email: 'nobody@gatehouse.test', password: DEMO_PASSWORD }),
      );
      expect(wrongPassword).toEqual({
        code: 'UNAUTHORIZED',
        message: 'That email and password do not match an account.',
        fieldErrors: null,
      });
      expect(unknownEmail).toEqual(wrongPassword);
    });

    it('sets no cookie when sign-in fails', async () => {
      const { caller, jar } = request();
      await rejection(caller.auth.signIn({ email: ADMIN2, password: 'wrong' }));
      expect(jar.token).toBeNull();
    });

    it.each([
      [{ email: '', password: 'x' }, 'email'],
      [{ email: 'not-an-email', password: 'x' }, 'email'],
      [{ email: `${'a'.repeat(250)}@x.test`, password: 'x' }, 'email'],
      [{ email: DEV, password: '' }, 'password'],
      [{ email: DEV, password: 'p'.repeat(201) }, 'password'],
    ])('refuses malformed input %j with a field error', async (input, field) => {
      const failure = await rejection(request().caller.auth.signIn(input));
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.fieldErrors?.[field]).toEqual(expect.any(String));
    });

    it('after 5 failures refuses even the right password, and unknown accounts alike', async () => {
      const em = t.db.em();
      const user = em.create(User, {
        id: crypto.randomUUID(),
        email: `locked-${dialect}@gatehouse.test`,
        name: 'Lee Locked',
        passwordHash: (await em.findOneOrFail(User, { email: DEV })).passwordHash,
        organization: null,
        isReviewer: false,
      });
      await em.flush();

      for (let attempt = 1; attempt <= 5; attempt++) {
        expect(
          (await rejection(request().caller.auth.signIn({ email: user.email, password: `guess-${attempt}` })))
            .code,
        ).toBe('UNAUTHORIZED');
      }
      const locked = await rejection(
        request().caller.auth.signIn({ email: user.email, password: DEMO_PASSWORD }),
      );
      expect(locked.code).toBe('TOO_MANY_REQUESTS');
      expect(locked.message).toMatch(/too many/i);
      // The lock is keyed on the normalized email: changing its case does not get around it.
      expect(
        (
          await rejection(
            request().caller.auth.signIn({ email: user.email.toUpperCase(), password: DEMO_PASSWORD }),
          )
        ).code,
      ).toBe('TOO_MANY_REQUESTS');

      // An account that does not exist locks the same way, so locking reveals nothing.
      for (let attempt = 1; attempt <= 5; attempt++)
        await rejection(
          request().caller.auth.signIn({ email: `ghost-${dialect}@gatehouse.test`, password: 'x' }),
        );
      expect(
        (
          await rejection(
            request().caller.auth.signIn({ email: `ghost-${dialect}@gatehouse.test`, password: 'x' }),
          )
        ).code,
      ).toBe('TOO_MANY_REQUESTS');

      // Other accounts are unaffected.
      expect((await signIn(DEV)).user.email).toBe(DEV);
    });

    it('counts only failures inside the window, and a success clears the count', async () => {
      const em = t.db.em();
      const email = `window-${dialect}@gatehouse.test`;
      em.create(User, {
        id: crypto.randomUUID(),
        email,
        name: 'Wyn Window',
        passwordHash: (await em.findOneOrFail(User, { email: DEV })).passwordHash,
        organization: null,
        isReviewer: false,
      });
      const longAgo = new Date(Date.now() - SIGN_IN_WINDOW_MS - 60_000);
      for (let i = 0; i < 10; i++)
        em.create(LoginFailure, { id: crypto.randomUUID(), subject: `account:${email}`, at: longAgo });
      await em.flush();
      expect((await signIn(email)).user.email).toBe(email);

      for (let i = 0; i < 4; i++) await rejection(request().caller.auth.signIn({ email, password: 'wrong' }));
      expect((await signIn(email)).user.email).toBe(email);
      // A fifth failure after the success: still under the limit only because the success reset the count.
      await rejection(request().caller.auth.signIn({ email, password: 'wrong' }));
      expect((await signIn(email)).user.email).toBe(email);
    });

    it('refuses an address that has failed too often, whatever account it tries next', async () => {
      const ip = freshIp();
      await rejection(request({ ip }).caller.auth.signIn({ email: 'spray-1@gatehouse.test', password: 'x' }));
      const em = t.db.em();
      expect(await em.count(LoginFailure, { subject: `client:${ip}` })).toBe(1);
      for (let i = 0; i < 29; i++)
        em.create(LoginFailure, { id: crypto.randomUUID(), subject: `client:${ip}`, at: new Date() });
      await em.flush();
      expect(
        (await rejection(request({ ip }).caller.auth.signIn({ email: ADMIN, password: DEMO_PASSWORD }))).code,
      ).toBe('TOO_MANY_REQUESTS');
      expect((await signIn(ADMIN, DEMO_PASSWORD, freshIp())).user.email).toBe(ADMIN);
    });

    // Attempts sent in parallel must not each pass the check before any failure is counted.
    it('allows no more than 5 guesses when they arrive at once', async () => {
      const email = `burst-${dialect}@gatehouse.test`;
      const results = await Promise.allSettled(
        Array.from({ length: 7 }, () => request().caller.auth.signIn({ email, password: 'guess' })),
      );
      const codes = results.map((result) =>
        result.status === 'rejected' ? (result.reason as TRPCError).code : 'OK',
      );
      expect(codes.filter((code) => code === 'UNAUTHORIZED')).toHaveLength(5);
      expect(codes.filter((code) => code === 'TOO_MANY_REQUESTS')).toHaveLength(2);
      // The account is now at its limit: even the right password waits out the window.
      expect((await rejection(request().caller.auth.signIn({ email, password: DEMO_PASSWORD }))).code).toBe(
        'TOO_MANY_REQUESTS',
      );
    });

    // Only failures count: attempts still being checked must not use up the limit of the right ones.
    it('lets eight simultaneous sign-ins with the right password all in, from one address', async () => {
      const ip = freshIp();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          request({ ip }).caller.auth.signIn({ email: DEV2, password: DEMO_PASSWORD }),
        ),
      );
      expect(
        results.map((result) =>
          result.status === 'fulfilled' ? result.value.email : (result.reason as Error).message,
        ),
      ).toEqual(Array(8).fill(DEV2));
      expect(await t.db.em().count(LoginFailure, { subject: { $like: `%${DEV2}` } })).toBe(0);
    });

    it('counts a wrong password after right ones, and leaves no attempt behind', async () => {
      const ip = freshIp();
      await Promise.all([
        signIn(ADMIN2, DEMO_PASSWORD, ip),
        rejection(request({ ip }).caller.auth.signIn({ email: ADMIN2, password: 'wrong' })),
      ]);
      const em = t.db.em();
      expect(await em.count(LoginFailure, { subject: `client:${ip}` })).toBe(1);
      expect(await em.count(LoginFailure, { subject: { $like: 'attempt:%' } })).toBe(0);
    });
  });

  describe('signOut', () => {
    it('ends the session: the old token no longer works', async () => {
      const { token } = await signIn(DEV);
      const { caller, jar } = request({ token });
      expect(await caller.auth.signOut()).toEqual({ signedOut: true });
      expect(jar.cleared).toBe(true);
      expect(await request({ token }).caller.auth.me()).toBeNull();
      expect((await rejection(request({ token }).caller.apps.list({}))).code).toBe('UNAUTHORIZED');
      expect(await t.db.em().count(Session, { tokenHash: sha256Hex(token) })).toBe(0);
    });

    it('ends only that session, not the same user elsewhere', async () => {
      const laptop = await signIn(DEV);
      const phone = await signIn(DEV);
      await request({ token: laptop.token }).caller.auth.signOut();
      expect(await request({ token: phone.token }).caller.auth.me()).toMatchObject({ email: DEV });
    });

    it('needs a session', async () => {
      expect((await rejection(request().caller.auth.signOut())).code).toBe('UNAUTHORIZED');
      expect((await rejection(request({ token: 'ghs_unknown' }).caller.auth.signOut())).code).toBe(
        'UNAUTHORIZED',
      );
    });
  });

  it('gives every demo user a password hash with its own salt', async () => {
    const users = await t.db.em().find(User, { email: { $in: [DEV, DEV2, ADMIN, ADMIN2, REVIEWER] } });
    const salts = users.map((u) => u.passwordHash.split('$')[4]);
    expect(salts).toHaveLength(5);
    expect(new Set(salts).size).toBe(5);
  });

  it('drops a user’s expired sessions when they start a new one', async () => {
    const em = t.db.em();
    const user = await em.findOneOrFail(User, { email: ADMIN2 });
    em.create(Session, {
      id: crypto.randomUUID(),
      tokenHash: sha256Hex('ghs_stale'),
      user: user.id,
      expiresAt: new Date(Date.now() - 1),
    });
    await em.flush();
    await startSession(t.db.em(), user.id);
    expect(await t.db.em().count(Session, { tokenHash: sha256Hex('ghs_stale') })).toBe(0);
  });
});
