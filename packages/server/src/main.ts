import { migrate, openDatabase, pendingMigrations } from './db/orm';
import { readEnv } from './env';
import { readGatewayConfig } from './gateway/config';
import { buildServer } from './http/server';
import { stopOnSignals } from './ops/shutdown';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from './seed/demo';
import { seedWorld } from './seed/world';

const env = readEnv();
// A gateway configuration that does not hold up stops the start here, before the database is touched.
let gateway: ReturnType<typeof readGatewayConfig>;
try {
  gateway = readGatewayConfig({ upstreams: env.GATEHOUSE_UPSTREAMS, file: env.GATEHOUSE_GATEWAY_CONFIG });
} catch (error) {
  console.error(`Gatehouse will not start: ${(error as Error).message}`);
  process.exit(1);
}
const db = await openDatabase(env.DATABASE_URL);
// The embedded demo brings itself up to date and seeds itself, so that `npm start` is all a newcomer
// runs. Anywhere else the schema changes only through `migrate`, run once before the instances start.
const demo = db.dialect === 'sqlite' && env.NODE_ENV !== 'production';
if (demo) {
  await migrate(db);
  // On the first start only: the demo's apps, connections and 30 days of calls, so that every screen shows what it is for.
  if (await seedDemo(db.em())) await seedWorld(db);
} else {
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    await db.close();
    console.error(
      [
        `Gatehouse will not start: the database lacks ${pending.length} migration(s) (${pending.join(', ')}).`,
        'Apply them with the same DATABASE_URL first: `node dist/migrate.js` in packages/server',
        '(or `npx -y pnpm@12.4.2 --filter @gatehouse/server run migrate`), then start again.',
      ].join('\n'),
    );
    process.exit(1);
  }
}

// The issuer tokens name: configuration, else the URL printed below (on port 0, the one the server gets).
const publicUrl = env.PUBLIC_URL ?? (env.PORT ? `http://localhost:${env.PORT}` : undefined);
const server = await buildServer({
  db,
  logLevel: env.LOG_LEVEL,
  secureCookies: (env.PUBLIC_URL ?? '').startsWith('https://'),
  ...(publicUrl ? { publicUrl } : {}),
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  ...(env.TRUST_PROXY !== undefined ? { trustProxy: env.TRUST_PROXY } : {}),
  // Mutations from the portals must come from the public origin, whatever Host a proxy passes on.
  ...(env.PUBLIC_URL ? { portalOrigin: new URL(env.PUBLIC_URL).origin } : {}),
  ...(env.METRICS_PORT !== undefined ? { metricsAt: { host: env.HOST, port: env.METRICS_PORT } } : {}),
  accessLog: env.ACCESS_LOG,
  gateway,
  requestLog: { retentionDays: env.REQUEST_LOG_DAYS },
  // Webhook endpoints on this machine (`http://localhost:…`) are for the embedded demo only.
  webhooks: { allowLoopback: demo },
});
stopOnSignals(server, { timeoutMs: env.SHUTDOWN_TIMEOUT_MS, finish: () => db.close() });
await server.listen({ port: env.PORT, host: env.HOST });
// The base tokens are issued under, so that what is printed is what clients must use.
const url = server.runtime.state.issuer.base;

const lines = [
  '',
  `Gatehouse is running on ${db.dialect === 'sqlite' ? 'the embedded database' : 'PostgreSQL'}.`,
  `  Developer portal  ${url}/`,
  `  Admin console     ${url}/admin/`,
];
for (const upstream of gateway.upstreams.values())
  lines.push(`  Gateway           /{env}/api/${upstream.area.path}/… → ${upstream.url}`);
if (server.runtime.metrics.url) lines.push(`  Metrics           ${server.runtime.metrics.url}/metrics`);
if (demo) {
  lines.push('', `Demo logins (password for all: ${DEMO_PASSWORD}):`);
  for (const user of DEMO_USERS) lines.push(`  ${user.email.padEnd(26)} ${user.role}`);
}
// A fleet (Redis) or HTTPS usually means a proxy in front: without TRUST_PROXY every client would share the
// proxy's address, and one sender's failures would hold everybody back.
if (env.TRUST_PROXY === undefined && (env.REDIS_URL || (env.PUBLIC_URL ?? '').startsWith('https://'))) {
  lines.push(
    '',
    'Warning: TRUST_PROXY is not set. Behind a proxy or load balancer, set it to the proxy hop count or',
    '  addresses, or the per-address limits will count every client as the proxy.',
  );
}
lines.push('', 'Press Ctrl+C to stop.', '');
console.log(lines.join('\n'));
