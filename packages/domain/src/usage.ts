/** How a call ended, as the usage report counts it: success, client error, throttled, server error. */
export const USAGE_OUTCOMES = ['2xx', '4xx', '429', '5xx'] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

/** The position of a status's outcome in `USAGE_OUTCOMES`: 429 is counted apart from other client errors. */
export function usageOutcomeIndex(status: number): number {
  if (status === 429) return 2;
  if (status >= 500) return 3;
  if (status >= 400) return 1;
  return 0;
}

export function usageOutcomeOf(status: number): UsageOutcome {
  return USAGE_OUTCOMES[usageOutcomeIndex(status)]!;
}

/**
 * The endpoint of an app's calls that proved no tenant (token missing, invalid, expired, or for another
 * app or tenant), counted with an empty Tenant ID: one row per app, day, environment and outcome, however
 * many tenants the paths name.
 */
export const UNAUTHENTICATED_ENDPOINT = 'unauthenticated';
