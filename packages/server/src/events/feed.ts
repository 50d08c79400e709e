import type { ChangeEventType } from '@gatehouse/domain';
import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { FastifyBaseLogger } from 'fastify';
import { ChangeEvent } from '../db/entities';
import { ChangeListener } from './listener';

/** A committed change, as listeners receive it. */
export interface FeedEvent {
  seq: number;
  at: Date;
  type: ChangeEventType;
  appId: string | null;
  tenantId: string | null;
  environment: string | null;
  connectionId: string | null;
  clientId: string | null;
  data: Record<string, unknown> | null;
}

export type FeedListener = (events: readonly FeedEvent[]) => void;

/** How often the feed reads the table when nothing wakes it: well inside the one-second rule. */
export const POLL_MS = 250;
/**
 * With PostgreSQL's notifications arriving, reads on a timer are a backstop: for a notification
 * connection that died without a word, they alone keep changes inside the one-second rule.
 */
export const NOTIFIED_POLL_MS = 500;
/**
 * How long a cache stays trusted without a word from the database. While the
 * database is away nothing can change, so what the caches hold stays current
 * for a short outage (a restart); past this, every answer that needs access
 * state waits for the database again, and is refused while it cannot.
 */
export const TRUST_WITHOUT_SYNC_MS = 15_000;
/**
 * How long a missing sequence number is looked for. PostgreSQL hands out
 * numbers when rows are inserted, not when they commit: a transaction still
 * running (a change waiting on a row lock, say) leaves a gap that fills when
 * it commits, or never, if it rolls back. Longer than any cache entry lives
 * (STATE_TTL_MS), so a change that commits late is still delivered before an
 * entry it should have dropped could expire by itself.
 */
export const MISSING_KEPT_MS = 10 * 60_000;
/** At most this many missing numbers are looked for, the newest kept. */
const MISSING_MAX = 5000;
/** Events kept in the table; older ones are deleted now and then by any instance. */
export const RETENTION_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const BATCH = 1000;
/** On start, the feed reads back this far, so a change committed while it started is not skipped. */
const START_BACK = 1000;

type Log = Pick<FastifyBaseLogger, 'warn' | 'info' | 'error'>;

/**
 * Reads the change feed (the `change_event` table) in sequence order from
 * where this process left off, and hands each committed event to the
 * listeners once. PostgreSQL's notifications wake it as soon as a change
 * commits; otherwise (SQLite, or while the notification connection is down)
 * it polls. No event is lost when a process dies between a commit and its
 * delivery: every instance reads the table itself. A number skipped on the
 * way (a transaction that had not committed yet) is looked for again on every
 * read until it shows up or MISSING_KEPT_MS passes.
 */
export class ChangeFeed {
  readonly stats = { dispatched: 0, lagMs: 0, lastSyncAt: 0 };
  private readonly listeners = new Set<FeedListener>();
  /** The highest number read so far. */
  private readTo: number | null = null;
  /** Numbers below `readTo` not seen yet, with when this process first missed each. */
  private readonly missing = new Map<number, number>();
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private watchers = 0;
  private timer: NodeJS.Timeout | undefined;
  private notifications: ChangeListener | undefined;
  private lastPrune = 0;
  private log: Log | undefined;

  constructor(
    private readonly em: () => EntityManager,
    private readonly postgresUrl: string | null,
  ) {}

  /** Listens to every committed change from now on; returns how to stop. */
  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** False once the feed has not read the table for a while: caches are then not to be trusted alone. */
  current(now = Date.now()): boolean {
    return now - this.stats.lastSyncAt <= TRUST_WITHOUT_SYNC_MS;
  }

  /**
   * Delivers every event committed before the call: a change this process just
   * committed reaches its own caches before its request answers. Never
   * rejects: while the database cannot be read, the events wait for the next
   * read, and `current` turns false once that lasts.
   */
  catchUp(): Promise<void> {
    if (this.listeners.size === 0) return Promise.resolve();
    if (this.queued) return this.queued;
    const next = this.running.then(() => {
      this.queued = null;
      return this.read().catch(() => undefined);
    });
    this.queued = next;
    this.running = next;
    return next;
  }

  /** Starts reading in the background (once per process, however many servers share the database). */
  async start(log?: Log): Promise<() => Promise<void>> {
    this.watchers++;
    if (this.watchers === 1) {
      this.log = log;
      await this.catchUp();
      if (this.postgresUrl) {
        this.notifications = new ChangeListener(this.postgresUrl, () => void this.catchUp(), log);
        await this.notifications.start();
      }
      this.schedule();
    }
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      if (--this.watchers > 0) return;
      clearTimeout(this.timer);
      await this.notifications?.stop();
      this.notifications = undefined;
      await this.running;
    };
  }

  private schedule(): void {
    const ms = this.notifications?.listening ? NOTIFIED_POLL_MS : POLL_MS;
    this.timer = setTimeout(() => {
      void this.catchUp().then(() => {
        if (this.watchers > 0) this.schedule();
      });
      this.prune();
    }, ms);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    // What this read finds was committed by the time it started: the caches are current as of then.
    const started = Date.now();
    const em = this.em();
    let readTo = this.readTo;
    if (readTo === null) {
      const last = await em.findOne(
        ChangeEvent,
        { seq: { $gt: 0 } },
        { orderBy: { seq: 'desc' }, fields: ['seq'] },
      );
      readTo = Math.max(0, (last?.seq ?? 0) - START_BACK);
      this.readTo = readTo;
    }
    if (this.missing.size > 0) {
      const late = await em.find(
        ChangeEvent,
        { seq: { $in: [...this.missing.keys()] } },
        { orderBy: { seq: 'asc' } },
      );
      for (const row of late) this.missing.delete(row.seq);
      if (late.length > 0) this.deliver(late.map(toFeedEvent));
    }
    for (;;) {
      const rows: InferEntity<typeof ChangeEvent>[] = await em.find(
        ChangeEvent,
        { seq: { $gt: readTo } },
        { orderBy: { seq: 'asc' }, limit: BATCH },
      );
      for (const row of rows) {
        const skippedFrom = Math.max(readTo + 1, row.seq - MISSING_MAX);
        for (let skipped = skippedFrom; skipped < row.seq; skipped++) this.missing.set(skipped, started);
        readTo = row.seq;
      }
      this.readTo = readTo;
      if (rows.length > 0) this.deliver(rows.map(toFeedEvent));
      if (rows.length < BATCH) break;
      em.clear();
    }
    this.forgetMissing(started);
    this.stats.lastSyncAt = started;
  }

  /** Hands events to every listener; one that throws is logged and does not keep the others from them. */
  private deliver(events: FeedEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (error) {
        this.log?.error({ err: error }, 'a change feed listener failed');
      }
    }
    this.stats.dispatched += events.length;
    const now = Date.now();
    this.stats.lagMs = Math.max(0, now - (events.at(-1)?.at.getTime() ?? now));
  }

  /** Stops looking for numbers missed long ago (rolled back), and for the oldest past MISSING_MAX. */
  private forgetMissing(now: number): void {
    for (const [seq, since] of this.missing) {
      if (now - since <= MISSING_KEPT_MS && this.missing.size <= MISSING_MAX) break;
      this.missing.delete(seq);
    }
  }

  /** Deletes events past their retention, now and then, beside the reads rather than in their way. */
  private prune(): void {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    void this.em()
      .nativeDelete(ChangeEvent, { at: { $lt: new Date(Date.now() - RETENTION_MS) } })
      .catch(() => undefined);
  }
}

function toFeedEvent(row: InferEntity<typeof ChangeEvent>): FeedEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type as ChangeEventType,
    appId: row.appId ?? null,
    tenantId: row.tenantId ?? null,
    environment: row.environment ?? null,
    connectionId: row.connectionId ?? null,
    clientId: row.clientId ?? null,
    data: row.data ?? null,
  };
}
