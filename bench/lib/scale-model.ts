/**
 * What the scale benchmark's databases hold, planned in memory before a row
 * is written (at the sizes of scale-sizes.ts): the apps of one organization
 * with their versions, the tenants, and who may be counted on as an actor. Connections, listings and usage are planned in
 * scale-connections.ts, audit events in scale-audit.ts.
 */
import { randomBytes } from 'node:crypto';
import { DAY_MS, type ScaleSizes } from './scale-sizes';

const FIRST = [
  'Dispatch',
  'Field',
  'Route',
  'Invoice',
  'Fleet',
  'Crew',
  'Estimate',
  'Service',
  'Parts',
  'Job',
];
const SECOND = [
  'Sync',
  'Board',
  'Tracker',
  'Planner',
  'Bridge',
  'Connector',
  'Hub',
  'Insights',
  'Assistant',
  'Pilot',
];
export const appName = (index: number) =>
  `${FIRST[index % 10]} ${SECOND[Math.floor(index / 10) % 10]} ${String(index).padStart(4, '0')}`;

/** Scopes in catalog order, as the product stores them (normalizeScopes). */
const SCOPES = [
  'tn.acc.invoices:r',
  'tn.acc.invoices:w',
  'tn.acc.payments:r',
  'tn.crm.leads:r',
  'tn.crm.customers:r',
  'tn.crm.customers:w',
  'tn.crm.locations:r',
  'tn.crm.bookings:r',
  'tn.crm.contacts:r',
  'tn.dispatch.technicianshifts:r',
  'tn.dispatch.zones:r',
  'tn.jpm.jobs:r',
  'tn.jpm.jobs:w',
  'tn.jpm.appointments:r',
  'tn.pricebook.services:r',
  'tn.pricebook.materials:r',
  'tn.settings.employees:r',
  'tn.settings.technicians:r',
];

/** mulberry32: the same shape of data on every run (ids and keys stay random). */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let pool = Buffer.alloc(0);
let used = 0;
/** A random key as the product makes them (`ghak_…`, `ghc_…`): bytes taken from a pool, not a system call each. */
export function token(prefix: string, bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(1 << 20);
    used = 0;
  }
  used += bytes;
  return prefix + pool.subarray(used - bytes, used).toString('base64url');
}

export interface Actor {
  id: string;
  email: string;
}

/** The people of the data: the demo users (read from the database) and the extra ones planned here. */
export interface People {
  organizationId: string;
  developer: Actor;
  admin: Actor;
  reviewer: Actor;
  developers: Actor[];
  /** Tenant admins of the other tenants: tenant i has admins[i % admins.length]. */
  admins: Actor[];
}

export interface PlannedApp {
  index: number;
  id: string;
  name: string;
  homePageUrl: string;
  kind: 'public' | 'private';
  credentialsMode: 'tenant_admin' | 'developer';
  reviewStatus: 'not_required' | 'pending' | 'approved' | 'rejected';
  reviewReason: string | null;
  submittedAt: number | null;
  reviewedAt: number | null;
  firstApprovedAt: number | null;
  listed: boolean;
  appKey: string;
  /** Scopes of each version, version 1 first. */
  versions: string[][];
  versionTimes: number[];
  createdBy: Actor;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  /** A tenant may see it (isVisibleToTenant): live, and private or approved once. */
  connectable: boolean;
}

const VERSION_WEIGHTS = [0.4, 0.65, 0.8, 0.9, 1];

/** The organization's apps, oldest first over the last two years; app 0 is the busy one. */
export function planApps(sizes: ScaleSizes, people: People, now: number, random: () => number): PlannedApp[] {
  const others = shuffled(
    Array.from({ length: sizes.apps - 1 }, (_, i) => i + 1),
    random,
  );
  const pending = new Set(others.slice(0, sizes.pendingApps));
  const rejected = new Set(others.slice(sizes.pendingApps, sizes.pendingApps + sizes.rejectedApps));
  const deletedFrom = sizes.pendingApps + sizes.rejectedApps;
  const deleted = new Set(others.slice(deletedFrom, deletedFrom + sizes.deletedApps));
  const start = now - 730 * DAY_MS;
  const step = (729 * DAY_MS) / sizes.apps;
  return Array.from({ length: sizes.apps }, (_, index): PlannedApp => {
    const name = appName(index);
    const createdAt = start + index * step + random() * step;
    const busy = index === 0;
    const kind = busy || pending.has(index) || rejected.has(index) || random() < 0.35 ? 'public' : 'private';
    const reviewStatus =
      kind === 'private'
        ? 'not_required'
        : pending.has(index)
          ? 'pending'
          : rejected.has(index)
            ? 'rejected'
            : 'approved';
    const approvedBefore = reviewStatus === 'pending' && random() < 0.33;
    const submittedAt =
      kind === 'private'
        ? null
        : reviewStatus === 'pending'
          ? Math.max(createdAt + 3_600_000, now - random() * 90 * DAY_MS)
          : createdAt + 3_600_000;
    const reviewedAt =
      reviewStatus === 'approved' || reviewStatus === 'rejected'
        ? Math.min(submittedAt! + DAY_MS, now - 60_000)
        : approvedBefore
          ? createdAt + 2 * DAY_MS
          : null;
    const firstApprovedAt = reviewStatus === 'approved' || approvedBefore ? reviewedAt : null;
    const draw = random();
    const latest = busy ? 5 : VERSION_WEIGHTS.findIndex((w) => draw < w) + 1;
    const offset = Math.floor(random() * SCOPES.length);
    const versions = Array.from({ length: latest }, (_, v) =>
      Array.from({ length: v + 2 }, (_, j) => (offset + j * 3) % SCOPES.length)
        .sort((a, b) => a - b)
        .map((s) => SCOPES[s]!),
    );
    const versionTimes = versions.map((_, v) => createdAt + ((now - createdAt) * v) / (latest + 1));
    const deletedAt = deleted.has(index) ? Math.max(createdAt, now - random() * 30 * DAY_MS) : null;
    return {
      index,
      id: crypto.randomUUID(),
      name,
      homePageUrl: `https://apps.acme-field.test/${name.toLowerCase().replaceAll(' ', '-')}`,
      kind,
      credentialsMode: random() < 0.2 ? 'developer' : 'tenant_admin',
      reviewStatus,
      reviewReason: reviewStatus === 'rejected' ? 'The home page does not say what the app does.' : null,
      submittedAt,
      reviewedAt,
      firstApprovedAt,
      listed: kind === 'private' || firstApprovedAt !== null,
      appKey: token('ghak_', 24),
      versions,
      versionTimes,
      createdBy: random() < 0.45 ? people.developer : people.developers[index % people.developers.length]!,
      createdAt,
      updatedAt: Math.max(createdAt, versionTimes[latest - 1]!, reviewedAt ?? 0, deletedAt ?? 0),
      deletedAt,
      connectable: deletedAt === null && (kind === 'private' || firstApprovedAt !== null),
    };
  });
}

/** The demo tenants keep their names; the others are numbered from 800,000,000. */
export function planTenants(sizes: ScaleSizes): { id: string; name: string }[] {
  return Array.from({ length: sizes.otherTenants }, (_, i) => ({
    id: String(800_000_000 + i),
    name: `${FIRST[i % 10]} ${['Plumbing', 'HVAC', 'Electric', 'Roofing', 'Pest Control'][i % 5]} ${i}`,
  }));
}

export function planPeople(
  sizes: ScaleSizes,
  demo: Omit<People, 'developers' | 'admins'>,
): People & { extra: Actor[] } {
  const actor = (email: string) => ({ id: crypto.randomUUID(), email });
  const developers = Array.from({ length: sizes.extraDevelopers }, (_, i) =>
    actor(`developer${String(i + 1).padStart(2, '0')}@acme-field.test`),
  );
  const admins = Array.from({ length: sizes.extraAdmins }, (_, i) =>
    actor(`admin${String(i + 1).padStart(2, '0')}@tenants.test`),
  );
  return { ...demo, developers, admins, extra: [...developers, ...admins] };
}
