import type { BreakerConfig } from './config';
import type { UpstreamHealth } from './health';

/**
 * What one call came to, for the circuit: `failure` (the upstream could not be reached, or broke the
 * connection) counts towards opening it; `timeout` (no answer in time) counts only while the run of
 * failures comes from two callers or more, since a caller chooses how slow its own calls are (a path
 * that takes long to answer); `success` (any answer, 5xx included) closes it; `neutral` (the client went
 * away, a fault of the request) says nothing about the upstream.
 */
export interface Attempt<T> {
  value: T;
  verdict: 'success' | 'failure' | 'timeout' | 'neutral';
}

/** The call was not made: the circuit is open, or its one trial call is under way. */
export interface Refused {
  refused: true;
  retryAfterMs: number;
}

/** While the trial call is under way, others are told to come back shortly: it ends one way or the other. */
const TRIAL_RETRY_MS = 1_000;

type State = 'closed' | 'open' | 'half-open';

/**
 * An upstream's circuit breaker: once enough consecutive failures count (see Attempt), it opens, and calls
 * are refused without touching the network for `cooldownMs`; then one trial call may go (half-open), whose
 * success closes the circuit and whose failure opens it again. Refusing during the trial, rather than
 * queueing behind it, keeps callers from piling up on an upstream that may still be down.
 *
 * No one caller (an app, whichever tenants and environments it calls for) can keep the circuit open for
 * everyone: its timeouts alone never count, and which callers timed out is asked afresh each time the
 * circuit opens, so an earlier run's callers do not make one caller's later timeouts count; only a call
 * without a body that changes nothing (GET, HEAD, OPTIONS) may be the trial, which the caller therefore
 * cannot hold open by sending its body slowly; a caller whose trial timed out may not be the trial again
 * for a cooldown, so that another caller's call tests the upstream meanwhile rather than the same slow
 * path again; and a trial the client gave up proves nothing either way: the next call may be the trial.
 */
export class Circuit {
  private state: State = 'closed';
  private openedAt = 0;
  /** The run of consecutive failures: how many were failures, how many timeouts, and from which callers. */
  private failures = 0;
  private timeouts = 0;
  /** Whether the run's timeouts count: two callers or more have failed in it. */
  private timeoutsCount = false;
  /** The first caller to fail since the run began or the circuit last opened; whether another one has since. */
  private firstCaller: string | undefined;
  private manyCallers = false;
  /** Callers whose trial timed out, and until when they may not be the trial: cleared once it closes. */
  private readonly barred = new Map<string, number>();

  constructor(private readonly config: BreakerConfig) {}

  /**
   * Runs `call` unless the circuit refuses it; `call` must not reject and learns whether it is the trial.
   * `caller` names who is calling (an app); `mayTrial` whether this call may test an upstream whose
   * circuit is open.
   */
  async run<T>(
    call: (trial: boolean) => Promise<Attempt<T>>,
    caller: string | undefined,
    mayTrial: boolean,
  ): Promise<{ refused: false; value: T } | Refused> {
    let trial = false;
    if (this.state !== 'closed') {
      const remaining = this.state === 'open' ? this.remainingMs() : TRIAL_RETRY_MS;
      if (remaining > 0) return { refused: true, retryAfterMs: remaining };
      if (!mayTrial) return { refused: true, retryAfterMs: TRIAL_RETRY_MS };
      const barredMs = (this.barred.get(caller ?? '') ?? 0) - Date.now();
      if (barredMs > 0) return { refused: true, retryAfterMs: Math.min(barredMs, TRIAL_RETRY_MS) };
      this.state = 'half-open';
      trial = true;
    }
    let attempt: Attempt<T>;
    try {
      attempt = await call(trial);
    } catch (error) {
      if (trial) this.state = 'open';
      throw error;
    }
    this.settle(attempt.verdict, caller, trial);
    return { refused: false, value: attempt.value };
  }

  private settle(verdict: Attempt<unknown>['verdict'], caller: string | undefined, trial: boolean): void {
    if (verdict === 'success') {
      this.failures = this.timeouts = 0;
      this.firstCaller = undefined;
      this.manyCallers = this.timeoutsCount = false;
      if (trial) {
        this.state = 'closed';
        this.barred.clear();
      }
      return;
    }
    if (verdict === 'neutral') {
      // Back to open past its cooldown: the next call that may be the trial is.
      if (trial) this.state = 'open';
      return;
    }
    const who = caller ?? '';
    if (this.firstCaller === undefined) this.firstCaller = who;
    else if (who !== this.firstCaller) this.manyCallers = this.timeoutsCount = true;
    if (verdict === 'timeout') this.timeouts++;
    else this.failures++;
    const counts = verdict === 'failure' || this.manyCallers;
    if (trial) {
      // A trial that failed opens the circuit for another cooldown; one whose failure does not count
      // frees the trial for the next caller, another one.
      this.state = 'open';
      if (verdict === 'timeout') this.barred.set(who, Date.now() + this.config.cooldownMs);
      if (counts) this.open();
    } else if (this.state === 'closed' && counts && this.counted() >= this.config.failures) {
      this.open();
    }
  }

  /** Opens the circuit for a cooldown: which callers fail from now on is counted afresh. */
  private open(): void {
    this.state = 'open';
    this.openedAt = Date.now();
    this.firstCaller = undefined;
    this.manyCallers = false;
  }

  /** The consecutive failures that count towards opening the circuit. */
  private counted(): number {
    return this.failures + (this.timeoutsCount ? this.timeouts : 0);
  }

  private remainingMs(): number {
    return this.openedAt + this.config.cooldownMs - Date.now();
  }

  view(): Pick<UpstreamHealth, 'circuit' | 'openUntil' | 'consecutiveFailures' | 'failureThreshold'> {
    return {
      circuit: this.state,
      openUntil: this.state === 'open' ? new Date(this.openedAt + this.config.cooldownMs) : null,
      consecutiveFailures: this.counted(),
      failureThreshold: this.config.failures,
    };
  }
}
