import type { Environment } from '@gatehouse/domain';
import type { Database } from '../db/orm';
import { raw } from '@mikro-orm/core';
import { ClientSecret, Connection, UsageDaily } from '../db/entities';

export type Outcome = '2xx' | '4xx' | '429' | '5xx';

export function outcomeOf(status: number): Outcome {
  return OUTCOMES[outcomeIndex(status)]!;
}

const OUTCOMES: readonly Outcome[] = ['2xx', '4xx', '429', '5xx'];

function outcomeIndex(status: number): number {
  if (status === 429) return 2;
  if (status >= 500) return 3;
  if (status >= 400) return 1;
  return 0;
}

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

  constructor(private readonly db: Database, flushEveryMs = 2000) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush().catch((error: unknown) => console.error('usage flush failed', error)), flushEveryMs);
      this.timer.unref();
    }
  }

  recordCall(appId: string, tenantId: string, environment: Environment, endpoint: string, status: number, connectionId?: string, now = Date.now()): void {
    this.recordPairCall(`${appId}:${tenantId}:${environment}`, endpoint, status, connectionId, now);
  }

  /**
   * The hot path's way in: `pair` is `app:tenant:environment`, worked out once
   * per token, and the endpoint one string per route, so counting a call
   * builds no string and allocates nothing once the counters exist.
   */
  recordPairCall(pair: string, endpoint: string, status: number, connectionId?: string, now = Date.now()): void {
    const day = this.dayOf(now);
    let pairs = this.calls.get(day);
    if (!pairs) this.calls.set(day, (pairs = new Map()));
    let byEndpoint = pairs.get(pair);
    if (!byEndpoint) pairs.set(pair, (byEndpoint = new Map()));
    let counts = byEndpoint.get(endpoint);
    if (!counts) byEndpoint.set(endpoint, (counts = [0, 0, 0, 0]));
    counts[outcomeIndex(status)]!++;
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
    const [calls, lastCall, lastToken, secretUse] = [this.calls, this.lastCall, this.lastToken, this.secretUse];
    this.calls = new Map();
    this.lastCall = new Map();
    this.lastToken = new Map();
    this.secretUse = new Map();
    await this.db.em().transactional(async (em) => {
      const rows: { id: string; day: string; appId: string; tenantId: string; environment: Environment; endpoint: string; outcome: Outcome; calls: number }[] = [];
      for (const [day, pairs] of calls) {
        for (const [pair, byEndpoint] of pairs) {
          const [appId, tenantId, environment] = pair.split(':') as [string, string, Environment];
          for (const [endpoint, counts] of byEndpoint) {
            counts.forEach((n, index) => {
              if (n > 0) rows.push({ id: crypto.randomUUID(), day, appId, tenantId, environment, endpoint, outcome: OUTCOMES[index]!, calls: n });
            });
          }
        }
      }
      for (let i = 0; i < rows.length; i += 200) {
        await em
          .createQueryBuilder(UsageDaily)
          .insert(rows.slice(i, i + 200))
          .onConflict(['appId', 'day', 'tenantId', 'environment', 'endpoint', 'outcome'])
          .merge({ calls: raw('usage_daily.calls + excluded.calls') })
          .execute();
      }
      for (const [id, at] of this.due('call', lastCall)) await em.nativeUpdate(Connection, { id }, { lastCallAt: at });
      for (const [id, at] of this.due('token', lastToken)) await em.nativeUpdate(Connection, { id }, { lastTokenAt: at });
      for (const [id, at] of this.due('secret', secretUse)) await em.nativeUpdate(ClientSecret, { id }, { lastUsedAt: at });
    });
  }
}
