import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
} from 'cockatiel';
import type { BreakerConfig } from './config';
import type { UpstreamHealth } from './health';

/**
 * What one call came to, for the circuit: `failure` (the upstream could not be reached or did not answer
 * in time) counts towards opening it, `success` (any answer, 5xx included) closes it, and `neutral` (the
 * client went away, a fault of the request) says nothing about the upstream.
 */
export interface Attempt<T> {
  value: T;
  verdict: 'success' | 'failure' | 'neutral';
}

/** The call was not made: the circuit is open, or its one trial call is under way. */
export interface Refused {
  refused: true;
  retryAfterMs: number;
}

/** While the trial call is under way, others are told to come back shortly: it ends one way or the other. */
const TRIAL_RETRY_MS = 1_000;

/** Carries a neutral call's value past the policy, which counts every value it sees as a success. */
class NeutralOutcome {
  constructor(readonly value: unknown) {}
}

/**
 * An upstream's circuit breaker: after `failures` consecutive failures it opens, and calls are refused
 * without touching the network for `cooldownMs`; then one trial call may go (half-open), whose success
 * closes the circuit and whose failure opens it again. Refusing during the trial, rather than queueing
 * behind it, keeps callers from piling up on an upstream that may still be down.
 */
export class Circuit {
  private readonly breaker: ConsecutiveBreaker;
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(private readonly config: BreakerConfig) {
    this.breaker = new ConsecutiveBreaker(config.failures);
    this.policy = circuitBreaker(
      handleWhenResult((result) => (result as Attempt<unknown>).verdict !== 'success'),
      { halfOpenAfter: config.cooldownMs, breaker: this.breaker },
    );
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
  }

  /** Runs `call` unless the circuit refuses it; `call` must not reject. */
  async run<T>(call: () => Promise<Attempt<T>>): Promise<{ refused: false; value: T } | Refused> {
    const wait = this.refusalMs();
    if (wait !== undefined) return { refused: true, retryAfterMs: wait };
    // Open past its cooldown: this call is the trial. A trial that ends neutral proves nothing, so the
    // circuit stays open for another cooldown rather than closing on no evidence.
    const trial = this.policy.state === CircuitState.Open;
    try {
      const attempt = await this.policy.execute(async () => {
        const result = await call();
        if (result.verdict === 'neutral' && !trial) throw new NeutralOutcome(result.value);
        return result;
      });
      return { refused: false, value: attempt.value };
    } catch (error) {
      if (error instanceof NeutralOutcome) return { refused: false, value: error.value as T };
      if (error instanceof BrokenCircuitError) return { refused: true, retryAfterMs: this.remainingMs() };
      throw error;
    }
  }

  /** How long a call must wait now, or undefined when it may go. */
  private refusalMs(): number | undefined {
    const state = this.policy.state;
    if (state === CircuitState.HalfOpen) return TRIAL_RETRY_MS;
    if (state === CircuitState.Open) {
      const remaining = this.remainingMs();
      return remaining > 0 ? remaining : undefined;
    }
    return undefined;
  }

  private remainingMs(): number {
    return this.openedAt + this.config.cooldownMs - Date.now();
  }

  view(): Pick<UpstreamHealth, 'circuit' | 'openUntil' | 'consecutiveFailures' | 'failureThreshold'> {
    const state = this.policy.state;
    const open = state === CircuitState.Open;
    return {
      circuit: open ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : 'closed',
      openUntil: open ? new Date(this.openedAt + this.config.cooldownMs) : null,
      consecutiveFailures: this.breaker.state,
      failureThreshold: this.config.failures,
    };
  }
}
