import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/orm';
import { pendingMigrations } from '../db/orm';
import type { SigningKeys } from '../oauth/keys';

/** How long `/readyz` waits for the database's `select 1` before calling it unreachable. */
export const DATABASE_CHECK_TIMEOUT_MS = 1000;

type CheckResult = 'ok' | string;

export interface ReadinessReport {
  ready: boolean;
  body: {
    status: 'ready' | 'unavailable' | 'shutting_down';
    /** The checks that failed, by name; empty when ready. */
    failed: string[];
    checks: Record<string, CheckResult>;
  };
}

/**
 * Whether this instance should get traffic (`GET /readyz`): the database answers, its schema is the
 * code's, the signing key is loaded, and the instance is not shutting down. Liveness (`/healthz`) is only
 * "the process answers": a load balancer that restarted instances on a database outage would make it worse.
 */
export class Readiness {
  /** Set when a shutdown begins: the load balancer stops sending before the port closes. */
  shuttingDown = false;
  private probe: Promise<CheckResult> | null = null;

  /** `pending`: the migrations the database lacked when the server started (checked once: not cheap). */
  private constructor(
    private readonly db: Database,
    private readonly keys: () => SigningKeys | undefined,
    private readonly pending: number,
    private readonly timeoutMs: number,
  ) {}

  static async start(
    db: Database,
    keys: () => SigningKeys | undefined,
    timeoutMs = DATABASE_CHECK_TIMEOUT_MS,
  ): Promise<Readiness> {
    return new Readiness(db, keys, (await pendingMigrations(db)).length, timeoutMs);
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, CheckResult> = {
      database: await this.database(),
      migrations: this.pending === 0 ? 'ok' : `${this.pending} pending`,
      signingKey: this.keys()?.current.key ? 'ok' : 'not loaded',
    };
    if (this.shuttingDown) checks.shutdown = 'in progress';
    const failed = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    const status = this.shuttingDown ? 'shutting_down' : failed.length === 0 ? 'ready' : 'unavailable';
    return { ready: failed.length === 0, body: { status, failed, checks } };
  }

  /** `select 1` within the timeout; probes that arrive meanwhile share the one in flight. */
  private database(): Promise<CheckResult> {
    this.probe ??= new Promise<CheckResult>((resolve) => {
      const timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      this.db
        .em()
        .getConnection()
        .execute('select 1')
        .then(
          () => resolve('ok'),
          () => resolve('unreachable'),
        )
        .finally(() => clearTimeout(timer));
    }).finally(() => {
      this.probe = null;
    });
    return this.probe;
  }
}

/** `GET /healthz` (the process answers) and `GET /readyz` (see Readiness); no authentication, nothing secret. */
export function healthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, body } = await readiness.report();
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
