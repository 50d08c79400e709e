/**
 * When a failed delivery is tried again: after each of these delays in turn,
 * about a day in all (5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h,
 * 8 h), so a receiver that is down for a deploy or a night still gets every
 * event. After the last, the delivery has failed.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
];

/**
 * Each delay is moved by up to this share either way, so that the deliveries
 * of one outage do not all come back at the same moment.
 */
export const JITTER = 0.2;

/**
 * How long after a failed attempt (the `attempts`-th of a delivery) the next
 * one goes out, or null when the schedule is spent.
 */
export function retryDelay(
  attempts: number,
  schedule: readonly number[],
  random: () => number = Math.random,
): number | null {
  const delay = schedule[attempts - 1];
  if (delay === undefined) return null;
  return Math.round(delay * (1 + (random() * 2 - 1) * JITTER));
}

/**
 * How long an endpoint has failed, at least, when one of its deliveries has
 * spent its whole schedule with no success between: an endpoint failing this
 * long is turned off. A success anywhere in between starts the count again.
 */
export function sustainedFailureMs(schedule: readonly number[]): number {
  return schedule.reduce((sum, delay) => sum + delay, 0) * (1 - JITTER);
}
