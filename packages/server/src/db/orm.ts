import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/knex';
import { type Options as LibSqlOptions, MikroORM as LibSqlOrm } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { type Options as PostgresOptions, MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { ChangeFeed } from '../events/feed';
import { entities } from './entities';
import { postgresqlMigrations } from './migrations/postgresql';
import { sqliteMigrations } from './migrations/sqlite';

export type Dialect = 'sqlite' | 'postgresql';

export interface Database {
  orm: MikroORM;
  dialect: Dialect;
  /** What it was opened with: a thread that needs a connection of its own opens the same (see requests/log-thread.ts). */
  url: string;
  /** A fresh unit of work: one per request or job, never shared. */
  em(): EntityManager;
  /** Every committed change, from every instance, in order: what caches drop entries by (src/events/). */
  feed: ChangeFeed;
  close(): Promise<void>;
}

/** SQL statements this process has sent to its databases, transactions' begin and commit included. */
let statementsSent = 0;

/**
 * How many SQL statements this process has sent so far (`gatehouse_sql_statements_total`): read around a
 * request, it tells whether a page costs the same number of statements at any size of data.
 */
export const sqlStatementsSent = (): number => statementsSent;

export function dialectOf(databaseUrl: string): Dialect {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgresql' : 'sqlite';
}

function sqliteFile(databaseUrl: string): string {
  const file = databaseUrl.replace(/^file:/, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return file;
}

const shared = {
  entities,
  extensions: [Migrator],
  allowGlobalContext: false,
  forceUtcTimezone: true,
  debug: false,
};

/**
 * How long a PostgreSQL query may take before it fails as the database being away: a stalled network
 * otherwise holds a request (and a pooled connection) for minutes. `migrate` opens without it.
 */
export const QUERY_TIMEOUT_MS = 15_000;

/** The driver's connection to an embedded database, as far as it is set up here. */
interface SqliteConnection {
  exec(sql: string): unknown;
  prepare(sql: string): unknown;
}

/**
 * Every connection to the embedded database, when the pool makes it (it makes a new one every 10 s):
 * - WAL lets readers proceed while one writer commits; the busy timeout queues writers instead of failing.
 * - The driver commits on the event loop: `synchronous = normal` (WAL's usual setting) syncs at checkpoints
 *   rather than at every commit, so a sign-in or a portal change does not hold every request up for a disk
 *   flush. A crash of the process loses nothing; a power cut may lose the last commits, never the file.
 * - Transactions begin IMMEDIATE, taking the write lock first: a transaction that read and then writes after
 *   another connection (the request log's writer thread) committed would otherwise fail at once
 *   (SQLITE_BUSY_SNAPSHOT) instead of waiting its turn. With one connection, nothing changes.
 */
function sqliteConnectionSetUp(
  connection: SqliteConnection,
  done: (error: Error | null, c: unknown) => void,
) {
  try {
    connection.exec('pragma journal_mode = wal');
    connection.exec('pragma busy_timeout = 5000');
    connection.exec('pragma synchronous = normal');
    connection.exec('pragma foreign_keys = on');
    const prepare = connection.prepare.bind(connection);
    connection.prepare = (sql: string) => prepare(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql);
    done(null, connection);
  } catch (error) {
    done(error as Error, connection);
  }
}

/** Opens the database as it is: its schema is brought up to date by `migrate`, never on open. */
export async function openDatabase(
  databaseUrl: string,
  { queryTimeoutMs = QUERY_TIMEOUT_MS }: { queryTimeoutMs?: number } = {},
): Promise<Database> {
  const dialect = dialectOf(databaseUrl);
  let orm: MikroORM;
  if (dialect === 'postgresql') {
    const options: PostgresOptions = {
      ...shared,
      clientUrl: databaseUrl,
      migrations: {
        migrationsList: postgresqlMigrations,
        transactional: true,
        allOrNothing: true,
        silent: true,
      },
      pool: { min: 0, max: 10 },
      // Dead connections are noticed (keep-alive) and a connect or query that hangs fails in bounded time.
      driverOptions: {
        connection: {
          keepAlive: true,
          connectionTimeoutMillis: 5000,
          ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
        },
      },
    };
    orm = (await PostgresOrm.init(options)) as unknown as MikroORM;
  } else {
    const options: LibSqlOptions = {
      ...shared,
      dbName: sqliteFile(databaseUrl),
      migrations: { migrationsList: sqliteMigrations, transactional: true, allOrNothing: true, silent: true },
      // The pool replaces its connection every 10 s: each new one is set up as the first was.
      pool: { afterCreate: sqliteConnectionSetUp },
    };
    orm = (await LibSqlOrm.init(options)) as unknown as MikroORM;
  }
  // knex reports every statement it sends on either driver, in transactions too; counting one costs an increment.
  (orm.em as EntityManager).getKnex().on('query', () => {
    statementsSent++;
  });
  const em = () => orm.em.fork() as EntityManager;
  return {
    orm,
    dialect,
    url: databaseUrl,
    em,
    feed: new ChangeFeed(em, dialect === 'postgresql' ? databaseUrl : null),
    close: () => orm.close(true),
  };
}

/** Applies the migrations the database has not had yet, in order; returns their names. */
export async function migrate(db: Database): Promise<string[]> {
  return (await db.orm.getMigrator().up()).map((migration) => migration.name);
}

/** The migrations the database has not had yet: a server must not run on an older schema than its code's. */
export async function pendingMigrations(db: Database): Promise<string[]> {
  return (await db.orm.getMigrator().getPendingMigrations()).map((migration) => migration.name);
}
