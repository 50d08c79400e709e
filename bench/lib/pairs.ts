/**
 * The app × tenant pairs every benchmark calls: demo data plus connected
 * pairs, set up through the same procedures the portals call, then a token
 * and a customer id per pair from the running server.
 */
import { startSession } from '@gatehouse/server/auth/sessions';
import { createContextInner } from '@gatehouse/server/context';
import { Tenant, TenantAdmin, User } from '@gatehouse/server/db/entities';
import type { Database } from '@gatehouse/server/db/orm';
import { createCaller } from '@gatehouse/server/root';
import { seedDemo } from '@gatehouse/server/seed/demo';
import type autocannon from 'autocannon';
import { pool } from './format';

export const TENANTS = 40;
export const RATE_LIMIT_PER_PAIR = 60;
/**
 * Pairs the token endpoint and the gate are called over, by default: 72,000
 * calls/s at the limit, so that even the fastest scenario stays well under
 * each pair's 60 calls/s.
 */
export const POOL_PAIRS = 1200;

export interface Pair {
  appKey: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface Ready extends Pair {
  token: string;
  customerId: number;
}

/**
 * Demo data plus `count` connected pairs in the integration environment (apps
 * × TENANTS, app by app), set up through the same procedures the portals call.
 */
export async function setUp(db: Database, count: number): Promise<Pair[]> {
  await seedDemo(db.em());
  const em = db.em();
  const admin = await em.findOneOrFail(User, { email: 'admin@gatehouse.test' });
  const developer = await em.findOneOrFail(User, { email: 'dev@gatehouse.test' });
  // The demo admin's own tenant, plus bench tenants granted to that admin.
  const tenantIds = ['985798691'];
  for (let i = tenantIds.length; i < TENANTS; i++) {
    const id = String(700_000_000 + i);
    em.create(Tenant, { id, name: `Bench Tenant ${i}` });
    em.create(TenantAdmin, { id: crypto.randomUUID(), user: admin.id, tenant: id });
    tenantIds.push(id);
  }
  await em.flush();

  const callerFor = async (userId: string) =>
    createCaller(createContextInner({ db, sessionToken: (await startSession(db.em(), userId)).token }));
  const dev = await callerFor(developer.id);
  const tenantAdmin = await callerFor(admin.id);
  const pairs: Pair[] = [];
  for (let a = 0; pairs.length < count; a++) {
    const app = await dev.apps.create({
      name: `Bench App ${a}`,
      homePageUrl: 'https://bench.example',
      tenantIds,
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    for (const tenantId of tenantIds.slice(0, count - pairs.length)) {
      const granted = await tenantAdmin.connections.allow({
        tenantId,
        environment: 'integration',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      });
      pairs.push({
        appKey: app.appKey,
        tenantId,
        clientId: granted.clientId,
        clientSecret: granted.clientSecret,
      });
    }
  }
  return pairs;
}

export const basic = (pair: Pair) =>
  `Basic ${Buffer.from(`${encodeURIComponent(pair.clientId)}:${encodeURIComponent(pair.clientSecret)}`).toString('base64')}`;
export const customerPath = (tenantId: string) => `/integration/api/crm/v2/tenant/${tenantId}/customers`;

/** A token per pair from the real endpoint, and a customer id of that tenant from the real list: checks every pair works before any load. */
export async function prepare(url: string, pairs: Pair[]): Promise<Ready[]> {
  return pool(pairs, 8, async (pair) => {
    const tokenResponse = await fetch(`${url}/integration/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(pair) },
      body: 'grant_type=client_credentials',
    });
    if (tokenResponse.status !== 200)
      throw new Error(`Token for ${pair.clientId}: ${tokenResponse.status} ${await tokenResponse.text()}`);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const list = await fetch(`${url}${customerPath(pair.tenantId)}?pageSize=5`, {
      headers: { authorization: `Bearer ${token}`, 'st-app-key': pair.appKey },
    });
    if (list.status !== 200)
      throw new Error(`Customers of ${pair.tenantId}: ${list.status} ${await list.text()}`);
    const { data } = (await list.json()) as { data: { id: number }[] };
    return { ...pair, token, customerId: data[0]!.id };
  });
}

/** (b): client credentials with HTTP Basic, one request per pair. */
export const tokenRequests = (ready: Ready[]): autocannon.Request[] =>
  ready.map((pair) => ({
    method: 'POST',
    path: '/integration/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(pair) },
    body: 'grant_type=client_credentials',
  }));

/** (c): a customer through the full gate, one request per pair. */
export const resourceRequests = (ready: Ready[]): autocannon.Request[] =>
  ready.map((pair) => ({
    method: 'GET',
    path: `${customerPath(pair.tenantId)}/${pair.customerId}`,
    headers: { authorization: `Bearer ${pair.token}`, 'st-app-key': pair.appKey },
  }));
