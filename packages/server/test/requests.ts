import type { AddressInfo } from 'node:net';
import type { EntityManager } from '@mikro-orm/knex';
import type { FastifyInstance } from 'fastify';
import type { Dialect } from '../src/db/orm';
import { buildServer } from '../src/http/server';
import type { StoredLine } from '../src/requests/blocks';
import type { RequestLogOptions } from '../src/requests/log-writer';
import { ADMIN, ADMIN2, type Caller, DEV, DEV2, openTestDatabase, type TestDatabase } from './harness';
import { type ConnectedParty, callApi, connectApp, fetchToken } from './http-client';

/** Glendale Plumbing (the demo admin's tenant) and Summit HVAC (the second admin's). */
export const T1 = '985798691';
export const T2 = '100200300';

/** The customers list of a tenant in integration, as a client calls it, and the template it is logged under. */
export const customers = (tenant: string) => `/integration/api/crm/v2/tenant/${tenant}/customers`;
export const CUSTOMERS_ROUTE = 'GET /crm/v2/tenant/{tenant}/customers';

/** A connection of a test app with a token of its own. */
export interface Party extends ConnectedParty {
  token: string;
}

/** A server with its request log, the demo users signed in, and a way to make connected apps. */
export interface RequestLogRig {
  t: TestDatabase;
  server: { app: FastifyInstance; url: string; close(): Promise<void> };
  url: string;
  dev: Caller;
  dev2: Caller;
  admin: Caller;
  admin2: Caller;
  /** A new app of the demo developer's with `scopes`, connected in integration in T1 and T2, a token for each. */
  app(name: string, scopes: string[]): Promise<{ t1: Party; t2: Party }>;
  /** One call of `party`'s to `path`, answered. */
  call(party: Party, path: string, options?: { method?: string; body?: unknown }): ReturnType<typeof callApi>;
  /** Writes what the request log holds, so that the portals read it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The public URL of the rig's server, which a second instance on the same database takes too. */
export const PUBLIC_URL = 'http://gatehouse.test';

/** `requestLog`: the server's options for it (`threadFrom: 1` writes every batch on the writer thread). */
export async function requestLogRig(
  dialect: Dialect,
  requestLog: RequestLogOptions = {},
): Promise<RequestLogRig> {
  const t = await openTestDatabase(dialect);
  const app = await buildServer({
    db: t.db,
    logLevel: 'warn',
    usageFlushMs: 0,
    publicUrl: PUBLIC_URL,
    requestLog,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const server = { app, url, close: () => app.close() };
  const [dev, dev2, admin, admin2] = await Promise.all([t.as(DEV), t.as(DEV2), t.as(ADMIN), t.as(ADMIN2)]);
  const withToken = async (party: ConnectedParty): Promise<Party> => {
    const { body } = await fetchToken(url, 'integration', party.clientId, party.clientSecret);
    return { ...party, token: body.access_token as string };
  };
  return {
    t,
    server,
    url,
    dev,
    dev2,
    admin,
    admin2,
    async app(name, scopes) {
      const { parties } = await connectApp(
        dev,
        (tenant) => (tenant === T1 ? admin : admin2),
        { name, tenantIds: [T1, T2], scopes },
        [
          { tenant: T1, env: 'integration' },
          { tenant: T2, env: 'integration' },
        ],
      );
      const [t1, t2] = await Promise.all(parties.map(withToken));
      return { t1: t1!, t2: t2! };
    },
    call: (party, path, options = {}) =>
      callApi(url, path, { token: party.token, appKey: party.appKey, ...options }),
    flush: () => server.app.runtime.requestLog.flush(),
    async close() {
      await server.close();
      await t.close();
    },
  };
}

/** The request ids of the lines the log holds for `appId`, read straight from its blocks. */
export async function storedRequestIds(em: EntityManager, appId: string): Promise<string[]> {
  const rows: { lines: string }[] = await em
    .getKnex()('request_log_block')
    .select('lines')
    .where('app_id', appId);
  return rows.flatMap((row) => (JSON.parse(row.lines) as StoredLine[]).map((line) => line[1]));
}
