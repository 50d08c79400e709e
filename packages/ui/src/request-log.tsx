import {
  ENVIRONMENT_LABEL,
  type RequestLogFilters,
  STATUS_CLASSES,
  type StatusClass,
} from '@gatehouse/domain';
import { type QueryKey, type UseQueryOptions, useQueries } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { DataTable } from './data-table';
import { Badge, Banner, Button, CopyButton, EmptyState } from './primitives';
import { QueryResult } from './query-result';
import { parseDraft, RequestLogFilterBar, useAddressDraft } from './request-log-filters';
import { fieldErrorsFrom, messageFrom, type RouterOutputs } from './trpc';

/** One page of a request log, as both `requests.appLog` and `requests.connectionLog` answer it. */
export type RequestLogPage = RouterOutputs['requests']['appLog'];
export type RequestLogLineView = RequestLogPage['items'][number];

/** What the log asks its `query` for: the filters applied and the page after `cursor` (none: the newest). */
export interface RequestLogQueryInput {
  filters: RequestLogFilters;
  limit: number;
  cursor?: string;
}

/** The query options of one page of the log: a tRPC `queryOptions(…)` call, as in the example on `RequestLog`. */
export type RequestLogQuery<TError = unknown, TKey extends QueryKey = QueryKey> = (
  input: RequestLogQueryInput,
) => UseQueryOptions<RequestLogPage, TError, RequestLogPage, TKey>;

/** Empty pages in a row loaded without a click while a rare filter searches further back. */
const AUTO_SEARCH_PAGES = 5;
/** Lines a page: "Load older" adds this many more. */
const PAGE_SIZE = 50;

const STATUS_TONE: Record<StatusClass, 'good' | 'info' | 'warn' | 'bad'> = {
  '2xx': 'good',
  '3xx': 'info',
  '4xx': 'warn',
  '5xx': 'bad',
};

/** The class of an HTTP status, as the filter names it. */
export function statusClassOf(status: number): StatusClass {
  const index = Math.min(Math.max(Math.floor(status / 100) - 2, 0), STATUS_CLASSES.length - 1);
  return STATUS_CLASSES[index]!;
}

/** "12 ms", "1,500 ms", or "0.4 ms" under ten: a latency as a person reads it. */
export function formatLatency(ms: number): string {
  return `${ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms).toLocaleString('en-US')} ms`;
}

/** A moment to the second, such as a request's or a delivery attempt's: those of the same minute are told apart. */
export function formatMoment(date: Date): string {
  return date.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * A request log, newest first: a filter bar (status class, error code,
 * Tenant ID, environment, endpoint, a time range), then the calls with their
 * status, route, tenant, environment, error code, latency and request id,
 * and "Load older" while there are more. The applied filters are in the
 * address (parameters named `addressPrefix` + filter), so a reload or Back
 * shows the same calls.
 *
 * `query` gives the query options of one page; each portal names its own procedure:
 *
 *     <RequestLog query={(input) => trpc.requests.appLog.queryOptions({ appId, ...input })} />
 *     <RequestLog
 *       query={(input) => trpc.requests.connectionLog.queryOptions({ connectionId, ...input })}
 *       hideTenant
 *       hideEnvironment
 *     />
 *
 * `hideTenant` and `hideEnvironment` drop that filter and column (a
 * connection's log is one tenant's, in one environment); `endpoints`, when
 * given, are offered as suggestions in the Endpoint field.
 */
export function RequestLog<TError, TKey extends QueryKey>({
  query,
  hideTenant = false,
  hideEnvironment = false,
  endpoints = [],
  addressPrefix = 'log-',
  title = 'Request log',
}: {
  query: RequestLogQuery<TError, TKey>;
  hideTenant?: boolean;
  hideEnvironment?: boolean;
  endpoints?: readonly string[];
  addressPrefix?: string;
  title?: string;
}) {
  const { applied, apply } = useAddressDraft(addressPrefix);
  const parsed = parseDraft({
    ...applied,
    ...(hideTenant ? { tenantId: '' } : {}),
    ...(hideEnvironment ? { environment: '' } : {}),
  });
  // An edited address with a filter the server would refuse: the log waits for the form to be corrected.
  const filters = 'filters' in parsed ? parsed.filters : null;
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className="request-log">
      <h2 id={titleId}>{title}</h2>
      <RequestLogFilterBar
        applied={applied}
        appliedErrors={'errors' in parsed ? parsed.errors : {}}
        onApply={apply}
        hideTenant={hideTenant}
        hideEnvironment={hideEnvironment}
        endpoints={endpoints}
      />
      {filters ? (
        // A new set of filters starts again from the newest calls, with no older pages loaded.
        <RequestLogLines
          key={JSON.stringify(filters)}
          query={query}
          filters={filters}
          hideTenant={hideTenant}
          hideEnvironment={hideEnvironment}
        />
      ) : (
        <Banner kind="error">Please correct the highlighted fields.</Banner>
      )}
    </section>
  );
}

/** The calls matching `filters`: the newest page, then each older page asked for, in one table. */
function RequestLogLines<TError, TKey extends QueryKey>({
  query,
  filters,
  hideTenant,
  hideEnvironment,
}: {
  query: RequestLogQuery<TError, TKey>;
  filters: RequestLogFilters;
  hideTenant: boolean;
  hideEnvironment: boolean;
}) {
  const [cursors, setCursors] = useState<string[]>([]);
  const pages = useQueries({
    queries: [undefined, ...cursors].map((cursor) =>
      query({ filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    ),
  });
  const newest = pages[0]!;
  const last = pages.at(-1)!;
  // A page that searched a stretch of the log and found nothing goes on by itself, a few pages at most.
  let emptyRun = 0;
  for (let i = pages.length - 1; i >= 0 && pages[i]?.data?.items.length === 0; i--) emptyRun++;
  const searchOn =
    last.data?.items.length === 0 && emptyRun <= AUTO_SEARCH_PAGES ? last.data.nextCursor : null;
  useEffect(() => {
    if (searchOn) setCursors((c) => (c.includes(searchOn) ? c : [...c, searchOn]));
  }, [searchOn]);
  const columns = [
    'Time',
    'Status',
    'Request',
    ...(hideTenant ? [] : ['Tenant']),
    ...(hideEnvironment ? [] : ['Environment']),
    'Error code',
    'Latency',
    'Request ID',
  ];
  const serverErrors = Object.entries(fieldErrorsFrom(newest.error))
    .filter(([key]) => key.startsWith('filters.'))
    .map(([, message]) => message);
  return (
    <QueryResult
      query={newest}
      loading="Loading requests…"
      isEmpty={(data) => data.items.length === 0 && !data.nextCursor}
      empty={
        <EmptyState title="No requests in this range">
          <p className="muted">
            Calls show up here a few seconds after they are made. Widen the time range or clear the filters to
            see more.
          </p>
        </EmptyState>
      }
    >
      {() => (
        <>
          {serverErrors.length > 0 ? <Banner kind="error">{serverErrors.join(' ')}</Banner> : null}
          <div className="actions" style={{ justifyContent: 'space-between', marginBottom: '0.5rem' }}>
            <p className="muted" style={{ margin: 0 }}>
              Newest first. Times are in your time zone.
            </p>
            <Button
              variant="ghost"
              busy={newest.isFetching}
              onClick={() => {
                setCursors([]);
                void newest.refetch();
              }}
            >
              Refresh
            </Button>
          </div>
          <div className="stack-on-phone">
            <DataTable caption="Requests, newest first" columns={columns}>
              {pages.flatMap((page) =>
                (page.data?.items ?? []).map((line) => (
                  <RequestLogRow
                    key={line.id}
                    line={line}
                    hideTenant={hideTenant}
                    hideEnvironment={hideEnvironment}
                  />
                )),
              )}
            </DataTable>
          </div>
          {last.isError ? <Banner kind="error">{messageFrom(last.error)}</Banner> : null}
          {last.isPending || last.data?.nextCursor ? (
            <div className="pager">
              {last.data && last.data.items.length < PAGE_SIZE ? (
                <p className="muted" style={{ margin: 0 }}>
                  Few calls match these filters: a page stops after searching a stretch of the log. Load older
                  requests to search on.
                </p>
              ) : null}
              <Button
                busy={last.isPending}
                onClick={() => {
                  const next = last.data?.nextCursor;
                  if (next) setCursors((c) => [...c, next]);
                }}
              >
                Load older requests
              </Button>
            </div>
          ) : cursors.length > 0 ? (
            <p className="muted" style={{ textAlign: 'right' }}>
              No older requests in this range.
            </p>
          ) : null}
        </>
      )}
    </QueryResult>
  );
}

function RequestLogRow({
  line,
  hideTenant,
  hideEnvironment,
}: {
  line: RequestLogLineView;
  hideTenant: boolean;
  hideEnvironment: boolean;
}) {
  const statusClass = statusClassOf(line.status);
  return (
    <tr>
      <td data-label="Time" className="nowrap">
        <time dateTime={line.at.toISOString()}>{formatMoment(line.at)}</time>
      </td>
      <td data-label="Status">
        <Badge tone={STATUS_TONE[statusClass]}>{line.status}</Badge>
      </td>
      <td data-label="Request" className="wide">
        <code>{requestOf(line)}</code>
      </td>
      {hideTenant ? null : (
        <td data-label="Tenant">{line.tenantId ?? <span className="muted">None</span>}</td>
      )}
      {hideEnvironment ? null : <td data-label="Environment">{ENVIRONMENT_LABEL[line.environment]}</td>}
      <td data-label="Error code">
        {line.errorCode ? <code>{line.errorCode}</code> : <span className="muted">None</span>}
      </td>
      <td data-label="Latency" className="nowrap">
        {formatLatency(line.latencyMs)}
      </td>
      <td data-label="Request ID" className="wide">
        <div className="request-id">
          <code>{line.requestId}</code>
          <CopyButton value={line.requestId} />
        </div>
      </td>
    </tr>
  );
}

/** "GET /crm/v2/tenant/{tenant}/customers": the method once, whether or not the logged route names it. */
function requestOf(line: RequestLogLineView): string {
  return line.route.startsWith(`${line.method} `) ? line.route : `${line.method} ${line.route}`;
}
