/**
 * Who is calling: the app, whose timeouts alone never open the circuit whichever tenants and environments
 * it calls for, and its app × tenant × environment pair.
 */
export interface Caller {
  app: string;
  pair: string;
}

/**
 * The calls each caller has under way to one upstream, and how many it may have: half of the connections
 * for an app, a quarter for a pair, so that neither one app, however many tenants it is connected to, nor
 * one of its tenants can take them all, whatever its calls are waiting for.
 */
export class CallerShares {
  private readonly apps = new Map<string, number>();
  private readonly pairs = new Map<string, number>();
  private readonly appLimit: number;
  private readonly pairLimit: number;

  constructor(connections: number) {
    this.appLimit = Math.max(1, Math.floor(connections / 2));
    this.pairLimit = Math.max(1, Math.floor(connections / 4));
  }

  /** Whose share one more call would exceed: the pair's, the app's, or neither. */
  full(caller: Caller): 'pair' | 'app' | undefined {
    if ((this.pairs.get(caller.pair) ?? 0) >= this.pairLimit) return 'pair';
    if ((this.apps.get(caller.app) ?? 0) >= this.appLimit) return 'app';
    return undefined;
  }

  add(caller: Caller): void {
    count(this.apps, caller.app, 1);
    count(this.pairs, caller.pair, 1);
  }

  remove(caller: Caller): void {
    count(this.apps, caller.app, -1);
    count(this.pairs, caller.pair, -1);
  }
}

/** Adds `by` to the calls under way of `key`, forgetting a key with none. */
function count(calls: Map<string, number>, key: string, by: 1 | -1): void {
  const now = (calls.get(key) ?? 0) + by;
  if (now > 0) calls.set(key, now);
  else calls.delete(key);
}
