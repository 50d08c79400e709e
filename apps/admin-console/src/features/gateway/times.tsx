const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "12 seconds ago", "in 25 seconds", "3 hours ago": how far `date` is from `now`, in its largest whole unit. */
export function relativeTime(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const size = Math.abs(seconds);
  if (size < 60) return relative.format(seconds, 'second');
  if (size < 3600) return relative.format(Math.trunc(seconds / 60), 'minute');
  if (size < 86_400) return relative.format(Math.trunc(seconds / 3600), 'hour');
  return relative.format(Math.trunc(seconds / 86_400), 'day');
}

/** The time of day with seconds, which matter to a circuit that reopens within the minute. */
export function clockTime(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A moment said relative to `now`, its exact date and time on hover and for machines. */
export function Moment({ date, now }: { date: Date; now: number }) {
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {relativeTime(date, now)}
    </time>
  );
}

/** "800 ms", "2 s", "1.5 s": a timeout as an operator would write it. */
export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
