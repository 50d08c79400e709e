import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { admitAccessRequest } from './throttle';

describe.each(dialects)('access request limits on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const admit = (email: string, ip: string) =>
    admitAccessRequest(t.db, email, ip).then(
      (giveBack) => ({ admitted: true as const, giveBack }),
      (error: { code?: string }) => ({ admitted: false as const, code: error.code }),
    );

  it('lets exactly ten requests from one address through when fifteen arrive at once', async () => {
    const ip = `198.51.100.${dialect.length}`;
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => admit(`burst-${i}@example.com`, ip)),
    );
    expect(results.filter((r) => r.admitted)).toHaveLength(10);
    expect(results.filter((r) => !r.admitted).map((r) => r.code)).toEqual(Array(5).fill('RATE_LIMITED'));
  });

  it('takes three per email; a place given back is taken again, and a refusal costs the address nothing', async () => {
    const email = `three-${dialect}@example.com`;
    const ip = `192.0.2.${dialect.length}`;
    const first = await admit(email, ip);
    await admit(email, ip);
    await admit(email, ip);
    if (first.admitted) await first.giveBack();
    expect((await admit(email, ip)).admitted).toBe(true);
    expect(await admit(email, ip)).toEqual({ admitted: false, code: 'RATE_LIMITED' });
    // Three places held at this address: neither the refused request nor the one given back holds one.
    for (let i = 0; i < 7; i++)
      expect((await admit(`other-${i}-${dialect}@example.com`, ip)).admitted).toBe(true);
    expect(await admit(`eleventh-${dialect}@example.com`, ip)).toEqual({
      admitted: false,
      code: 'RATE_LIMITED',
    });
  });
});
