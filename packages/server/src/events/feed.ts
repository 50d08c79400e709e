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
/** With PostgreSQL's notifications arriving, reads on a timer are only a backstop. */
export const NOTIFIED_POLL_MS = 1000;
/**
 * How long a cache stays trusted without a word from the database. While the
 * database is away nothing can change, so what the caches hold stays current
 * for a short outage (a restart); past this, every answer that needs access
 * state waits for the database again, and is refused while it cannot.
 */
export const TRUST_WITHOUT_SYNC_MS = 15_000;
/**
 * How long a missing sequence number is waited for. PostgreSQL hands out
 * numbers when rows are inserted, not when they commit: a transaction still
 * running leaves a gap that fills when it commits (or never, if it rolls back).
 */
export const GAP_WAIT_MS = 5_000;
/** Events kept in the table; older ones are deleted now and then by any instance. */
export const RETENTION_MS = 7 * 24 * 3600_000;
const BATCH = 1000;
/** On start, the feed reads back this far, so a change committed while it started is not skipped. */
const START_BACK = 1000;

/**
 * Reads the change feed (the `change_event` table) in sequence order from
 * where this process left off, and hands each committed event to the
 * listeners once. PostgreSQL's notifications wake it as soon as a change
 * commits; otherwise (SQLite, or while the notification connection is down)
 * it polls. No event is lost when a process dies between a commit and its
 * delivery: every instance reads the table itself.
 */
export class ChangeFeed {
  readonly stats = { dispatched: 0, lagMs: 0, lastSyncAt: 0 };
  private readonly listeners = new Set<FeedListener>();
  /** Every event up to here was delivered or given up on. */
  private cursor: number | null = null;
  private readonly deliveredAbove = new Set<number>();
  private readonly gapsSince = new Map<number, number>();
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private watchers = 0;
  private timer: NodeJS.Timeout | undefined;
  private notifications: ChangeListener | undefined;
  private lastPrune = 0;

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
  async start(log?: Pick<FastifyBaseLogger, 'warn' | 'info'>): Promise<() => Promise<void>> {
    this.watchers++;
    if (this.watchers === 1) {
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
    }, ms);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    const em = this.em();
    if (this.cursor === null) {
      const last = await em.findOne(
        ChangeEvent,
        { seq: { $gt: 0 } },
        { orderBy: { seq: 'desc' }, fields: ['seq'] },
      );
      this.cursor = Math.max(0, (last?.seq ?? 0) - START_BACK);
    }
    for (;;) {
      const rows = await em.find(
        ChangeEvent,
        { seq: { $gt: this.cursor } },
        { orderBy: { seq: 'asc' }, limit: BATCH },
      );
      const now = Date.now();
      const fresh = rows.filter((row) => !this.deliveredAbove.has(row.seq));
      for (const row of fresh) this.deliveredAbove.add(row.seq);
      if (fresh.length > 0) this.deliver(fresh.map(toFeedEvent), now);
      this.advance(rows, now);
      this.stats.lastSyncAt = now;
      if (rows.length < BATCH) break;
      em.clear();
    }
    if (Date.now() - this.lastPrune > 600_000) {
      this.lastPrune = Date.now();
      await em.nativeDelete(ChangeEvent, { at: { $lt: new Date(Date.now() - RETENTION_MS) } });
    }
  }

  private deliver(events: FeedEvent[], now: number): void {
    for (const listener of this.listeners) listener(events);
    this.stats.dispatched += events.length;
    this.stats.lagMs = Math.max(0, now - (events.at(-1)?.at.getTime() ?? now));
  }

  /**
   * Moves the cursor over what was delivered, stopping at a gap until it fills or is old enough to give up
   * on: a gap counts as old as the first change written after it.
   */
  private advance(rows: readonly { seq: number; at: Date }[], now: number): void {
    let cursor = this.cursor ?? 0;
    const highest = rows.at(-1)?.seq ?? cursor;
    let after = 0;
    while (cursor < highest) {
      const next = cursor + 1;
      if (!this.deliveredAbove.delete(next)) {
        while ((rows[after]?.seq ?? Number.POSITIVE_INFINITY) < next) after++;
        const since = this.gapsSince.get(next) ?? Math.min(now, rows[after]?.at.getTime() ?? now);
        if (now - since < GAP_WAIT_MS) {
          this.gapsSince.set(next, since);
          break;
        }
      }
      this.gapsSince.delete(next);
      cursor = next;
    }
    this.cursor = cursor;
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
