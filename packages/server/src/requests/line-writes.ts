import type { EntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../db/orm';
import { blocksOf, type NewBlock } from './blocks';
import type { LogLine } from './line';

/**
 * One INSERT takes blocks until they hold STATEMENT_LINES lines, or STATEMENT_BLOCKS blocks (many tenants
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

/** A moment as the dialect keeps it: SQLite as epoch milliseconds, as the ORM writes it. */
const momentOf = (dialect: Dialect, ms: number): number | Date => (dialect === 'sqlite' ? ms : new Date(ms));

/** Writes blocks in one statement (a run of statementsOf). */
export async function insertBlocks(
  em: EntityManager,
  dialect: Dialect,
  blocks: readonly NewBlock[],
): Promise<void> {
  if (blocks.length === 0) return;
  await em
    .getKnex()('request_log_block')
    .insert(
      blocks.map((block) => ({
        app_id: block.appId,
        tenant_id: block.tenantId,
        environment: block.environment,
        first_at: momentOf(dialect, block.firstAt),
        last_at: momentOf(dialect, block.lastAt),
        statuses: block.statuses,
        kinds: block.kinds,
        error_codes: block.errorCodes,
        routes: block.routes,
        lines: block.lines,
      })),
    );
}

/** Writes lines as their blocks (the demo's traffic, tests), a run of blocks a statement. */
export async function insertLines(
  em: EntityManager,
  dialect: Dialect,
  lines: readonly LogLine[],
): Promise<void> {
  for (const run of statementsOf(blocksOf(lines))) await insertBlocks(em, dialect, run);
}
