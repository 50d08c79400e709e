/**
 * The scale benchmark's databases. The big one is kept between runs, so that
 * `--reuse` can skip a seed of a minute or two: a SQLite file in a folder of
 * the temp directory, or the PostgreSQL database `gatehouse_bench_scale` on
 * `PG_BENCH_URL`'s server, each with a note of how and when it was seeded
 * beside the SQLite file. The small one is a scratch database, dropped after
 * the run.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import { PG_ADMIN_URL, type ScratchDatabase, scratchDatabase } from './databases';
import { type SeedReport, seedScale } from './scale-seed';
import { BIG_SIZES, type ScaleSizes, SMALL_SIZES } from './scale-sizes';

export type Kind = 'sqlite' | 'postgres';

/** `--db=sqlite|postgres|both`, both by default. */
export function dialectsAsked(): Kind[] {
  const arg = process.argv.find((a) => a.startsWith('--db='))?.slice('--db='.length) ?? 'both';
  if (arg === 'both') return ['sqlite', 'postgres'];
  if (arg === 'sqlite' || arg === 'postgres') return [arg];
  throw new Error('--db takes sqlite, postgres or both.');
}

/** Changed whenever the seed writes something else: a database seeded by another version is seeded again. */
const SEED_VERSION = 1;
export const SCALE_DIR = path.join(os.tmpdir(), 'gatehouse-bench-scale');
const PG_NAME = 'gatehouse_bench_scale';

interface Note extends SeedReport {
  version: number;
  sizes: ScaleSizes;
  /** Of the migrations it was made with: one changed in place would never be applied to it again. */
  migrations: string;
}

/** A digest of the dialect's migration files, names and contents. */
function migrationsDigest(kind: Kind): string {
  const folder = path.join(
    path.dirname(fileURLToPath(import.meta.resolve('@gatehouse/server/db/orm'))),
    'migrations',
    kind === 'sqlite' ? 'sqlite' : 'postgresql',
  );
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(folder).sort())
    hash.update(file).update(fs.readFileSync(path.join(folder, file)));
  return hash.digest('hex');
}

export interface SeededDatabase {
  url: string;
  label: string;
  report: SeedReport;
  /** Seeded by an earlier run and kept. */
  reused: boolean;
  /** Migrations applied to it by this run (none when reused). */
  migrated: string[];
}

const noteFile = (kind: Kind) => path.join(SCALE_DIR, `${kind}.json`);
const bigUrl = (kind: Kind) => {
  if (kind === 'sqlite') return `file:${path.join(SCALE_DIR, 'sqlite.db')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${PG_NAME}`;
  return url.toString();
};

async function onServer(sql: string): Promise<unknown> {
  const admin = await openDatabase(PG_ADMIN_URL);
  try {
    return await admin.orm.em.getConnection().execute(sql);
  } finally {
    await admin.close();
  }
}

async function exists(kind: Kind): Promise<boolean> {
  if (kind === 'sqlite') return fs.existsSync(bigUrl(kind).slice('file:'.length));
  const rows = (await onServer(`select 1 from pg_database where datname = '${PG_NAME}'`)) as unknown[];
  return rows.length > 0;
}

async function remove(kind: Kind): Promise<void> {
  fs.rmSync(noteFile(kind), { force: true });
  if (kind === 'postgres') await onServer(`drop database if exists ${PG_NAME} with (force)`);
  else
    for (const suffix of ['', '-wal', '-shm'])
      fs.rmSync(`${bigUrl(kind).slice(5)}${suffix}`, { force: true });
}

/** Migrates and seeds `url` (queries may take their time: no query timeout). */
async function fill(url: string, sizes: ScaleSizes, log: (line: string) => void) {
  const db = await openDatabase(url, { queryTimeoutMs: 0 });
  try {
    const migrated = await migrate(db);
    if (db.dialect === 'sqlite') {
      // A database being seeded needs no journal: a seed that fails is thrown away whole. The server's
      // own open (openDatabase) puts it back in WAL mode.
      const connection = db.em().getConnection();
      for (const pragma of ['journal_mode = off', 'synchronous = off', 'cache_size = -262144'])
        await connection.execute(`pragma ${pragma}`);
    }
    return { migrated, report: await seedScale(db, sizes, log) };
  } finally {
    await db.close();
  }
}

/**
 * The big database: with `reuse`, the one an earlier run kept if this version of the seed made it with
 * the same migrations; else seeded anew.
 */
export async function bigDatabase(
  kind: Kind,
  reuse: boolean,
  log: (line: string) => void,
): Promise<SeededDatabase> {
  const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const url = bigUrl(kind);
  fs.mkdirSync(SCALE_DIR, { recursive: true });
  if (reuse && fs.existsSync(noteFile(kind)) && (await exists(kind))) {
    const note = JSON.parse(fs.readFileSync(noteFile(kind), 'utf8')) as Note;
    if (note.version === SEED_VERSION && note.migrations === migrationsDigest(kind)) {
      log(`${label}: reusing the big database seeded ${new Date(note.seededAt).toISOString()}`);
      return { url, label, report: note, reused: true, migrated: [] };
    }
    log(`${label}: the kept big database was made by other migrations or another seed: seeding it again`);
  }
  await remove(kind);
  if (kind === 'postgres') await onServer(`create database ${PG_NAME}`);
  log(`${label}: seeding the big database`);
  const { migrated, report } = await fill(url, BIG_SIZES, (line) => log(`${label}: ${line}`));
  const note: Note = {
    ...report,
    version: SEED_VERSION,
    sizes: BIG_SIZES,
    migrations: migrationsDigest(kind),
  };
  fs.writeFileSync(noteFile(kind), `${JSON.stringify(note, null, 2)}\n`);
  log(`${label}: big database seeded in ${report.seconds.toFixed(0)} s`);
  return { url, label, report, reused: false, migrated };
}

/** Drops the kept big database (`--drop`). */
export const dropBigDatabase = (kind: Kind) => remove(kind);

/** A scratch database with demo data and a handful of each, in the big one's shape. */
export async function smallDatabase(
  kind: Kind,
): Promise<ScratchDatabase & { report: SeedReport; migrated: string[] }> {
  const scratch = await scratchDatabase(kind);
  try {
    return { ...scratch, ...(await fill(scratch.url, SMALL_SIZES, () => {})) };
  } catch (error) {
    await scratch.drop();
    throw error;
  }
}
