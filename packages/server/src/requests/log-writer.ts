import { REQUEST_LOG_DAYS } from '@gatehouse/domain';
import type { Database } from '../db/orm';
import { type BackgroundLog, standardErrorLog } from '../http/log';
import { type BatchOutcome, BatchWriter } from './batch-writer';
import type { NewBlock } from './blocks';
import type { LogLine } from './line';
import { blocksOfChunks, type LineChunk, LineChunks, linesInChunks } from './line-chunks';
import { LogThread } from './log-thread';
import { RateLimitHits } from './rate-limit-hits';

export interface RequestLogOptions {
  /** Off: no line is kept (a benchmark's comparison); the first rate-limit refusals are still told. */
  enabled?: boolean;
  /** How often buffered lines are written (0: only on `flush()`). */
  flushMs?: number;
  /** Days a line is kept (`REQUEST_LOG_DAYS`). */
  retentionDays?: number;
  /**
   * From how many lines in one flush the writing moves to a thread of its own (and stays there); null:
   * never. Below it, a few hundred calls a second cost the event loop next to nothing.
   */
  threadFrom?: number | null;
}

/** Lines waiting to be written at most: past it, new lines are dropped (and counted) until a flush makes room. */
export const MAX_BUFFERED = 20_000;
const THREAD_FROM = 1000;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The request log's writer. A request writes its line, made of values it already had, into a chunk of
 * bytes (line-chunks.ts); every `flushMs` the lines are built into blocks of their app and environment
 * (blocks.ts) and written, never awaited by a request, a few blocks a statement, with what their lines
 * add to the daily latency counts and the scopes' last use (batch-writer.ts). Once a flush holds `threadFrom` lines, the writing
 * moves to a thread with a connection of its own (log-thread.ts), and stays there; should that thread
 * fail, it comes back here. Blocks that could not be written because the database is away wait for the
 * next flush, up to the buffer's bound.
 */
export class RequestLogWriter {
  /** Whether calls are logged; it may be switched while the server runs (a benchmark swaps it between servers). */
  enabled: boolean;
  readonly rateLimitHits: RateLimitHits;
  /** Lines written and dropped since start: the benchmark and the metrics read them. */
  written = 0;
  dropped = 0;
  private readonly chunks = new LineChunks();
  /** Blocks a flush could not write while the database was away: they go first in the next. */
  private waiting: NewBlock[] = [];
  private waitingLines = 0;
  private readonly here: BatchWriter;
  private readonly thread: LogThread;
  private readonly retentionDays: number;
  private readonly threadFrom: number | null;
  private readonly timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private pruning: Promise<unknown> = Promise.resolve();

  constructor(
    db: Database,
    options: RequestLogOptions = {},
    private readonly log: BackgroundLog = standardErrorLog,
    private readonly onDrop?: { inc(n: number): void },
  ) {
    this.enabled = options.enabled ?? true;
    this.retentionDays = options.retentionDays ?? REQUEST_LOG_DAYS;
    this.threadFrom = options.threadFrom === undefined ? THREAD_FROM : options.threadFrom;
    this.rateLimitHits = new RateLimitHits(db, log);
    this.here = new BatchWriter(db);
    this.thread = new LogThread(db.url);
    const flushMs = options.flushMs ?? 1000;
    if (flushMs > 0) this.every(flushMs, () => this.flushNow(false), 'request log flush failed');
    this.every(PRUNE_EVERY_MS, () => this.prune(), 'request log retention failed');
  }

  /** Whether the lines are written on the writer thread by now (see threadFrom). */
  get onThread(): boolean {
    return this.thread.started;
  }

  /** The hot path: one line written into a chunk, a few lookups and no object kept (line-chunks.ts). */
  push(line: LogLine): void {
    if (this.chunks.size + this.waitingLines < MAX_BUFFERED) this.chunks.add(line);
    else this.drop(1);
  }

  /** Writes every buffered line and every count; flushes never overlap, and one failure does not stop the next. */
  flush(): Promise<void> {
    return this.flushNow(true);
  }

  private flushNow(everything: boolean): Promise<void> {
    const next = this.flushing.catch(() => undefined).then(() => this.write(everything));
    this.flushing = next;
    return next;
  }

  /** Deletes what is past its retention (see prune.ts); runs every ten minutes by itself. */
  prune(now = Date.now()): Promise<number> {
    const run = this.pruning
      .catch(() => undefined)
      .then(() =>
        this.thread.started
          ? this.thread.prune(this.retentionDays, now)
          : this.here.prune(this.retentionDays, now),
      );
    this.pruning = run;
    return run;
  }

  /** Stops the timers and writes what is left; a last flush that fails is logged, and does not stop the server closing. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flush().catch((error: unknown) => this.log.error({ err: error }, 'request log flush failed'));
    await this.rateLimitHits.settled();
    await this.pruning.catch(() => undefined);
    await this.thread.close();
  }

  private every(ms: number, run: () => Promise<unknown>, failure: string): void {
    const timer = setInterval(
      () => void run().catch((error: unknown) => this.log.error({ err: error }, failure)),
      ms,
    );
    timer.unref();
    this.timers.push(timer);
  }

  private drop(n: number): void {
    this.dropped += n;
    this.onDrop?.inc(n);
  }

  private async write(everything: boolean): Promise<void> {
    const waiting = this.waiting;
    const chunks = this.chunks.take();
    this.waiting = [];
    this.waitingLines = 0;
    if (waiting.length === 0 && chunks.length === 0 && !everything) return;
    const outcome = await this.writeBatch(waiting, chunks, everything);
    this.written += outcome.written;
    if (!outcome.error) return;
    // Blocks wait for the database to come back; a batch it refused for what it holds would fail every
    // flush, so the rest of that one is dropped.
    const rest = outcome.unwritten ?? [];
    if (outcome.unavailable) this.putBack(rest);
    else this.drop(linesIn(rest));
    throw outcome.error;
  }

  /**
   * The batch written by the thread once it runs (or this batch is big enough to start it), else here. A
   * thread that stops in the middle of a batch may have written part of it: those lines are written twice.
   */
  private async writeBatch(
    waiting: NewBlock[],
    chunks: LineChunk[],
    everything: boolean,
  ): Promise<BatchOutcome> {
    const { thread, threadFrom } = this;
    const lines = linesIn(waiting) + linesInChunks(chunks);
    if (thread.usable && (thread.started || (threadFrom !== null && lines >= threadFrom))) {
      // The counts added up here so far are written first: from now on the thread adds them up.
      if (!thread.started) await this.here.write([], true);
      try {
        return await thread.write(waiting, chunks, everything);
      } catch (error) {
        this.log.error({ err: error }, 'request log thread stopped; writing on the event loop from now on');
      }
    }
    return this.here.write(blocksOfChunks(waiting, chunks), everything);
  }

  /** Blocks that could not be written wait for the next flush, the newest first, as many as the bound leaves room for. */
  private putBack(blocks: NewBlock[]): void {
    let room = MAX_BUFFERED - this.chunks.size;
    const kept: NewBlock[] = [];
    for (let i = blocks.length - 1; i >= 0; i--) {
      const block = blocks[i] as NewBlock;
      if (block.count <= room) {
        kept.unshift(block);
        room -= block.count;
      } else this.drop(block.count);
    }
    this.waiting = kept;
    this.waitingLines = linesIn(kept);
  }
}

const linesIn = (blocks: readonly NewBlock[]): number => blocks.reduce((n, block) => n + block.count, 0);
