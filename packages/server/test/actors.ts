import type { NewApp } from '@gatehouse/domain';
import { loadSessionUser, type SessionUser } from '../src/auth/sessions';
import { User } from '../src/db/entities';
import type { TestDatabase } from './harness';

/** A demo user as a procedure would pass them to a service, without a session or a router. */
export async function actor(t: TestDatabase, email: string): Promise<SessionUser> {
  const em = t.db.em();
  return loadSessionUser(em, await em.findOneOrFail(User, { email }, { populate: ['organization'] }));
}

/** A demo developer, with the organization the developer procedures guarantee. */
export async function developerActor(t: TestDatabase, email: string) {
  const user = await actor(t, email);
  const { organizationId, organizationName } = user;
  if (!organizationId || !organizationName) throw new Error(`${email} belongs to no organization`);
  return { ...user, organizationId, organizationName };
}

/** What a developer fills in for a new app: a private app offered to Glendale Plumbing, unless told otherwise. */
export function newApp(name: string, overrides: Partial<NewApp> = {}): NewApp {
  return {
    name,
    homePageUrl: 'https://acme.example',
    tenantIds: ['985798691'],
    kind: 'private',
    credentialsMode: 'tenant_admin',
    scopes: ['tn.crm.customers:r'],
    ...overrides,
  };
}
