/**
 * Fills a migrated database for the scale benchmark: the demo data first (so
 * the demo logins work), then the planned rows table by table in bulk
 * (bulk.ts). The same plan at two sizes gives the big database and the small
 * one it is compared with.
 */
import { Organization, User } from '@gatehouse/server/db/entities';
import type { Database } from '@gatehouse/server/db/orm';
import { seedDemo } from '@gatehouse/server/seed/demo';
import { BulkWriter, type Columns, type Row } from './bulk';
import { planAudit } from './scale-audit';
import { adminOf, planConnections, planUsage } from './scale-connections';
import { type Actor, planApps, planPeople, planTenants, randomSource } from './scale-model';
import { DAY_MS, type ScaleSizes } from './scale-sizes';

export interface SeedReport {
  /** When the data was planned: the audit trail's year and the usage's days end here (epoch ms). */
  seededAt: number;
  seconds: number;
  /** Seconds per table, in the order written. */
  tables: { table: string; rows: number; seconds: number }[];
}

/** Never accepted as a password: the extra people only appear in the data, nobody signs in as them. */
const NO_PASSWORD = 'disabled';

async function demoPeople(db: Database) {
  const em = db.em();
  const actor = async (email: string): Promise<Actor> => {
    const user = await em.findOneOrFail(User, { email });
    return { id: user.id, email };
  };
  return {
    organizationId: (await em.findOneOrFail(Organization, { name: 'Acme Field Apps' })).id,
    developer: await actor('dev@gatehouse.test'),
    admin: await actor('admin@gatehouse.test'),
    reviewer: await actor('reviewer@gatehouse.test'),
  };
}

export async function seedScale(
  db: Database,
  sizes: ScaleSizes,
  log: (line: string) => void = () => {},
): Promise<SeedReport> {
  const began = performance.now();
  await seedDemo(db.em());
  const now = Date.now();
  const random = randomSource(15);
  const people = planPeople(sizes, await demoPeople(db));
  const tenants = planTenants(sizes);
  const tenantIds = tenants.map((t) => t.id);
  const apps = planApps(sizes, people, now, random);
  const plan = planConnections(sizes, apps, tenantIds, people, now, random);
  const w = new BulkWriter(db);
  const tables: SeedReport['tables'] = [];
  const write = async (table: string, columns: Columns, rows: Iterable<Row>, bare = false) => {
    const started = performance.now();
    const insert = () => w.insert(table, columns, rows);
    const count = bare ? await insert() : await w.withoutIndexes(table, insert);
    const seconds = (performance.now() - started) / 1000;
    tables.push({ table, rows: count, seconds });
    log(`${table}: ${count.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`);
  };
  const id = () => crypto.randomUUID();
  const text = (...names: string[]) => names.map((name) => [name, 'text'] as const);

  await write(
    'app_user',
    [
      ...text('id', 'email', 'name', 'password_hash', 'organization_id'),
      ['is_reviewer', 'bool'],
      ['created_at', 'date'],
    ],
    people.extra.map((p) => [
      p.id,
      p.email,
      p.email.split('@')[0],
      NO_PASSWORD,
      people.developers.includes(p) ? people.organizationId : null,
      false,
      now - 800 * DAY_MS,
    ]),
    true,
  );
  await write(
    'tenant',
    text('id', 'name'),
    tenants.map((t) => [t.id, t.name]),
    true,
  );
  await write(
    'tenant_admin',
    text('id', 'user_id', 'tenant_id'),
    tenantIds.map((t) => [id(), adminOf(people, t).id, t]),
  );
  await write(
    'app',
    [
      ...text(
        'id',
        'organization_id',
        'name',
        'home_page_url',
        'listed_name',
        'listed_home_page_url',
        'kind',
      ),
      ...text('credentials_mode', 'review_status', 'review_reason'),
      ['submitted_at', 'date'],
      ['reviewed_at', 'date'],
      ['reviewed_by_id', 'text'],
      ['first_approved_at', 'date'],
      ['app_key', 'text'],
      ['latest_version', 'int'],
      ['revision', 'int'],
      ['created_by_id', 'text'],
      ['created_at', 'date'],
      ['updated_at', 'date'],
      ['deleted_at', 'date'],
    ],
    apps.map((a) => [
      a.id,
      people.organizationId,
      a.name,
      a.homePageUrl,
      a.listed ? a.name : null,
      a.listed ? a.homePageUrl : null,
      a.kind,
      a.credentialsMode,
      a.reviewStatus,
      a.reviewReason,
      a.submittedAt,
      a.reviewedAt,
      a.reviewedAt === null ? null : people.reviewer.id,
      a.firstApprovedAt,
      a.appKey,
      a.versions.length,
      a.versions.length,
      a.createdBy.id,
      a.createdAt,
      a.updatedAt,
      a.deletedAt,
    ]),
  );
  await write(
    'app_version',
    [
      ...text('id', 'app_id'),
      ['number', 'int'],
      ['scopes', 'json'],
      ['created_by_id', 'text'],
      ['created_at', 'date'],
    ],
    apps.flatMap((a) =>
      a.versions.map((scopes, v) => [id(), a.id, v + 1, scopes, a.createdBy.id, a.versionTimes[v]]),
    ),
  );
  await write(
    'app_tenant',
    [...text('id', 'app_id', 'tenant_id'), ['added_at', 'date']],
    [...plan.listings.values()].map((l) => [id(), l.app.id, l.tenantId, l.addedAt]),
  );
  await write(
    'connection',
    [
      ...text('id', 'app_id', 'tenant_id', 'environment', 'status'),
      ['accepted_version', 'int'],
      ['declined_version', 'int'],
      ...text('client_id', 'credentials_issuer'),
      ['revision', 'int'],
      ['created_at', 'date'],
      ['updated_at', 'date'],
      ['updated_by_id', 'text'],
      ['last_token_at', 'date'],
      ['last_call_at', 'date'],
    ],
    plan.connections.map((c) => [
      c.id,
      c.app.id,
      c.tenantId,
      c.environment,
      c.status,
      c.acceptedVersion,
      c.declinedVersion,
      c.clientId,
      c.app.credentialsMode,
      1,
      c.createdAt,
      c.updatedAt,
      c.updatedBy,
      c.lastTokenAt,
      c.lastCallAt,
    ]),
  );
  const usage = planUsage(sizes, plan, now, random);
  await write(
    'usage_daily',
    [...text('id', 'day', 'app_id', 'tenant_id', 'environment', 'endpoint', 'outcome'), ['calls', 'int']],
    (function* () {
      for (const u of usage)
        yield [id(), u.day, u.appId, u.tenantId, u.environment, u.endpoint, u.outcome, u.calls];
    })(),
  );
  await rollUpUsage(db, tables, log);
  const audit = planAudit(sizes, apps, plan, tenantIds, people, now, random);
  await write(
    'audit_event',
    [
      ['id', 'text'],
      ['at', 'date'],
      ...text('actor_id', 'actor_email', 'action', 'organization_id', 'app_id', 'tenant_id'),
      ['before', 'json'],
      ['after', 'json'],
    ],
    (function* () {
      for (const e of audit)
        yield [
          e.id,
          e.at,
          e.actorId,
          e.actorEmail,
          e.action,
          e.organizationId,
          e.appId,
          e.tenantId,
          e.before,
          e.after,
        ];
    })(),
  );
  if (db.dialect === 'postgresql') {
    // What autovacuum would do within minutes of such a load: statistics for the planner, and the visibility map.
    const started = performance.now();
    await db.em().getConnection().execute('vacuum analyze');
    log(`vacuum analyze in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { seededAt: now, seconds: (performance.now() - began) / 1000, tables };
}

/** The apps' daily calls without the tenant, as every flush of the usage recorder adds them up (usage_app_daily). */
async function rollUpUsage(db: Database, tables: SeedReport['tables'], log: (line: string) => void) {
  const started = performance.now();
  const columns = 'app_id, day, environment, endpoint, outcome';
  const rows = await db
    .em()
    .getConnection()
    .execute(
      `insert into usage_app_daily (${columns}, calls) select ${columns}, sum(calls) from usage_daily group by ${columns}`,
      [],
      'run',
    );
  const count = Number((rows as { affectedRows?: number }).affectedRows ?? 0);
  const seconds = (performance.now() - started) / 1000;
  tables.push({ table: 'usage_app_daily', rows: count, seconds });
  log(`usage_app_daily: ${count.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`);
}
