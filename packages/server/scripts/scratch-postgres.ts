import { randomBytes } from 'node:crypto';
import pg from 'pg';

async function onServer(adminUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Creates a throw-away PostgreSQL database on `adminUrl`'s server: its URL, and how to drop it. */
export async function scratchPostgres(
  adminUrl: string,
  prefix = 'gatehouse_scratch',
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

/** Creates a throw-away PostgreSQL database, hands its URL to `fn`, then drops it. */
export async function withScratchPostgres<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const scratch = await scratchPostgres(adminUrl);
  try {
    return await fn(scratch.url);
  } finally {
    await scratch.drop();
  }
}
