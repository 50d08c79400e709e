import {
  ENVIRONMENT_LABEL,
  ENVIRONMENTS,
  fieldErrorsOf,
  type RequestLogFilters,
  requestLogFiltersSchema,
  STATUS_CLASSES,
  type StatusClass,
} from '@gatehouse/domain';
import { type QueryKey, type UseQueryOptions, useQueries } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { DataTable } from './data-table';
import { SelectField } from './fields';
import { Badge, Banner, Button, CopyButton, EmptyState } from './primitives';
import { QueryResult } from './query-result';
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

/** Lines a page: "Load older" adds this many more. */
const PAGE_SIZE = 50;

/** The filters as the form and the address hold them: text, the times as `datetime-local` values. */
const FILTER_NAMES = [
  'statusClass',
  'errorCode',
  'tenantId',
  'environment',
  'endpoint',
  'from',
  'to',
] as const;
type FilterName = (typeof FILTER_NAMES)[number];
type Draft = Record<FilterName, string>;

const STATUS_LABEL: Record<StatusClass, string> = {
  '2xx': 'Success (2xx)',
  '3xx': 'Redirect (3xx)',
  '4xx': 'Client error (4xx)',
  '5xx': 'Server error (5xx)',
};
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

/** A request's time to the second: calls of the same minute are told apart. */
function formatMoment(date: Date): string {
  return date.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The form's text as the filters the server takes, or the errors to show next to the fields. */
function parseDraft(draft: Draft): { filters: RequestLogFilters } | { errors: Record<string, string> } {
  const input: Record<string, string | Date> = {};
  for (const name of FILTER_NAMES) {
    const value = draft[name].trim();
    if (!value) continue;
    // `datetime-local` values are the viewer's local time; an unreadable one is left to the schema to refuse.
    input[name] = name === 'from' || name === 'to' ? new Date(value) : value;
  }
  const parsed = requestLogFiltersSchema.safeParse(input);
  return parsed.success ? { filters: parsed.data } : { errors: fieldErrorsOf(parsed.error) };
}

/**
 * The filters in the address under `prefix` (so the log shares a page with
 * other lists without touching their parameters), and `apply`, which sets
 * them all at once as a new history entry.
 */
function useAddressDraft(prefix: string): { applied: Draft; apply(draft: Draft): void } {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const applied = Object.fromEntries(
    FILTER_NAMES.map((name) => [name, params.get(`${prefix}${name}`) ?? '']),
  ) as Draft;
  return {
    applied,
    apply: (draft) => {
      const next = new URLSearchParams(params);
      for (const name of FILTER_NAMES) {
        const value = draft[name].trim();
        if (value) next.set(`${prefix}${name}`, value);
        else next.delete(`${prefix}${name}`);
      }
      // The history entry's state is other lists' on the page (the pages walked to theirs): it stays.
      navigate(
        { search: next.toString() ? `?${next}` : '' },
        { preventScrollReset: true, state: location.state },
      );
    },
  };
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

function RequestLogFilterBar({
  applied,
  appliedErrors,
  onApply,
  hideTenant,
  hideEnvironment,
  endpoints,
}: {
  applied: Draft;
  appliedErrors: Record<string, string>;
  onApply: (draft: Draft) => void;
  hideTenant: boolean;
  hideEnvironment: boolean;
  endpoints: readonly string[];
}) {
  const appliedKey = JSON.stringify(applied);
  const [draft, setDraft] = useState<Draft>(applied);
  const [draftOf, setDraftOf] = useState(appliedKey);
  const [errors, setErrors] = useState<Record<string, string> | null>(null);
  // Filters applied elsewhere (Back, Forward, a link): the form shows them.
  if (draftOf !== appliedKey) {
    setDraftOf(appliedKey);
    setDraft(applied);
    setErrors(null);
  }
  const shown = errors ?? appliedErrors;
  const id = useId();
  const change = (name: FilterName) => (value: string) => {
    setDraft((d) => ({ ...d, [name]: value }));
    setErrors((e) => {
      const { [name]: _, ...rest } = e ?? appliedErrors;
      return rest;
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = parseDraft(draft);
    if ('errors' in result) setErrors(result.errors);
    else {
      setErrors(null);
      onApply(draft);
    }
  };
  const field = (name: FilterName, label: string, props: Record<string, string> = {}) => (
    <div className={`field ${shown[name] ? 'field-invalid' : ''}`}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        value={draft[name]}
        onChange={(e) => change(name)(e.target.value)}
        aria-invalid={shown[name] ? true : undefined}
        aria-describedby={shown[name] ? `${id}-${name}-error` : undefined}
        {...props}
      />
      {shown[name] ? (
        <p className="field-error" id={`${id}-${name}-error`} role="alert">
          {shown[name]}
        </p>
      ) : null}
    </div>
  );
  return (
    <form className="card filters" onSubmit={submit} aria-label="Filter the request log" noValidate>
      <SelectField
        id={`${id}-statusClass`}
        label="Status"
        all="Every status"
        options={STATUS_CLASSES.map((c) => ({ value: c, label: STATUS_LABEL[c] }))}
        value={draft.statusClass}
        onChange={change('statusClass')}
      />
      {field('errorCode', 'Error code', { placeholder: 'e.g. invalid_token', autoComplete: 'off' })}
      {hideTenant
        ? null
        : field('tenantId', 'Tenant ID', { inputMode: 'numeric', placeholder: 'e.g. 985798691' })}
      {hideEnvironment ? null : (
        <SelectField
          id={`${id}-environment`}
          label="Environment"
          all="Both environments"
          options={ENVIRONMENTS.map((e) => ({ value: e, label: ENVIRONMENT_LABEL[e] }))}
          value={draft.environment}
          onChange={change('environment')}
        />
      )}
      {field('endpoint', 'Endpoint', {
        placeholder: 'e.g. GET /crm/v2/tenant/{tenant}/customers',
        list: `${id}-endpoints`,
        autoComplete: 'off',
      })}
      <datalist id={`${id}-endpoints`}>
        {endpoints.map((endpoint) => (
          <option key={endpoint} value={endpoint} />
        ))}
      </datalist>
      {field('from', 'From', { type: 'datetime-local' })}
      {field('to', 'To', { type: 'datetime-local' })}
      <div className="actions">
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        <Button
          onClick={() => {
            const cleared = Object.fromEntries(FILTER_NAMES.map((n) => [n, ''])) as Draft;
            setDraft(cleared);
            setErrors(null);
            onApply(cleared);
          }}
        >
          Clear
        </Button>
      </div>
    </form>
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
      isEmpty={(data) => data.items.length === 0}
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
      <td data-label="Time" style={{ whiteSpace: 'nowrap' }}>
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
      <td data-label="Latency" style={{ whiteSpace: 'nowrap' }}>
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
