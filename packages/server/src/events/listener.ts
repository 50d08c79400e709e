import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';

/** The channel the change feed's insert trigger notifies (see the change-feed migration). */
export const CHANGES_CHANNEL = 'gatehouse_changes';
const RECONNECT_MS = 1000;
/** A connection that died without a word (a NAT, a stalled network) is found out by this heartbeat. */
const HEARTBEAT_MS = 10_000;

/**
 * A PostgreSQL connection of its own that LISTENs for committed changes and
 * calls `wake` on each notification. It reconnects by itself when the
 * connection drops; meanwhile `listening` is false and the feed polls faster.
 */
export class ChangeListener {
  listening = false;
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly url: string,
    private readonly wake: () => void,
    private readonly log?: Pick<FastifyBaseLogger, 'warn' | 'info'>,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
      keepAlive: true,
      keepAliveInitialDelayMillis: HEARTBEAT_MS,
    });
    this.client = client;
    client.on('notification', () => this.wake());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.failures > 0) this.log?.info('listening for changes again');
    this.failures = 0;
    this.listening = true;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch(() => this.lost(client));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    // Changes committed while nobody listened are read now.
    this.wake();
  }

  private lost(client: pg.Client): void {
    if (client !== this.client || this.stopped) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.heartbeat);
    if (this.failures++ === 0) this.log?.warn('lost the change notifications; polling until they return');
    client.end().catch(() => undefined);
    this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.retry.unref();
  }
}
