/**
 * What the scale benchmark calls, as the portals call it: the lists and
 * pages of issue 15 with the inputs of the keyset contract (`cursor`,
 * `limit`), each as the demo user who would open it, and the audit trail's
 * CSV download.
 */
import { App } from '@gatehouse/server/db/entities';
import { openDatabase } from '@gatehouse/server/db/orm';
import { type Answer, download, query, signIn } from './portal-client';
import { BUSY_APP_NAME, DAY_MS, DEMO_TENANT, SEARCH_TERM } from './scale-sizes';

/** Page size of every list. */
export const LIMIT = 50;

export type Role = 'developer' | 'admin' | 'reviewer';

/** One server and what its calls need: sessions, and the ids and times of its data. */
export interface Target {
  url: string;
  sessions: Record<Role, string>;
  busyAppId: string;
  seededAt: number;
  /** The cursor of My Apps' late page, or why there is none. */
  latePage: { page: number; cursor?: string; error?: string };
}

export interface Call {
  key: string;
  title: string;
  /** Streamed to the last byte; its own targets (rows, time) instead of the pages'. */
  download?: boolean;
  run(target: Target): Promise<Answer>;
}

const EMAILS: Record<Role, string> = {
  developer: 'dev@gatehouse.test',
  admin: 'admin@gatehouse.test',
  reviewer: 'reviewer@gatehouse.test',
};

export async function sessionsOn(url: string): Promise<Record<Role, string>> {
  return {
    developer: await signIn(url, EMAILS.developer),
    admin: await signIn(url, EMAILS.admin),
    reviewer: await signIn(url, EMAILS.reviewer),
  };
}

/** The busy app's id, read from the database before its server starts. */
export async function busyAppOf(databaseUrl: string): Promise<string> {
  const db = await openDatabase(databaseUrl);
  try {
    return (await db.em().findOneOrFail(App, { name: BUSY_APP_NAME })).id;
  } finally {
    await db.close();
  }
}

const trpc = (role: Role, procedure: string, input: (t: Target) => Record<string, unknown>) => (t: Target) =>
  query(t.url, t.sessions[role], procedure, input(t));

const connectionsOf = { tenantId: DEMO_TENANT, environment: 'integration', limit: LIMIT };

export const CALLS: Call[] = [
  {
    key: 'apps',
    title: 'My Apps, first page',
    run: trpc('developer', 'apps.list', () => ({ limit: LIMIT })),
  },
  {
    key: 'apps-search',
    title: `My Apps, search "${SEARCH_TERM}"`,
    run: trpc('developer', 'apps.list', () => ({ limit: LIMIT, search: SEARCH_TERM })),
  },
  {
    key: 'apps-late',
    title: 'My Apps, late page',
    run: (t) =>
      t.latePage.error
        ? Promise.resolve({ ok: false, status: 0, ms: 0, bytes: 0, message: t.latePage.error, unsent: true })
        : query(t.url, t.sessions.developer, 'apps.list', { limit: LIMIT, cursor: t.latePage.cursor }),
  },
  { key: 'app', title: 'App details', run: trpc('developer', 'apps.get', (t) => ({ appId: t.busyAppId })) },
  {
    key: 'versions',
    title: 'Version history',
    run: trpc('developer', 'apps.versions', (t) => ({ appId: t.busyAppId, limit: LIMIT })),
  },
  {
    key: 'app-connections',
    title: 'View Connections (widely connected app)',
    run: trpc('developer', 'apps.connections', (t) => ({ appId: t.busyAppId, limit: LIMIT })),
  },
  {
    key: 'usage',
    title: 'Usage report, 30 days (busy app)',
    run: trpc('developer', 'apps.usage', (t) => ({ appId: t.busyAppId, days: 30 })),
  },
  {
    key: 'access',
    title: 'API Application Access (985798691, integration)',
    run: trpc('admin', 'connections.list', () => connectionsOf),
  },
  {
    key: 'connect',
    title: 'Connect New App',
    run: trpc('admin', 'connections.available', () => connectionsOf),
  },
  { key: 'review', title: 'Review queue', run: trpc('reviewer', 'review.queue', () => ({ limit: LIMIT })) },
  {
    key: 'audit',
    title: 'Audit trail, first page',
    run: trpc('reviewer', 'audit.list', () => ({ view: 'reviewer', limit: LIMIT })),
  },
  {
    key: 'audit-app',
    title: 'Audit trail by app',
    run: trpc('reviewer', 'audit.list', (t) => ({ view: 'reviewer', appId: t.busyAppId, limit: LIMIT })),
  },
  {
    key: 'audit-actor',
    title: 'Audit trail by actor ("dev@")',
    run: trpc('reviewer', 'audit.list', () => ({ view: 'reviewer', actor: 'dev@', limit: LIMIT })),
  },
  {
    key: 'audit-time',
    title: 'Audit trail by time (one week)',
    run: trpc('reviewer', 'audit.list', (t) => ({
      view: 'reviewer',
      from: new Date(t.seededAt - 120 * DAY_MS),
      to: new Date(t.seededAt - 113 * DAY_MS),
      limit: LIMIT,
    })),
  },
  {
    key: 'csv',
    title: 'CSV export (reviewer, newest 10,000)',
    download: true,
    run: (t) => download(t.url, t.sessions.reviewer, '/exports/audit.csv?view=reviewer'),
  },
];

/**
 * My Apps' cursor for page `page`, walked to from the first page; on a database with fewer pages, its
 * last one. Says why when the answers give no cursor to follow.
 */
export async function walkToPage(t: Omit<Target, 'latePage'>, page: number): Promise<Target['latePage']> {
  let cursor: string | undefined;
  for (let reached = 1; reached < page; reached++) {
    const answer = await query(t.url, t.sessions.developer, 'apps.list', { limit: LIMIT, cursor });
    if (!answer.ok)
      return { page: reached, error: `page ${reached} on the way: ${answer.status} ${answer.message ?? ''}` };
    const next = (answer.data as { nextCursor?: string | null } | undefined)?.nextCursor;
    if (next === undefined) return { page: reached, error: `page ${reached} gave no nextCursor to walk on` };
    if (next === null) return { page: reached, cursor };
    cursor = next;
  }
  return { page, cursor };
}
