/** A throw-away database for one run: a SQLite file in a temp folder, or a scratch PostgreSQL database. */

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '@gatehouse/server/db/orm';

/** Where the PostgreSQL variants create (and drop) their scratch database. */
export const PG_ADMIN_URL = process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  url: string;
  label: string;
  drop(): Promise<void>;
}

async function onServer(adminUrl: string, sql: string): Promise<void> {
  const admin = await openDatabase(adminUrl);
  try {
    await admin.orm.em.getConnection().execute(sql);
  } finally {
    await admin.close();
  }
}

export async function scratchDatabase(kind: 'sqlite' | 'postgres'): Promise<ScratchDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
    return {
      url: `file:${path.join(dir, 'bench.db')}`,
      label: 'SQLite',
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `gatehouse_bench_${randomBytes(6).toString('hex')}`;
  await onServer(PG_ADMIN_URL, `create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: 'PostgreSQL',
    drop: () => onServer(PG_ADMIN_URL, `drop database if exists ${name} with (force)`),
  };
}
