/**
 * How big the scale benchmark's databases are, and the names the runner
 * finds its way by: the big database of issue 15 and the small one it is
 * compared with, planned alike (scale-model.ts).
 */

export interface ScaleSizes {
  /** Apps of the demo developer's organization, Acme Field Apps. */
  apps: number;
  /** Public apps waiting for review (the review queue); a third of them were approved before. */
  pendingApps: number;
  rejectedApps: number;
  deletedApps: number;
  /** Tenants besides the two of the demo data. */
  otherTenants: number;
  /** Connections of the demo admin's tenant, per environment. */
  demoTenantConnections: number;
  /** Apps listing the demo admin's tenant without a connection: what Connect New App offers. */
  demoTenantUnconnected: number;
  /** Other tenants the busy app is connected to, in both environments. */
  busyAppTenants: number;
  /** Listings of other tenants that no connection needs. */
  extraListings: number;
  /** All connections. */
  connections: number;
  /** Tenants with usage of the busy app (the demo tenant among them), 35 days of it. */
  busyUsageTenants: number;
  /** Connections of other apps with a little usage. */
  lightUsagePairs: number;
  auditEvents: number;
  /** Developers of the organization and tenant admins besides the demo users: the audit trail's actors. */
  extraDevelopers: number;
  extraAdmins: number;
}

export const BIG_SIZES: ScaleSizes = {
  apps: 10_000,
  pendingApps: 300,
  rejectedApps: 150,
  deletedApps: 100,
  otherTenants: 12_000,
  demoTenantConnections: 3_000,
  demoTenantUnconnected: 1_200,
  busyAppTenants: 1_500,
  extraListings: 5_000,
  connections: 100_000,
  busyUsageTenants: 300,
  lightUsagePairs: 2_000,
  auditEvents: 1_000_000,
  extraDevelopers: 10,
  extraAdmins: 20,
};

/** Demo data and a handful of each, in the same shape. */
export const SMALL_SIZES: ScaleSizes = {
  apps: 12,
  pendingApps: 2,
  rejectedApps: 1,
  deletedApps: 1,
  otherTenants: 6,
  demoTenantConnections: 3,
  demoTenantUnconnected: 2,
  busyAppTenants: 3,
  extraListings: 3,
  connections: 24,
  busyUsageTenants: 2,
  lightUsagePairs: 4,
  auditEvents: 300,
  extraDevelopers: 2,
  extraAdmins: 3,
};

export const DEMO_TENANT = '985798691';
/** The app the runner reads in detail: widely connected, five versions, busy in the usage report. */
export const BUSY_APP_NAME = 'Dispatch Sync 0000';
/** Matches one app in a hundred. */
export const SEARCH_TERM = 'Dispatch Sync';
export const DAY_MS = 86_400_000;
