import {
  type Environment,
  UNAUTHENTICATED_ENDPOINT,
  USAGE_OUTCOMES,
  usageOutcomeIndex,
} from '@gatehouse/domain';
import { ClientSecret, Connection } from '../db/entities';
import type { Database } from '../db/orm';
import { isDatabaseUnavailable } from '../errors';
import { type BackgroundLog, standardErrorLog } from '../http/log';
import { pairKeyOf, pairOf } from '../oauth/token-format';
import { addCalls, stamp, type UsageRow } from './writes';

/** Calls counted since the last write: day → `app:tenant:environment` → endpoint → count per outcome. */
type CallCounts = Map<string, Map<string, Map<string, number[]>>>;

/** "Last token" and "last call" are shown to the minute: a timestamp newer by less than this is not written again. */
const LAST_USE_RESOLUTION_MS = 30_000;

/**
 * Counts API calls and token grants in memory and writes them in batches:
 * the hot paths never wait for the database to keep statistics.
 */
export class UsageRecorder {
  private calls: CallCounts = new Map();
  private lastCall = new Map<string, number>();
  private lastToken = new Map<string, number>();
  private secretUse = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private day = '';
  private dayStarts = 0;
  private dayEnds = 0;
  /** When each connection's or secret's last-use time was last written. */
  private readonly written = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();

  /**
   * `log`: where a failed background flush is reported (the server's logger); `flushTime`: what observes
   * how long each flush that wrote something took, in seconds (the server's metrics).
   */
  constructor(
    private readonly db: Database,
    flushEveryMs = 2000,
    log: BackgroundLog = standardErrorLog,
    private readonly flushTime?: { observe(seconds: number): void },
  ) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(
        () => void this.flush().catch((error: unknown) => log.error({ err: error }, 'usage flush failed')),
        flushEveryMs,
      );
      this.timer.unref();
    }
  }

  recordCall(
    appId: string,
    tenantId: string,
    environment: Environment,
    endpoint: string,
    status: number,
    connectionId?: string,
    now = Date.now(),
  ): void {
    this.recordPairCall(pairKeyOf(appId, tenantId, environment), endpoint, status, connectionId, now);
  }

  /** A call with a live app key whose token proved no tenant: the app's one bounded bucket, never a tenant's row. */
  recordUnauthenticated(appId: string, environment: Environment, status: number, now = Date.now()): void {
    this.recordPairCall(pairKeyOf(appId, '', environment), UNAUTHENTICATED_ENDPOINT, status, undefined, now);
  }

  /**
   * The hot path's way in: `pair` is the token's pair key (see token-format.ts),
   * worked out once per token, and the endpoint one string per route, so
   * counting a call builds no string and allocates nothing once the counters
   * exist.
   */
  recordPairCall(
    pair: string,
    endpoint: string,
    status: number,
    connectionId?: string,
    now = Date.now(),
  ): void {
    const day = this.dayOf(now);
    let pairs = this.calls.get(day);
    if (!pairs) {
      pairs = new Map();
      this.calls.set(day, pairs);
    }
    let byEndpoint = pairs.get(pair);
    if (!byEndpoint) {
      byEndpoint = new Map();
      pairs.set(pair, byEndpoint);
    }
    let counts = byEndpoint.get(endpoint);
    if (!counts) {
      counts = [0, 0, 0, 0];
      byEndpoint.set(endpoint, counts);
    }
    counts[usageOutcomeIndex(status)]!++;
    if (connectionId) this.lastCall.set(connectionId, now);
  }

  /** The UTC day of `now`, computed once per day rather than per call. */
  private dayOf(now: number): string {
    if (now >= this.dayEnds || now < this.dayStarts) {
      this.dayStarts = now - (now % 86_400_000);
      this.dayEnds = this.dayStarts + 86_400_000;
      this.day = new Date(this.dayStarts).toISOString().slice(0, 10);
    }
    return this.day;
  }

  recordToken(connectionId: string, secretId: string, now = Date.now()): void {
    this.lastToken.set(connectionId, now);
    this.secretUse.set(secretId, now);
  }

  /** Writes what was counted since the last flush; flushes never overlap, and one failure does not stop the next. */
  flush(): Promise<void> {
    const next = this.flushing.catch(() => undefined).then(() => this.write());
    this.flushing = next;
    return next;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** A batch that could not be written goes back in with what was counted since, for the next flush. */
  private putBack(calls: CallCounts, ...times: [string, Map<string, number>, Map<string, number>][]): void {
    for (const [day, pairs] of calls) {
      if (!this.calls.has(day)) this.calls.set(day, new Map());
      const intoDay = this.calls.get(day)!;
      for (const [pair, byEndpoint] of pairs) {
        if (!intoDay.has(pair)) intoDay.set(pair, new Map());
        const intoPair = intoDay.get(pair)!;
        for (const [endpoint, counts] of byEndpoint) {
          const into = intoPair.get(endpoint);
          if (!into) intoPair.set(endpoint, counts);
          else for (const [outcome, n] of counts.entries()) into[outcome] = (into[outcome] ?? 0) + n;
        }
      }
    }
    // `due` took these last-use times as written: they were not.
    for (const [kind, from, into] of times)
      for (const [id, at] of from) {
        this.written.delete(`${kind}:${id}`);
        if ((into.get(id) ?? 0) < at) into.set(id, at);
      }
  }

  /** The last-use times worth writing: new ones, or ones that moved by more than the resolution. */
  private due(kind: string, times: Map<string, number>): [string, Date][] {
    const out: [string, Date][] = [];
    for (const [id, at] of times) {
      const key = `${kind}:${id}`;
      if (at - (this.written.get(key) ?? 0) < LAST_USE_RESOLUTION_MS) continue;
      this.written.set(key, at);
      out.push([id, new Date(at)]);
    }
    if (this.written.size > 200_000) this.written.clear();
    return out;
  }

  private async write(): Promise<void> {
    if (this.calls.size + this.lastCall.size + this.lastToken.size + this.secretUse.size === 0) return;
    const [calls, lastCall, lastToken, secretUse] = [
      this.calls,
      this.lastCall,
      this.lastToken,
      this.secretUse,
    ];
    this.calls = new Map();
    this.lastCall = new Map();
    this.lastToken = new Map();
    this.secretUse = new Map();
    const started = performance.now();
    try {
      await this.db.em().transactional(async (em) => {
        const rows: UsageRow[] = [];
        for (const [day, pairs] of calls) {
          for (const [pair, byEndpoint] of pairs) {
            const { appId, tenantId, environment } = pairOf(pair);
            for (const [endpoint, counts] of byEndpoint) {
              counts.forEach((n, index) => {
                if (n > 0)
                  rows.push({
                    id: crypto.randomUUID(),
                    day,
                    appId,
                    tenantId,
                    environment,
                    endpoint,
                    outcome: USAGE_OUTCOMES[index]!,
                    calls: n,
                  });
              });
            }
          }
        }
        await addCalls(em, rows);
        await stamp(em, Connection, 'lastCallAt', this.due('call', lastCall));
        await stamp(em, Connection, 'lastTokenAt', this.due('token', lastToken));
        await stamp(em, ClientSecret, 'lastUsedAt', this.due('secret', secretUse));
      });
    } catch (error) {
      // Counted calls wait for the database to come back. A batch it refused for what it holds would fail
      // every flush, so that one is dropped (and reported by the caller).
      if (isDatabaseUnavailable(error))
        this.putBack(
          calls,
          ['call', lastCall, this.lastCall],
          ['token', lastToken, this.lastToken],
          ['secret', secretUse, this.secretUse],
        );
      throw error;
    }
    this.flushTime?.observe((performance.now() - started) / 1000);
  }
}
