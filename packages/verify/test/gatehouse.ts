import type { AddressInfo } from 'node:net';
import { buildServer, type ServerOptions } from '@gatehouse/server/http/server';
import { ADMIN, ADMIN2, type Caller, DEV, openTestDatabase } from '@gatehouse/server/testing';

export const TENANT = '985798691';
export const OTHER_TENANT = '100200300';

/** One connection of a test app: what its client holds. */
export interface Party {
  appId: string;
  appKey: string;
  connectionId: string;
  clientId: string;
  clientSecret: string;
  tenant: string;
}

/** A real Gatehouse on a fresh SQLite database and a free port, with the demo users signed in. */
export async function startGatehouse(
  options: Pick<ServerOptions, 'gateway' | 'failureLimit' | 'trustProxy'> = {},
) {
  const t = await openTestDatabase('sqlite');
  const app = await buildServer({ db: t.db, logLevel: 'warn', usageFlushMs: 0, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
  const adminOf = (tenant: string): Caller => (tenant === TENANT ? admin : admin2);
  let apps = 0;

  /** A private app with `scopes`, connected in integration by each tenant's admin. */
  async function connect(scopes: string[], tenants = [TENANT]): Promise<Party[]> {
    const app = await dev.apps.create({
      name: `Verified ${++apps}`,
      homePageUrl: 'https://verify.example',
      tenantIds: tenants,
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes,
    });
    const parties: Party[] = [];
    for (const tenant of tenants) {
      const granted = await adminOf(tenant).connections.allow({
        tenantId: tenant,
        environment: 'integration',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      });
      parties.push({
        appId: app.id,
        appKey: app.appKey,
        connectionId: granted.connection.id,
        clientId: granted.clientId,
        clientSecret: granted.clientSecret,
        tenant,
      });
    }
    return parties;
  }

  /** A client's form POST to one of the environment's OAuth endpoints, authenticated by Basic. */
  const oauth = (party: Party, endpoint: 'token' | 'revoke', form: Record<string, string>) =>
    fetch(`${url}/integration/connect/${endpoint}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${party.clientId}:${party.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(form),
    });

  return {
    url,
    issuer: `${url}/integration`,
    admin: adminOf,
    connect,
    async token(party: Party): Promise<string> {
      const response = await oauth(party, 'token', { grant_type: 'client_credentials' });
      if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async revoke(party: Party, token: string): Promise<void> {
      const response = await oauth(party, 'revoke', { token });
      if (response.status !== 200) throw new Error(`revocation answered ${response.status}`);
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}

export type Gatehouse = Awaited<ReturnType<typeof startGatehouse>>;
