/**
 * The scale benchmark's audit trail: events spread evenly over the last
 * year, oldest first as they would have been written, over the
 * organization's apps (older and busier apps more often), its tenants'
 * connections and a few dozen actors, with before and after as the product
 * records them. Generated one at a time: a million never sit in memory.
 */
import { adminOf, type ConnectionPlan } from './scale-connections';
import { type People, type PlannedApp, token } from './scale-model';
import { DAY_MS, DEMO_TENANT, type ScaleSizes } from './scale-sizes';

export interface AuditRow {
  id: string;
  at: number;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  organizationId: string | null;
  appId: string | null;
  tenantId: string | null;
  before: unknown;
  after: unknown;
}

type Kind = 'connection' | 'app' | 'review' | 'account';

/** Actions and how many of every thousand events are of each. */
const ACTIONS: [string, Kind, number][] = [
  ['connection.allowed', 'connection', 120],
  ['connection.secret_created', 'connection', 100],
  ['connection.secret_rotated', 'connection', 60],
  ['connection.secret_generated', 'connection', 30],
  ['connection.secret_revoked', 'connection', 20],
  ['connection.upgraded', 'connection', 50],
  ['connection.upgrade_declined', 'connection', 10],
  ['connection.disabled', 'connection', 40],
  ['connection.restored', 'connection', 30],
  ['connection.declined', 'connection', 20],
  ['token.revoked', 'connection', 20],
  ['app.details_changed', 'app', 140],
  ['app.version_created', 'app', 100],
  ['app.tenant_added', 'app', 120],
  ['app.tenant_removed', 'app', 20],
  ['app.created', 'app', 30],
  ['app.resubmitted', 'app', 8],
  ['app.deleted', 'app', 2],
  ['app.approved', 'review', 40],
  ['app.rejected', 'review', 10],
  ['access_request.created', 'account', 10],
  ['access_request.approved', 'account', 6],
  ['access_request.rejected', 'account', 4],
  ['user.password_set', 'account', 10],
];
const TABLE: [string, Kind][] = ACTIONS.flatMap(([action, kind, share]) =>
  Array.from({ length: share }, () => [action, kind] as [string, Kind]),
);

export function* planAudit(
  sizes: ScaleSizes,
  apps: PlannedApp[],
  plan: ConnectionPlan,
  tenantIds: string[],
  people: People,
  now: number,
  random: () => number,
): Generator<AuditRow> {
  const start = now - 365 * DAY_MS;
  const step = (365 * DAY_MS) / sizes.auditEvents;
  const live = apps.filter((app) => app.deletedAt === null);
  // One app event in fifty is the busy app's, so that its own trail runs to many pages.
  const pickApp = () => (random() < 0.02 ? apps[0]! : live[Math.floor(live.length * random() ** 1.5)]!);
  const pickConnection = () => plan.connections[Math.floor(random() * plan.connections.length)]!;
  const demo = plan.connections.filter((c) => c.tenantId === DEMO_TENANT);
  const accounts = [people.developer, people.admin, ...people.developers, ...people.admins];
  for (let k = 0; k < sizes.auditEvents; k++) {
    const [action, kind] = TABLE[Math.floor(random() * TABLE.length)]!;
    const row: AuditRow = {
      id: crypto.randomUUID(),
      at: start + (k + random()) * step,
      actorId: null,
      actorEmail: null,
      action,
      organizationId: null,
      appId: null,
      tenantId: null,
      before: null,
      after: null,
    };
    const by = (actor: { id: string; email: string }) => {
      row.actorId = actor.id;
      row.actorEmail = actor.email;
    };
    if (kind === 'connection') {
      // One in ten of the tenants' events is the demo tenant's.
      const connection =
        random() < 0.1 && demo.length > 0 ? demo[Math.floor(random() * demo.length)]! : pickConnection();
      by(adminOf(people, connection.tenantId));
      row.organizationId = people.organizationId;
      row.appId = connection.app.id;
      row.tenantId = connection.tenantId;
      const base = { connectionId: connection.id, environment: connection.environment };
      const version = connection.acceptedVersion ?? 1;
      if (action === 'connection.allowed')
        row.after = { ...base, status: 'connected', acceptedVersion: version, clientId: connection.clientId };
      else if (action === 'connection.upgraded')
        [row.before, row.after] = [
          { acceptedVersion: Math.max(1, version - 1) },
          { ...base, acceptedVersion: version },
        ];
      else if (action === 'connection.disabled' || action === 'connection.restored')
        [row.before, row.after] = [
          { status: action === 'connection.disabled' ? 'connected' : 'disabled' },
          { ...base, status: action === 'connection.disabled' ? 'disabled' : 'connected' },
        ];
      else if (action.startsWith('connection.secret'))
        row.after = { ...base, secretId: crypto.randomUUID(), secretStart: token('ghcs_', 5) };
      else row.after = base;
    } else if (kind === 'app' || kind === 'review') {
      const app = pickApp();
      by(
        kind === 'review'
          ? people.reviewer
          : random() < 0.45
            ? people.developer
            : people.developers[k % people.developers.length]!,
      );
      row.organizationId = people.organizationId;
      row.appId = app.id;
      const identity = {
        name: app.name,
        homePageUrl: app.homePageUrl,
        kind: app.kind,
        credentialsMode: app.credentialsMode,
      };
      const version = 1 + Math.floor(random() * app.versions.length);
      if (action === 'app.details_changed')
        [row.before, row.after] = [identity, { ...identity, reviewStatus: app.reviewStatus, review: 'none' }];
      else if (action === 'app.version_created')
        [row.before, row.after] = [
          { version: Math.max(1, version - 1), scopes: app.versions[Math.max(0, version - 2)] },
          { version, scopes: app.versions[version - 1] },
        ];
      else if (action === 'app.tenant_added' || action === 'app.tenant_removed') {
        row.tenantId = tenantIds[Math.floor(random() * tenantIds.length)]!;
        row.after = { tenantId: row.tenantId };
      } else if (action === 'app.created')
        row.after = { ...identity, scopes: app.versions[0], organizationName: 'Acme Field Apps', version: 1 };
      else [row.before, row.after] = [{ reviewStatus: 'pending' }, { reviewStatus: action.slice(4) }];
    } else {
      const who = accounts[Math.floor(random() * accounts.length)]!;
      if (action === 'access_request.created')
        row.after = { email: `applicant${k}@example.test`, role: 'developer' };
      else if (action === 'user.password_set') {
        by(who);
        row.after = { userId: who.id };
      } else {
        by(people.reviewer);
        row.after = { email: `applicant${k}@example.test`, status: action.slice(15) };
      }
    }
    yield row;
  }
}
