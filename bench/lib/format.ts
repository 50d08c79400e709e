/** Small helpers every benchmark script prints and counts with. */

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
export const percent = (share: number) => `${fmt(share * 100)} %`;
export const log = (line: string) => console.error(`[bench] ${line}`);

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * A confidence interval for the median that assumes nothing of the values' distribution (the binomial one,
 * on order statistics): the k-th lowest and the k-th highest value, k the largest with
 * P(Binomial(n, ½) < k) ≤ (1 − level) / 2. None for too few values (fewer than 6 at 95 %).
 */
export function medianInterval(values: number[], level = 0.95): [number, number] | undefined {
  const n = values.length;
  const sorted = [...values].sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  // below = P(Binomial(n, ½) < k), term = P(Binomial(n, ½) = k).
  let [k, below, term] = [0, 0, 2 ** -n];
  while (below + term <= tail) {
    below += term;
    k++;
    term = (term * (n - k + 1)) / k;
  }
  return k === 0 ? undefined : [sorted[k - 1]!, sorted[n - k]!];
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await work(items[index]!, index);
      }
    }),
  );
  return out;
}

/** A whole number option `--name=N` within bounds, or the default. */
export function intOption(name: string, fallback: number, min: number, max: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${name} takes a whole number from ${min} to ${max}.`);
  return value;
}

/** Ends the run if it hangs: a hung server must not keep it alive. */
export function deadline(ms: number): void {
  setTimeout(() => {
    log(`still running after ${ms / 1000} s: giving up`);
    process.exit(2);
  }, ms).unref();
}

/** A benchmark's targets, as the markdown table every report ends with. */
export function checksTable(checks: readonly { label: string; passed: boolean; value: string }[]): string[] {
  return [
    '| Check | Result | Measured |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.label} | ${c.passed ? 'pass' : '**FAIL**'} | ${c.value} |`),
  ];
}
