import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/orm';
import { isDatabaseUnavailable } from '../errors';
import type { NewBlock } from './blocks';
import { insertBlocks, statementsOf } from './line-writes';
import { pruneRequestLog } from './prune';
import { Rollup, writeRollup } from './rollups';

/** How a batch went: the lines written (of the first blocks), and what stopped the rest. */
export interface BatchOutcome {
  written: number;
  /** After an error, the blocks of the batch not written. */
  unwritten?: NewBlock[];
  error?: Error;
  /** The database could not be reached: the unwritten lines may wait for it. */
  unavailable?: boolean;
}

/**
 * How often the rollup is written: the counts of many batches add up in memory (a busy app's tenants
 * touch the same rows every second), so that each row is written once a minute rather than every flush.
 * The latency figures are per day; a server that stops writes what it holds (RequestLogWriter.close).
 */
const ROLLUP_MS = 60_000;

/**
 * Writes batches of lines with one database connection, the server's own or
 * the request log's thread's (see log-thread.ts): as blocks (blocks.ts), a few
 * blocks a statement, each committed on its own, so that no write holds
 * the database for a whole batch, then what the written lines add to the
 * daily latency counts and the scopes' last use, added up over ROLLUP_MS. What
 * is not written of the rollup waits here for the next batch; the lines not
 * written go back to the caller.
 */
export class BatchWriter {
  private readonly rollup = new Rollup();
  private rollupAt = 0;
  private readonly scopeWritten = new Map<string, number>();

  /** `pauseMs`: a pause after each statement, which lets another connection to an embedded database write. */
  constructor(
    private readonly db: Database,
    private readonly pauseMs = 0,
  ) {}

  /**
   * Writes `blocks`, a few a statement, then the rollup when it is due: every ROLLUP_MS, or now with
   * `everything`. Answers how many lines were written, and after an error which blocks were not.
   */
  async write(blocks: readonly NewBlock[], everything: boolean, now = Date.now()): Promise<BatchOutcome> {
    const runs = statementsOf(blocks);
    let done = 0;
    let written = 0;
    try {
      for (; done < runs.length; done++) {
        const run = runs[done] as NewBlock[];
        await insertBlocks(this.db.em(), this.db.dialect, run);
        for (const block of run) {
          written += block.count;
          this.rollup.addBlock(block);
        }
        await this.pause();
      }
      if (this.rollup.size > 0 && (everything || now - this.rollupAt >= ROLLUP_MS)) {
        await writeRollup(this.db.em, this.rollup, this.scopeWritten, this.pause);
        this.rollupAt = now;
      }
      return { written };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return {
        written,
        unwritten: runs.slice(done).flat(),
        error: failure,
        unavailable: isDatabaseUnavailable(error),
      };
    }
  }

  prune(retentionDays: number, now: number): Promise<number> {
    return pruneRequestLog(this.db.em, retentionDays, now, this.pause);
  }

  private readonly pause = (): Promise<void> => (this.pauseMs > 0 ? sleep(this.pauseMs) : Promise.resolve());
}
