import type { UseQueryResult } from '@tanstack/react-query';
import { useState } from 'react';
import { DataTable } from './data-table';
import { Button } from './primitives';
import { QueryResult } from './query-result';
import { formatLatency } from './request-log';
import type { RouterOutputs } from './trpc';

/** Latency per endpoint per day, as both `requests.appLatency` and `requests.connectionLatency` answer it. */
export type Latency = RouterOutputs['requests']['appLatency'];

/** Rows shown before "Show every day": a week of a few endpoints. */
const FIRST_ROWS = 20;

/**
 * How fast an app's calls were answered: for each day and endpoint with
 * calls, newest day first, the number of calls and the p50 and p95 latency
 * (half the calls, and 95 in 100, were answered at least this fast). Days
 * without calls are left out. `query` is the caller's own:
 *
 *     <LatencyTable query={useQuery(trpc.requests.appLatency.queryOptions({ appId, days: 30 }))} />
 *     <LatencyTable query={useQuery(trpc.requests.connectionLatency.queryOptions({ connectionId, days: 30 }))} />
 *
 * `endpoint`, when set, keeps that endpoint's rows only (a report filtered by endpoint, say).
 */
export function LatencyTable({
  query,
  endpoint,
  caption = 'Latency per endpoint per day, newest day first',
}: {
  query: UseQueryResult<Latency, unknown>;
  endpoint?: string;
  caption?: string;
}) {
  const [all, setAll] = useState(false);
  return (
    <QueryResult query={query} loading="Loading latency…">
      {(latency) => {
        const rows = latency.rows
          .filter((row) => row.calls > 0 && (!endpoint || row.endpoint === endpoint))
          .sort((a, b) => b.day.localeCompare(a.day) || a.endpoint.localeCompare(b.endpoint));
        if (rows.length === 0)
          return (
            <p className="muted" data-testid="latency-empty">
              No calls from {latency.from} to {latency.to}, so no latency to show.
            </p>
          );
        const shown = all ? rows : rows.slice(0, FIRST_ROWS);
        return (
          <>
            <div className="stack-on-phone">
              <DataTable caption={caption} columns={['Day (UTC)', 'Endpoint', 'Calls', 'p50', 'p95']}>
                {shown.map((row) => (
                  <tr key={`${row.day}|${row.endpoint}`}>
                    <td data-label="Day (UTC)" className="nowrap">
                      {row.day}
                    </td>
                    <td data-label="Endpoint" className="wide">
                      <code>{row.endpoint}</code>
                    </td>
                    <td data-label="Calls">{row.calls.toLocaleString('en-US')}</td>
                    <td data-label="p50" className="nowrap">
                      {row.p50 === null ? '—' : formatLatency(row.p50)}
                    </td>
                    <td data-label="p95" className="nowrap">
                      {row.p95 === null ? '—' : formatLatency(row.p95)}
                    </td>
                  </tr>
                ))}
              </DataTable>
            </div>
            <p className="hint">
              p50: half the calls were answered at least this fast; p95: 95 calls in 100 were. Read from
              latency ranges, so a figure is the top of the range it falls in.
            </p>
            {rows.length > FIRST_ROWS ? (
              <div className="pager">
                <Button onClick={() => setAll((a) => !a)} aria-expanded={all}>
                  {all ? 'Show the newest days only' : `Show all ${rows.length} rows`}
                </Button>
              </div>
            ) : null}
          </>
        );
      }}
    </QueryResult>
  );
}
