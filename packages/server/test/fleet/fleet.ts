import type { Environment } from '@gatehouse/domain';
import { migrate, openDatabase } from '../../src/db/orm';
import { seedDemo } from '../../src/seed/demo';
import { ADMIN, ADMIN2, DEV, emptyDatabase, PG_ADMIN_URL, pgUp } from '../harness';
import { fetchToken, portalClient } from '../http-client';
import { REDIS_URL, redisUp } from '../redis';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy';
import { type Instance, startInstance } from './instance';

export const T1 = '985798691';
export const T2 = '100200300';

/**
 * Why the fleet suite cannot run here, or null when it can: a fleet is PostgreSQL and Redis, and without
 * them there is nothing to test. CI starts both, so there a missing one fails the run instead.
 */
export const missingServices: string | null = (() => {
  const missing = [
    ...(pgUp ? [] : [`PostgreSQL at ${PG_ADMIN_URL}`]),
    ...(redisUp ? [] : [`Redis at ${REDIS_URL}`]),
  ];
  if (missing.length === 0) return null;
  const reason = `the fleet suite needs ${missing.join(' and ')}, which did not answer`;
  if (process.env.CI) throw new Error(`${reason}; CI must run it.`);
  console.warn(`Skipping the fleet suite: ${reason}.`);
  return reason;
})();

export type Portal = ReturnType<typeof portalClient>;

/** One connection of a test app, with a token the fleet issued for it. */
export interface Party {
  appId: string;
  appName: string;
  appKey: string;
  connectionId: string;
  clientId: string;
  clientSecret: string;
  tenant: string;
  env: Environment;
  token: string;
}

export interface Fleet {
  a: Instance;
  b: Instance;
  /** The fleet's database, reached directly (never through the proxy): what the test reads to compare. */
  databaseUrl: string;
  /** Set when the fleet was asked to reach PostgreSQL and Redis through proxies a test can cut. */
  proxies: { postgres: TcpProxy; redis: TcpProxy } | null;
  /** Portal sessions on instance A: the developer and the admins of T1 and T2. */
  dev: Portal;
  admins: Record<string, Portal>;
  /** A new private app of the developer, connected by the tenants' admins where asked (all through A). */
  connect(scopes: string[], where: { tenant: string; env: Environment }[]): Promise<Party[]>;
  /** What the instances wrote to their standard output and error: shown when a test fails. */
  logs(): string;
  stop(): Promise<void>;
}

const PUBLIC_URL = 'http://gatehouse.fleet.test';

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

/**
 * Two instances on one scratch PostgreSQL database and one Redis, as a fleet is deployed: the database
 * migrated and seeded before they start, the same public URL for both so that a token from one is valid
 * on the other.
 */
export async function startFleet(options: { proxies?: boolean; metrics?: boolean } = {}): Promise<Fleet> {
  const scratch = await emptyDatabase('postgresql');
  const cleanups: (() => Promise<unknown>)[] = [() => scratch.drop()];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const db = await openDatabase(scratch.url);
    try {
      await migrate(db);
      await seedDemo(db.em());
    } finally {
      await db.close();
    }

    let databaseUrl = scratch.url;
    let redisUrl = REDIS_URL;
    let proxies: Fleet['proxies'] = null;
    if (options.proxies) {
      const target = (url: string, port: number) => ({
        host: new URL(url).hostname,
        port: Number(new URL(url).port || port),
      });
      proxies = {
        postgres: await startTcpProxy(target(scratch.url, 5432)),
        redis: await startTcpProxy(target(REDIS_URL, 6379)),
      };
      const { postgres, redis } = proxies;
      cleanups.push(
        () => postgres.close(),
        () => redis.close(),
      );
      databaseUrl = withPort(scratch.url, postgres.port);
      redisUrl = withPort(REDIS_URL, redis.port);
    }

    const settings = { databaseUrl, redisUrl, publicUrl: PUBLIC_URL, metrics: options.metrics ?? false };
    const started = await Promise.allSettled([startInstance('A', settings), startInstance('B', settings)]);
    for (const result of started) if (result.status === 'fulfilled') cleanups.push(() => result.value.stop());
    const [a, b] = started.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    }) as [Instance, Instance];

    const dev = portalClient(a.url);
    const admins: Record<string, Portal> = { [T1]: portalClient(a.url), [T2]: portalClient(a.url) };
    await Promise.all([dev.signIn(DEV), admins[T1]!.signIn(ADMIN), admins[T2]!.signIn(ADMIN2)]);

    let apps = 0;
    return {
      a,
      b,
      databaseUrl: scratch.url,
      proxies,
      dev,
      admins,
      async connect(scopes, where) {
        const name = `Fleet app ${++apps}`;
        const app = await dev.mutate('apps.create', {
          name,
          homePageUrl: 'https://fleet.example',
          tenantIds: [T1, T2],
          kind: 'private',
          credentialsMode: 'tenant_admin',
          scopes,
        });
        const parties: Party[] = [];
        for (const { tenant, env } of where) {
          const granted = await admins[tenant]!.mutate('connections.allow', {
            tenantId: tenant,
            environment: env,
            appId: app.id,
            credentialsIssuer: 'tenant_admin',
          });
          const issued = await fetchToken(a.url, env, granted.clientId, granted.clientSecret);
          if (issued.status !== 200) throw new Error(`no token for ${name}: ${issued.status}`);
          parties.push({
            appId: app.id,
            appName: name,
            appKey: app.appKey,
            connectionId: granted.connection.id,
            clientId: granted.clientId,
            clientSecret: granted.clientSecret,
            tenant,
            env,
            token: issued.body.access_token,
          });
        }
        return parties;
      },
      logs: () => [a, b].map((instance) => `--- instance ${instance.name}\n${instance.output()}`).join('\n'),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
