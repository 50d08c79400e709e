import type { EntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../db/orm';
import { blocksOf, type NewBlock } from './blocks';
import type { LogLine } from './line';

/** Blocks per INSERT: a few, so that no statement holds the database (or SQLite's event loop) for long. */
export const BLOCK_CHUNK = 8;

/** A moment as the dialect keeps it: SQLite as epoch milliseconds, as the ORM writes it. */
const momentOf = (dialect: Dialect, ms: number): number | Date => (dialect === 'sqlite' ? ms : new Date(ms));

/** Writes up to BLOCK_CHUNK blocks in one statement. */
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

/** Writes lines as their blocks (the demo's traffic, tests): BLOCK_CHUNK blocks a statement. */
export async function insertLines(
  em: EntityManager,
  dialect: Dialect,
  lines: readonly LogLine[],
): Promise<void> {
  const blocks = blocksOf(lines);
  for (let i = 0; i < blocks.length; i += BLOCK_CHUNK)
    await insertBlocks(em, dialect, blocks.slice(i, i + BLOCK_CHUNK));
}
