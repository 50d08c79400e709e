import { REQUEST_LOG_DAYS } from '@gatehouse/domain';
import type { Database } from '../db/orm';
import { isDatabaseUnavailable } from '../errors';
import { type BackgroundLog, standardErrorLog } from '../http/log';
import { type LogLine, UtcDays } from './line';
import { insertLines } from './line-writes';
import { pruneRequestLog } from './prune';
import { RateLimitHits } from './rate-limit-hits';
import { Rollup, writeRollup } from './rollups';

export interface RequestLogOptions {
  /** Off: no line is kept (a benchmark's comparison); the first rate-limit refusals are still told. */
  enabled?: boolean;
  /** How often buffered lines are written (0: only on `flush()`). */
  flushMs?: number;
  /** Days a line is kept (`REQUEST_LOG_DAYS`). */
  retentionDays?: number;
  /** How often the latency and scope-use rollups are written (0: with every flush of lines). */
  rollupMs?: number;
}

/** Lines waiting to be written at most: past it, new lines are dropped (and counted) until a flush makes room. */
export const MAX_BUFFERED = 20_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The request log's writer. A request pushes one line, made of values it already had, into a buffer; the
 * buffer is written every `flushMs` in multi-row inserts, one transaction a flush, never awaited by a
 * request. The same flushes add the lines to the daily latency counts and to the scopes' last use (see
 * rollups.ts). A database that is away keeps the lines waiting, up to the buffer's bound.
 */
export class RequestLogWriter {
  readonly enabled: boolean;
  readonly rateLimitHits: RateLimitHits;
  /** Lines written and dropped since start: the benchmark and the metrics read them. */
  written = 0;
  dropped = 0;
  private lines: LogLine[] = [];
  /** Counted from written lines, waiting for the next rollup write. */
  private pending = new Rollup();
  private rollupWrittenAt = 0;
  private readonly scopeWritten = new Map<string, number>();
  private readonly days = new UtcDays();
  private readonly retentionDays: number;
  private readonly rollupMs: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private pruning: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    options: RequestLogOptions = {},
    private readonly log: BackgroundLog = standardErrorLog,
    private readonly onDrop?: { inc(n: number): void },
  ) {
    this.enabled = options.enabled ?? true;
    this.retentionDays = options.retentionDays ?? REQUEST_LOG_DAYS;
    this.rollupMs = options.rollupMs ?? 0;
    this.rateLimitHits = new RateLimitHits(db, log);
    const flushMs = options.flushMs ?? 1000;
    if (this.enabled && flushMs > 0)
      this.every(flushMs, () => this.flushNow(false), 'request log flush failed');
    this.every(PRUNE_EVERY_MS, () => this.prune(), 'request log retention failed');
  }

  /** The hot path: one line, no work beyond the push. */
  push(line: LogLine): void {
    if (this.lines.length < MAX_BUFFERED) this.lines.push(line);
    else this.drop(1);
  }

  /** Writes every buffered line and every count not yet written; flushes never overlap. */
  flush(): Promise<void> {
    return this.flushNow(true);
  }

  /** Deletes what is past its retention (see prune.ts); runs every ten minutes by itself. */
  prune(now = Date.now()): Promise<number> {
    const run = this.pruning
      .catch(() => undefined)
      .then(() => pruneRequestLog(this.db.em, this.retentionDays, now));
    this.pruning = run;
    return run;
  }

  /** Stops the timers and writes what is left; a last flush that fails is logged, and does not stop the server closing. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flush().catch((error: unknown) => this.log.error({ err: error }, 'request log flush failed'));
    await this.rateLimitHits.settled();
    await this.pruning.catch(() => undefined);
  }

  private every(ms: number, run: () => Promise<unknown>, failure: string): void {
    const timer = setInterval(
      () => void run().catch((error: unknown) => this.log.error({ err: error }, failure)),
      ms,
    );
    timer.unref();
    this.timers.push(timer);
  }

  private flushNow(everything: boolean): Promise<void> {
    const next = this.flushing.catch(() => undefined).then(() => this.write(everything));
    this.flushing = next;
    return next;
  }

  private drop(n: number): void {
    this.dropped += n;
    this.onDrop?.inc(n);
  }

  private async write(everything: boolean, now = Date.now()): Promise<void> {
    const batch = this.lines;
    this.lines = [];
    const counted = new Rollup().addLines(batch, this.days);
    const due = everything || now - this.rollupWrittenAt >= this.rollupMs;
    const carried = this.pending;
    if (due) this.pending = new Rollup();
    const rollup = due ? new Rollup().merge(carried).merge(counted) : null;
    if (batch.length === 0 && (rollup?.size ?? 0) === 0) return;
    try {
      await this.db.em().transactional(async (em) => {
        await insertLines(em, this.db.dialect, batch);
        if (rollup) await writeRollup(em, rollup, this.scopeWritten);
      });
    } catch (error) {
      // Lines wait for the database to come back (their counts are made again from them); a batch it
      // refused for what it holds would fail every flush, so that one is dropped.
      if (isDatabaseUnavailable(error)) {
        this.putBack(batch);
        if (due) this.pending.merge(carried);
      } else this.drop(batch.length);
      throw error;
    }
    this.written += batch.length;
    if (due) this.rollupWrittenAt = now;
    else this.pending.merge(counted);
  }

  /** Lines that could not be written go back before the newer ones, as many as the bound leaves room for. */
  private putBack(batch: LogLine[]): void {
    const room = MAX_BUFFERED - this.lines.length;
    const kept = batch.length > room ? batch.slice(batch.length - room) : batch;
    this.drop(batch.length - kept.length);
    this.lines = kept.concat(this.lines);
  }
}
