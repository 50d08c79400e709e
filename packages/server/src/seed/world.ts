import { type Environment, type NewAppInput, newAppSchema } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { loadSessionUser, type SessionUser } from '../auth/sessions';
import { User } from '../db/entities';
import type { Database } from '../db/orm';
import { createApp, resubmitApp, updateAppDetails } from '../services/apps/apps';
import { saveScopes } from '../services/apps/versions';
import { allowApp, declineApp } from '../services/connections/consent';
import { setConnectionStatus, upgradeConnection } from '../services/connections/lifecycle';
import { approveApp, rejectApp } from '../services/review/apps';
import { Timeline } from './timeline';
import { writeTraffic } from './traffic';
import { worldTraffic } from './world-traffic';

const GLENDALE = '985798691';
const SUMMIT = '100200300';

type Developer = SessionUser & { organizationId: string; organizationName: string };

/** The demo users as the services take them, read afresh from the database (see DEMO_USERS). */
async function actors(em: EntityManager) {
  const load = async (email: string) =>
    loadSessionUser(em, await em.findOneOrFail(User, { email }, { populate: ['organization'] }));
  const developer = async (email: string): Promise<Developer> => {
    const user = await load(email);
    if (!user.organizationId || !user.organizationName) throw new Error(`${email} has no organization`);
    return { ...user, organizationId: user.organizationId, organizationName: user.organizationName };
  };
  return {
    dev: await developer('dev@gatehouse.test'),
    dev2: await developer('dev2@gatehouse.test'),
    admin: await load('admin@gatehouse.test'),
    admin2: await load('admin2@gatehouse.test'),
    reviewer: await load('reviewer@gatehouse.test'),
  };
}

/**
 * A believable world for the embedded demo, on top of `seedDemo`'s users: Acme's apps in every state a
 * screen shows (private and connected on both tenants; public, approved, on version 3 with a new version
 * waiting for one tenant; public and waiting for review after a rejection; one connection disabled; one
 * not connected yet), another organization's app one tenant declined, and 30 days of calls. Everything up
 * to the calls goes through the services the portals call, so the audit trail, the change events and the
 * notifications are the ones those actions make, dated over the past weeks (see Timeline); the calls are
 * written in batches as the request log and the usage recorder write them.
 */
export async function seedWorld(db: Database): Promise<void> {
  const em = () => db.em();
  const { dev, dev2, admin, admin2, reviewer } = await actors(em());
  const timeline = new Timeline(db);
  const on = <T>(daysAgo: number, step: () => Promise<T>) => timeline.at(daysAgo, step);
  const create = (daysAgo: number, who: Developer, input: NewAppInput) =>
    on(daysAgo, () => createApp(em(), who, newAppSchema.parse(input)));
  const allow = (
    daysAgo: number,
    who: SessionUser,
    appId: string,
    tenantId: string,
    environment: Environment,
  ) =>
    on(daysAgo, async () => {
      const allowed = await allowApp(em(), who, {
        appId,
        tenantId,
        environment,
        credentialsIssuer: 'tenant_admin',
      });
      return allowed.connection;
    });
  const approve = (daysAgo: number, appId: string, name: string, homePageUrl: string) =>
    on(daysAgo, () => approveApp(em(), reviewer, appId, { name, homePageUrl }));

  // Another organization's public app: Summit connected it long ago, Glendale declined it lately.
  const routeSite = 'https://otherdev.example/route-planner';
  const route = await create(50, dev2, {
    name: 'Route Planner Pro',
    homePageUrl: routeSite,
    tenantIds: [GLENDALE, SUMMIT],
    kind: 'public',
    credentialsMode: 'tenant_admin',
    scopes: ['tn.crm.locations:r', 'tn.settings.technicians:r'],
  });
  await approve(48.2, route.id, 'Route Planner Pro', routeSite);
  const routeSummit = await allow(47.9, admin2, route.id, SUMMIT, 'production');

  // A private app of Acme's that Glendale's admin paused three days ago.
  const warranty = await create(45.3, dev, {
    name: 'Warranty Lookup',
    homePageUrl: 'https://acme-field.example/warranty-lookup',
    tenantIds: [GLENDALE],
    kind: 'private',
    credentialsMode: 'tenant_admin',
    scopes: ['tn.eqs.installedequipment:r', 'tn.crm.customers:r'],
  });
  const warrantyGlendale = await allow(44.8, admin, warranty.id, GLENDALE, 'production');

  // A public app: approved, connected at both tenants on version 1, then two new versions. Glendale
  // upgraded each time; Summit stays on version 1 and sees New Version Available.
  const invoiceSite = 'https://acme-field.example/invoice-sync';
  const invoices = await create(40.4, dev, {
    name: 'Field Invoice Sync',
    homePageUrl: invoiceSite,
    tenantIds: [GLENDALE, SUMMIT],
    kind: 'public',
    credentialsMode: 'tenant_admin',
    scopes: ['tn.acc.invoices:r', 'tn.crm.customers:r'],
  });
  await approve(38.9, invoices.id, 'Field Invoice Sync', invoiceSite);
  const invoicesSummit = await allow(36.7, admin2, invoices.id, SUMMIT, 'production');
  const invoicesGlendale = await allow(34.2, admin, invoices.id, GLENDALE, 'production');

  // A private app, connected on both tenants: the busiest caller.
  const crew = await create(33.5, dev, {
    name: 'Crew Scheduler',
    homePageUrl: 'https://acme-field.example/crew-scheduler',
    tenantIds: [GLENDALE, SUMMIT],
    kind: 'private',
    credentialsMode: 'tenant_admin',
    scopes: [
      'tn.settings.technicians:r',
      'tn.settings.employees:r',
      'tn.crm.customers:r',
      'tn.crm.locations:r',
    ],
  });
  const crewGlendaleSandbox = await allow(33.3, admin, crew.id, GLENDALE, 'integration');
  const crewGlendale = await allow(32.6, admin, crew.id, GLENDALE, 'production');
  const crewSummit = await allow(31.4, admin2, crew.id, SUMMIT, 'production');

  const invoiceScopes = (scopes: string[]) => saveScopes(em(), dev, { appId: invoices.id, scopes });
  const upgrade = (toVersion: number) =>
    upgradeConnection(em(), admin, { connectionId: invoicesGlendale.id, toVersion });
  await on(20.6, () => invoiceScopes(['tn.acc.invoices:r', 'tn.acc.payments:r', 'tn.crm.customers:r']));
  await on(19.8, () => upgrade(2));

  // Glendale has no use for Route Planner Pro.
  await on(10.3, () =>
    declineApp(em(), admin, { appId: route.id, tenantId: GLENDALE, environment: 'production' }),
  );

  // A public app a reviewer sent back once; its developer fixed the home page and resubmitted it.
  const portal = await create(9.2, dev, {
    name: 'Customer Portal Connector',
    homePageUrl: 'https://acme-field.example',
    tenantIds: [GLENDALE],
    kind: 'public',
    credentialsMode: 'tenant_admin',
    scopes: ['tn.crm.customers:r', 'tn.crm.bookings:w', 'tn.crm.locations:r'],
  });
  await on(8.1, () =>
    rejectApp(
      em(),
      reviewer,
      portal.id,
      "The home page is the company's front page: link a page that describes this app, then resubmit.",
    ),
  );

  await on(6.4, () =>
    invoiceScopes(['tn.acc.invoices:r', 'tn.acc.invoices:w', 'tn.crm.customers:r', 'tn.crm.locations:r']),
  );
  await on(5.7, () => upgrade(3));
  await on(3.2, () => setConnectionStatus(em(), admin, warrantyGlendale.id, 'disable'));

  await on(2.3, async () => {
    await updateAppDetails(em(), dev, {
      appId: portal.id,
      name: 'Customer Portal Connector',
      homePageUrl: 'https://acme-field.example/customer-portal',
      kind: 'public',
      credentialsMode: 'tenant_admin',
    });
    await resubmitApp(em(), dev, portal.id);
  });

  // A private app Summit has not connected yet: it waits in Connect New App.
  await create(0.9, dev, {
    name: 'Tech Timesheets',
    homePageUrl: 'https://acme-field.example/timesheets',
    tenantIds: [SUMMIT],
    kind: 'private',
    credentialsMode: 'developer',
    scopes: ['tn.settings.technicians:r', 'tn.payroll.timesheets:r'],
  });

  await writeTraffic(
    db,
    worldTraffic({
      crewGlendale,
      crewGlendaleSandbox,
      crewSummit,
      invoicesGlendale,
      invoicesSummit,
      warrantyGlendale,
      routeSummit,
    }),
  );
}
