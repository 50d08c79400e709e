import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';
import { getTRPCErrorShape, TRPCError } from '@trpc/server';
import pg from 'pg';
import { expect } from 'vitest';
import { scratchPostgres } from '../scripts/scratch-postgres';
import { startSession } from '../src/auth/sessions';
import { createContextInner, type SessionCookie } from '../src/context';
import { User } from '../src/db/entities';
import { type Database, type Dialect, migrate, openDatabase } from '../src/db/orm';
import { appRouter, createCaller } from '../src/root';
import { seedDemo } from '../src/seed/demo';

/** Where PostgreSQL tests create their throw-away databases. */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const pgUp = await postgresReachable();
if (!pgUp && process.env.CI)
  throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI must test both databases.`);

/** SQLite always; PostgreSQL whenever it is reachable. */
export const dialects: Dialect[] = pgUp ? ['sqlite', 'postgresql'] : ['sqlite'];

export type Caller = ReturnType<typeof createCaller>;

export interface TestDatabase {
  db: Database;
  /** Where it is: another instance opens the same database with it. */
  url: string;
  /**
   * A signed-in demo user. Every call gets a fresh context, as every HTTP
   * request does, so no call reads rows another call left in its identity map.
   */
  as(email: string): Promise<Caller>;
  anonymous(): Caller;
  close(): Promise<void>;
}

/** A fresh, empty database of the given dialect (not migrated) and how to drop it. */
export async function emptyDatabase(dialect: Dialect): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
    return {
      url: `file:${path.join(dir, 'test.db')}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  return scratchPostgres(PG_ADMIN_URL, 'gatehouse_test');
}

/** A fresh, migrated, demo-seeded database of the given dialect. */
export async function openTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const { url, drop } = await emptyDatabase(dialect);
  const db = await openDatabase(url);
  await migrate(db);
  await seedDemo(db.em());
  return {
    db,
    url,
    async as(email) {
      const user = await db.em().findOneOrFail(User, { email });
      const { token } = await startSession(db.em(), user.id);
      return createCaller(() => createContextInner({ db, sessionToken: token }));
    },
    anonymous: () => createCaller(() => createContextInner({ db, sessionToken: null })),
    async close() {
      await db.close();
      await drop();
    },
  };
}

export const DEV = 'dev@gatehouse.test';
export const DEV2 = 'dev2@gatehouse.test';
export const ADMIN = 'admin@gatehouse.test';
export const ADMIN2 = 'admin2@gatehouse.test';
export const REVIEWER = 'reviewer@gatehouse.test';

/** `t.as(email)` in the shape `dev()` that tests read well. */
export async function signIn(t: TestDatabase, email: string): Promise<() => Caller> {
  const caller = await t.as(email);
  return () => caller;
}

/** The first item of a keyset-paged list that `found` accepts, walking its pages; undefined if none. */
export async function inEveryPage<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  found: (item: T) => boolean,
): Promise<T | undefined> {
  let cursor: string | undefined;
  do {
    const { items, nextCursor } = await page(cursor);
    const item = items.find(found);
    if (item) return item;
    cursor = nextCursor ?? undefined;
  } while (cursor);
  return undefined;
}

/** Approves as the review queue does: with the name and home page the reviewer was shown. */
export async function approveAsShown(reviewer: Caller, appId: string) {
  const shown = await inEveryPage(
    (cursor) => reviewer.review.queue({ limit: 200, cursor }),
    (item) => item.appId === appId,
  );
  return reviewer.review.approve({
    appId,
    seen: { name: shown?.name ?? '', homePageUrl: shown?.homePageUrl ?? '' },
  });
}

/** How a refused call reaches a client: code, message and field errors after the error formatter. */
export async function rejection(call: Promise<unknown>) {
  const error = await call.then(
    (value) => {
      throw new Error(`expected the call to fail, it returned ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
  if (!(error instanceof TRPCError)) throw error;
  const shape = getTRPCErrorShape({
    config: appRouter._def._config,
    error,
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  return { code: error.code, message: shape.message, fieldErrors: shape.data.fieldErrors };
}

/** A refused call's error, after checking that what `state` reads (the rows and audit events a suite cares about) did not change. */
export async function rejectionWithoutChange(state: () => Promise<unknown>, call: () => Promise<unknown>) {
  const before = await state();
  const failure = await rejection(call());
  expect(await state(), 'the refused call changed the database').toEqual(before);
  return failure;
}

/** Records the session cookie procedures set or clear, as a browser keeps it; `cookie` goes into the context. */
export function cookieJar(token: string | null = null) {
  const jar: { token: string | null; expiresAt: Date | null; cleared: boolean; cookie: SessionCookie } = {
    token,
    expiresAt: null,
    cleared: false,
    cookie: {
      set(value, expiresAt) {
        jar.token = value;
        jar.expiresAt = expiresAt;
      },
      clear() {
        jar.token = null;
        jar.cleared = true;
      },
    },
  };
  return jar;
}

type MigrationClass = new (driver: AbstractSqlDriver, config: Database['orm']['config']) => Migration;

/** Runs one direction of a migration's SQL (the class of the test database's dialect) against the test database. */
export async function runMigration(
  t: TestDatabase,
  classes: Record<Dialect, MigrationClass>,
  direction: 'up' | 'down',
): Promise<void> {
  const migration = new classes[t.db.dialect](t.db.orm.em.getDriver() as AbstractSqlDriver, t.db.orm.config);
  await migration[direction]();
  const conn = t.db.em().getConnection();
  for (const query of migration.getQueries()) await conn.execute(query as string);
}
