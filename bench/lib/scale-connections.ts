/**
 * The scale benchmark's connections, listings and usage, planned in memory:
 * the demo admin's tenant with its thousands of connections per environment
 * and more listings than connections, the busy app connected far and wide,
 * and the rest spread over the other tenants, popular apps more often. Every
 * connected app lists its tenant; statuses and versions are mixed as
 * tenants leave them.
 */
import { type People, type PlannedApp, shuffled, token } from './scale-model';
import { DAY_MS, DEMO_TENANT, type ScaleSizes } from './scale-sizes';

export type Environment = 'integration' | 'production';

export interface PlannedConnection {
  id: string;
  app: PlannedApp;
  tenantId: string;
  environment: Environment;
  status: 'connected' | 'disabled' | 'declined';
  acceptedVersion: number | null;
  declinedVersion: number | null;
  clientId: string | null;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
  lastTokenAt: number | null;
  lastCallAt: number | null;
}

export interface Listing {
  app: PlannedApp;
  tenantId: string;
  addedAt: number;
}

export interface ConnectionPlan {
  connections: PlannedConnection[];
  listings: Map<string, Listing>;
}

/** Who changes a tenant's connections: the demo admin for the demo tenant, an extra admin for the others. */
export const adminOf = (people: People, tenantId: string) =>
  tenantId === DEMO_TENANT ? people.admin : people.admins[Number(tenantId) % people.admins.length]!;

export function planConnections(
  sizes: ScaleSizes,
  apps: PlannedApp[],
  tenantIds: string[],
  people: People,
  now: number,
  random: () => number,
): ConnectionPlan {
  const listings = new Map<string, Listing>();
  const connections: PlannedConnection[] = [];
  const taken = new Set<string>();

  const list = (app: PlannedApp, tenantId: string): Listing => {
    const key = `${app.index}|${tenantId}`;
    let listing = listings.get(key);
    if (!listing) {
      const from = app.firstApprovedAt ?? app.createdAt;
      listing = { app, tenantId, addedAt: from + random() * (now - from) * 0.5 };
      listings.set(key, listing);
    }
    return listing;
  };

  const connect = (app: PlannedApp, tenantId: string, environment: Environment, connected = false) => {
    const key = `${app.index}|${tenantId}|${environment}`;
    if (taken.has(key) || connections.length >= sizes.connections) return false;
    taken.add(key);
    const listing = list(app, tenantId);
    const draw = random();
    const status = connected || draw < 0.85 ? 'connected' : draw < 0.95 ? 'disabled' : 'declined';
    const latest = app.versions.length;
    const accepted =
      status === 'declined'
        ? null
        : latest > 1 && random() < 0.25
          ? 1 + Math.floor(random() * (latest - 1))
          : latest;
    const createdAt = listing.addedAt + random() * (now - listing.addedAt);
    const used = status === 'connected' && random() < 0.6;
    connections.push({
      id: crypto.randomUUID(),
      app,
      tenantId,
      environment,
      status,
      acceptedVersion: accepted,
      declinedVersion: accepted !== null && accepted < latest && random() < 0.3 ? latest : null,
      clientId: accepted === null ? null : token('ghc_', 16),
      createdAt,
      updatedAt: createdAt + random() * (now - createdAt) * 0.5,
      updatedBy: adminOf(people, tenantId).id,
      lastTokenAt: used ? now - random() * 30 * DAY_MS : null,
      lastCallAt: used ? now - random() * 30 * DAY_MS : null,
    });
    return true;
  };

  const busy = apps[0]!;
  const connectable = shuffled(
    apps.filter((app) => app.connectable && app !== busy),
    random,
  );

  // The demo tenant: the busy app and thousands more in integration; most of them and some others in production.
  const integration = [busy, ...connectable.slice(0, sizes.demoTenantConnections - 1)];
  for (const app of integration) connect(app, DEMO_TENANT, 'integration', app === busy);
  const kept = integration.slice(0, Math.round(sizes.demoTenantConnections * 0.8));
  const more = connectable.slice(
    integration.length - 1,
    integration.length - 1 + (sizes.demoTenantConnections - kept.length),
  );
  for (const app of [...kept, ...more]) connect(app, DEMO_TENANT, 'production', app === busy);
  // Listed, never connected: Connect New App's offer, and a few it must not show (never approved).
  const offeredFrom = integration.length - 1 + more.length;
  for (const app of connectable.slice(offeredFrom, offeredFrom + sizes.demoTenantUnconnected))
    list(app, DEMO_TENANT);
  const hidden = apps.filter((app) => !app.connectable && app.deletedAt === null);
  for (const app of hidden.slice(0, Math.ceil(sizes.demoTenantUnconnected / 10))) list(app, DEMO_TENANT);

  // The busy app, far and wide, in both environments.
  for (const tenantId of tenantIds.slice(0, sizes.busyAppTenants)) {
    connect(busy, tenantId, 'integration', true);
    connect(busy, tenantId, 'production');
  }

  // The rest over the other tenants in turn, popular apps (the start of the shuffled list) more often.
  const pick = () => connectable[Math.floor(connectable.length * random() ** 2)]!;
  for (let round = 0; connections.length < sizes.connections && round < 1000; round++)
    for (const tenantId of tenantIds) {
      if (connections.length >= sizes.connections) break;
      const app = pick();
      if (connect(app, tenantId, 'integration') && random() < 0.5) connect(app, tenantId, 'production');
    }
  for (let i = 0; i < sizes.extraListings; i++)
    list(pick(), tenantIds[Math.floor(random() * tenantIds.length)]!);
  return { connections, listings };
}

export interface UsageRow {
  day: string;
  appId: string;
  tenantId: string;
  environment: Environment;
  endpoint: string;
  outcome: '2xx' | '4xx' | '429' | '5xx';
  calls: number;
}

const ENDPOINTS = [
  'GET /crm/v2/tenant/{tenant}/customers',
  'GET /crm/v2/tenant/{tenant}/customers/{id}',
  'GET /jpm/v2/tenant/{tenant}/jobs',
  'POST /crm/v2/tenant/{tenant}/customers',
  'GET /dispatch/v2/tenant/{tenant}/zones',
  'GET /accounting/v2/tenant/{tenant}/invoices',
];
/** Days of usage written: the report's 30 and a few before them. */
const USAGE_DAYS = 35;

/**
 * The busy app's usage on every day, endpoint and outcome for its busiest tenants (production, and
 * integration for a third of them), and a few days of one endpoint for some other connections.
 */
export function* planUsage(
  sizes: ScaleSizes,
  plan: ConnectionPlan,
  now: number,
  random: () => number,
): Generator<UsageRow> {
  const days = Array.from({ length: USAGE_DAYS }, (_, i) =>
    new Date(now - i * DAY_MS).toISOString().slice(0, 10),
  );
  const busy = plan.connections.filter((c) => c.app.index === 0 && c.acceptedVersion !== null);
  const busyTenants = [...new Set(busy.map((c) => c.tenantId))].slice(0, sizes.busyUsageTenants);
  for (const [t, tenantId] of busyTenants.entries()) {
    const environments: Environment[] = t % 3 === 0 ? ['production', 'integration'] : ['production'];
    for (const environment of environments)
      for (const day of days)
        for (const endpoint of ENDPOINTS.slice(0, 4)) {
          const base = { day, appId: busy[0]!.app.id, tenantId, environment, endpoint };
          yield { ...base, outcome: '2xx', calls: 50 + Math.floor(random() * 5000) };
          if (random() < 0.3) yield { ...base, outcome: '4xx', calls: 1 + Math.floor(random() * 50) };
          if (random() < 0.1) yield { ...base, outcome: '429', calls: 1 + Math.floor(random() * 200) };
          if (random() < 0.03) yield { ...base, outcome: '5xx', calls: 1 + Math.floor(random() * 5) };
        }
  }
  const others = plan.connections.filter((c) => c.app.index !== 0 && c.status === 'connected');
  for (const connection of shuffled(others, random).slice(0, sizes.lightUsagePairs)) {
    const endpoint = ENDPOINTS[connection.app.index % ENDPOINTS.length]!;
    for (const day of shuffled(days, random).slice(0, 10))
      yield {
        day,
        appId: connection.app.id,
        tenantId: connection.tenantId,
        environment: connection.environment,
        endpoint,
        outcome: '2xx',
        calls: 1 + Math.floor(random() * 500),
      };
  }
}
