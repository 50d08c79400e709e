import type { EntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../db/orm';
import { blocksOf, type NewBlock, tenantsText } from './blocks';
import type { LogLine } from './line';

/**
 * One write (a statement on PostgreSQL, a transaction on SQLite) takes blocks until they hold
 * STATEMENT_LINES lines, or STATEMENT_BLOCKS blocks (many apps make many small blocks): no write holds the
 * database (or SQLite's event loop) for long.
 */
const STATEMENT_LINES = 4000;
const STATEMENT_BLOCKS = 200;

/** `blocks` cut into the runs one write each commits. */
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
 * PostgreSQL: one INSERT a run, its blocks one JSON document bound as the only parameter and taken apart by
 * the database, so that a run costs one round trip and the statement's text is the same whatever the
 * number of blocks.
 */
const INSERT_DOCUMENT = `insert into request_log_block (${COLUMNS}) select r ->> 0, r ->> 1, r ->> 2, to_timestamp((r ->> 3)::double precision / 1000), to_timestamp((r ->> 4)::double precision / 1000), (r ->> 5)::int, (r ->> 6)::int, r ->> 7, r ->> 8, r ->> 9 from json_array_elements(cast(? as json)) as r`;

/**
 * SQLite, in the process itself: one INSERT a block, the run in one transaction. A block's values go as
 * they are, where a document would cost writing every line's text into it escaped and SQLite taking it
 * apart again: writing a line costs about a third less so (`bench:log-writer`). A moment is kept as
 * epoch milliseconds, as the ORM writes it.
 */
const INSERT_BLOCK = `insert into request_log_block (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const valuesOf = (block: NewBlock) => [
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
];

/**
 * Writes blocks, a run of statementsOf, committed together, through knex, whose parameters reach the
 * driver as parameters (the ORM's `execute` writes them into the SQL text, escaping them).
 */
export async function insertBlocks(
  em: EntityManager,
  dialect: Dialect,
  blocks: readonly NewBlock[],
): Promise<void> {
  if (blocks.length === 0) return;
  const knex = em.getKnex();
  if (dialect === 'postgresql') {
    await knex.raw(INSERT_DOCUMENT, [JSON.stringify(blocks.map(valuesOf))]);
    return;
  }
  await knex.transaction(async (tx) => {
    for (const block of blocks) await tx.raw(INSERT_BLOCK, valuesOf(block));
  });
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
