import type { EntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../db/orm';
import { blocksOf, type NewBlock, tenantsText } from './blocks';
import type { LogLine } from './line';

/**
 * One INSERT takes blocks until they hold STATEMENT_LINES lines, or STATEMENT_BLOCKS blocks (many apps
 * make many small blocks): no statement holds the database (or SQLite's event loop) for long.
 */
const STATEMENT_LINES = 4000;
const STATEMENT_BLOCKS = 200;

/** `blocks` cut into the runs one INSERT each writes. */
export function statementsOf(blocks: readonly NewBlock[]): NewBlock[][] {
  const runs: NewBlock[][] = [];
  let run: NewBlock[] = [];
  let lines = 0;
  for (const block of blocks) {
    if (run.length > 0 && (run.length >= STATEMENT_BLOCKS || lines + block.count > STATEMENT_LINES)) {
      runs.push(run);
      run = [];
      lines = 0;
    }
    run.push(block);
    lines += block.count;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

const COLUMNS =
  'app_id, tenants, environment, first_at, last_at, statuses, kinds, error_codes, routes, lines';

/**
 * One INSERT, its blocks one JSON document bound as the only parameter and taken apart by the database: the
 * statement's text is the same whatever the number of blocks, so that preparing it costs next to nothing.
 * SQLite keeps a moment as epoch milliseconds, as the ORM writes it.
 */
const INSERT: Record<Dialect, string> = {
  sqlite: `insert into request_log_block (${COLUMNS}) select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9 from json_each(?)`,
  postgresql: `insert into request_log_block (${COLUMNS}) select r ->> 0, r ->> 1, r ->> 2, to_timestamp((r ->> 3)::double precision / 1000), to_timestamp((r ->> 4)::double precision / 1000), (r ->> 5)::int, (r ->> 6)::int, r ->> 7, r ->> 8, r ->> 9 from json_array_elements(cast(? as json)) as r`,
};

/**
 * Writes blocks in one statement (a run of statementsOf), through knex, whose parameters reach the driver
 * as parameters (the ORM's `execute` writes them into the SQL text, escaping the whole document).
 */
export async function insertBlocks(
  em: EntityManager,
  dialect: Dialect,
  blocks: readonly NewBlock[],
): Promise<void> {
  if (blocks.length === 0) return;
  const rows = blocks.map((block) => [
    block.appId,
    tenantsText(block.tenantIds),
    block.environment,
    block.firstAt,
    block.lastAt,
    block.statuses,
    block.kinds,
    block.errorCodes,
    block.routes,
    block.lines,
  ]);
  await em.getKnex().raw(INSERT[dialect], [JSON.stringify(rows)]);
}

/** Writes blocks a run a statement (the demo's traffic, tests). */
export async function insertAllBlocks(
  em: EntityManager,
  dialect: Dialect,
  blocks: readonly NewBlock[],
): Promise<void> {
  for (const run of statementsOf(blocks)) await insertBlocks(em, dialect, run);
}

/** Writes lines as their blocks (tests). */
export function insertLines(em: EntityManager, dialect: Dialect, lines: readonly LogLine[]): Promise<void> {
  return insertAllBlocks(em, dialect, blocksOf(lines));
}
