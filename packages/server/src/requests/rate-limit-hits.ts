import { RateLimitHit } from '../db/entities';
import type { Database } from '../db/orm';
import { recordEvent } from '../events/record';
import type { BackgroundLog } from '../http/log';
import { pairOf } from '../oauth/token-format';
import { UtcDays } from './line';

/** Pairs remembered as refused today; past it the memory starts again (a few more inserts that find their row). */
const MAX_REMEMBERED = 100_000;

/**
 * The first refusal for the rate limit of an app × tenant × environment in a
 * UTC day, told once as a `connection.rate_limited` event (webhooks deliver
 * it). This process remembers which pairs it told today, so a burst of 429s
 * costs one lookup each; the first one writes, off the request, in one
 * transaction: the day's RateLimitHit row if no instance wrote it yet, and
 * the event only if this insert made the row.
 */
export class RateLimitHits {
  private readonly told = new Map<string, string>();
  private readonly days = new UtcDays();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly log: BackgroundLog,
  ) {}

  /** A call of the pair (`app:tenant:environment`, see token-format.ts) was refused for the rate limit. */
  refused(pairKey: string, connectionId: string | undefined, now = Date.now()): void {
    const day = this.days.of(now);
    if (this.told.get(pairKey) === day) return;
    if (this.told.size >= MAX_REMEMBERED) this.told.clear();
    this.told.set(pairKey, day);
    this.writing = this.writing.then(() => this.write(pairKey, connectionId ?? null, day, now));
  }

  /** Resolves once every first refusal seen so far is written (or failed). */
  settled(): Promise<void> {
    return this.writing;
  }

  private async write(pairKey: string, connectionId: string | null, day: string, at: number) {
    const { appId, tenantId, environment } = pairOf(pairKey);
    try {
      await this.db.em().transactional(async (em) => {
        const result = await em
          .createQueryBuilder(RateLimitHit)
          .insert({ appId, tenantId, environment, day, at: new Date(at) })
          .onConflict(['appId', 'tenantId', 'environment', 'day'])
          .ignore()
          .execute('run');
        if (result.affectedRows > 0)
          recordEvent(em, {
            type: 'connection.rate_limited',
            appId,
            tenantId,
            environment,
            connectionId,
            data: { day },
          });
      });
    } catch (error) {
      // Not told after all: the next refusal of the pair tries again.
      if (this.told.get(pairKey) === day) this.told.delete(pairKey);
      this.log.error({ err: error }, 'rate-limit event not written');
    }
  }
}
