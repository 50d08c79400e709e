import type { EntityManager } from '@mikro-orm/knex';
import { hashPassword } from '../auth/secrets';
import { Organization, Tenant, TenantAdmin, User } from '../db/entities';

/** Demo logins: accepted only because the embedded demo database is seeded with them. Never seeded in production. */
export const DEMO_PASSWORD = 'gatehouse-demo';

export const DEMO_USERS = [
  { email: 'dev@gatehouse.test', name: 'Dana Developer', role: 'developer (Owner), Acme Field Apps' },
  { email: 'dev2@gatehouse.test', name: 'Devon Other', role: 'developer (Owner), Other Dev Co' },
  { email: 'admin@gatehouse.test', name: 'Alex Admin', role: 'tenant admin, 985798691 Glendale Plumbing' },
  { email: 'admin2@gatehouse.test', name: 'Avery Admin', role: 'tenant admin, 100200300 Summit HVAC' },
  { email: 'reviewer@gatehouse.test', name: 'Riley Reviewer', role: 'platform reviewer' },
] as const;

/** Creates the demo organizations, tenants and users once; returns false when they already exist. */
export async function seedDemo(em: EntityManager): Promise<boolean> {
  if ((await em.count(User, {})) > 0) return false;
  // One hash per user, each with its own salt, as for every other account: equal hashes would tell a
  // reader of the table that the passwords are equal.
  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(DEMO_PASSWORD)));
  const passwordHashOf = new Map<string, string>(DEMO_USERS.map((u, i) => [u.email, hashes[i]!]));
  await em.transactional(async (tx) => {
    const acme = tx.create(Organization, { id: crypto.randomUUID(), name: 'Acme Field Apps' });
    const other = tx.create(Organization, { id: crypto.randomUUID(), name: 'Other Dev Co' });
    const glendale = tx.create(Tenant, { id: '985798691', name: 'Glendale Plumbing' });
    const summit = tx.create(Tenant, { id: '100200300', name: 'Summit HVAC' });
    const user = (
      email: string,
      name: string,
      extra: { organization?: typeof acme; isReviewer?: boolean } = {},
    ) =>
      tx.create(User, {
        id: crypto.randomUUID(),
        email,
        name,
        passwordHash: passwordHashOf.get(email)!,
        organization: extra.organization ?? null,
        orgRole: extra.organization ? 'owner' : null,
        isReviewer: extra.isReviewer ?? false,
      });
    const [dev, dev2, admin, admin2, reviewer] = DEMO_USERS;
    user(dev.email, dev.name, { organization: acme });
    user(dev2.email, dev2.name, { organization: other });
    tx.create(TenantAdmin, {
      id: crypto.randomUUID(),
      user: user(admin.email, admin.name),
      tenant: glendale,
    });
    tx.create(TenantAdmin, {
      id: crypto.randomUUID(),
      user: user(admin2.email, admin2.name),
      tenant: summit,
    });
    user(reviewer.email, reviewer.name, { isReviewer: true });
  });
  return true;
}
