import type { Environment } from '@gatehouse/domain';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../src/gateway/config';
import { buildServer } from '../src/http/server';
import type { Caller, TestDatabase } from './harness';

/** A real server on a free port, for tests that speak plain HTTP. */
export async function listen(
  t: TestDatabase,
  options: {
    redisUrl?: string;
    publicUrl?: string;
    failureLimit?: { calls: number; windowMs: number };
    trustProxy?: number | string[];
    gateway?: GatewayConfig;
  } = {},
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = await buildServer({ db: t.db, logLevel: 'warn', usageFlushMs: 0, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/** A browser-like tRPC client over HTTP: cookie jar, CSRF header, superjson envelope. */
export function portalClient(url: string) {
  let cookie = '';
  const call = async (kind: 'query' | 'mutation', path: string, input?: unknown) => {
    const headers: Record<string, string> = { 'x-gatehouse-csrf': '1', cookie };
    const response =
      kind === 'query'
        ? await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
            headers,
          })
        : await fetch(`${url}/trpc/${path}`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ json: input }),
          });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0]!;
    const body = (await response.json()) as {
      result?: { data: { json: unknown } };
      error?: { json: { message: string } };
    };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${body.error?.json.message}`);
    return body.result!.data.json as any;
  };
  return {
    signIn: (email: string) => call('mutation', 'auth.signIn', { email, password: 'gatehouse-demo' }),
    query: (path: string, input?: unknown) => call('query', path, input),
    mutate: (path: string, input?: unknown) => call('mutation', path, input),
  };
}

export async function fetchToken(
  url: string,
  env: string,
  clientId: string,
  secret: string,
  extra: Record<string, string> = {},
) {
  const response = await fetch(`${url}/${env}/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, any>,
  };
}

export async function callApi(
  url: string,
  path: string,
  options: { token?: string; appKey?: string; method?: string; body?: unknown; bare?: boolean } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = options.bare ? options.token : `Bearer ${options.token}`;
  if (options.appKey) headers['st-app-key'] = options.appKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as any) : null,
  };
}

/** One connection of a test app: what a client needs to call the API. */
export interface ConnectedParty {
  appId: string;
  appKey: string;
  connectionId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * A private app of `owner` for the given tenants and scopes, connected where
 * asked by each tenant's admin (`adminOf`): one party per connection, in order.
 */
export async function connectApp(
  owner: Caller,
  adminOf: (tenantId: string) => Caller,
  app: { name: string; tenantIds: string[]; scopes: string[] },
  where: { tenant: string; env: Environment }[],
): Promise<{ name: string; parties: ConnectedParty[] }> {
  const created = await owner.apps.create({
    ...app,
    homePageUrl: 'https://api-tests.example',
    kind: 'private',
    credentialsMode: 'tenant_admin',
  });
  const parties: ConnectedParty[] = [];
  for (const { tenant, env } of where) {
    const granted = await adminOf(tenant).connections.allow({
      tenantId: tenant,
      environment: env,
      appId: created.id,
      credentialsIssuer: 'tenant_admin',
    });
    parties.push({
      appId: created.id,
      appKey: created.appKey,
      connectionId: granted.connection.id,
      clientId: granted.clientId,
      clientSecret: granted.clientSecret,
    });
  }
  return { name: created.name, parties };
}
