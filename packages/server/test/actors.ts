import type { NewApp } from '@gatehouse/domain';
import { loadSessionUser, type SessionUser } from '../src/auth/sessions';
import { User } from '../src/db/entities';
import { createApp } from '../src/services/apps/apps';
import { allowApp } from '../src/services/connections/consent';
import { ADMIN, DEV, type TestDatabase } from './harness';

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

/** A new app of the demo developer's, allowed by the demo admin in Glendale Plumbing's integration environment. */
export async function connectedApp(t: TestDatabase, name: string) {
  const dev = await developerActor(t, DEV);
  const app = await createApp(t.db.em(), dev, newApp(name));
  const issued = await allowApp(t.db.em(), await actor(t, ADMIN), {
    tenantId: '985798691',
    environment: 'integration',
    appId: app.id,
    credentialsIssuer: 'tenant_admin',
  });
  return {
    dev,
    app,
    connection: issued.connection,
    connectionId: issued.connection.id,
    clientId: issued.clientId,
  };
}
