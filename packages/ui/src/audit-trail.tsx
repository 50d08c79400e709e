import { AUDIT_EXPORT_LIMIT, type AuditView } from '@gatehouse/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, type RefObject, useRef, useState } from 'react';
import { DataTable } from './data-table';
import { SelectField } from './fields';
import { formatDateTime } from './format';
import { useListFilters } from './list-address';
import { CursorPagedResult, useCursorPages } from './paging';
import { Button, EmptyState } from './primitives';
import { useTRPC } from './trpc';

interface Filters {
  organizationId?: string;
  appId?: string;
  tenantId?: string;
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/** The filters as the address and the form hold them: text, the days as `yyyy-mm-dd`. */
const FILTER_NAMES = ['organizationId', 'appId', 'tenantId', 'actor', 'action', 'from', 'to'] as const;
type Draft = Record<(typeof FILTER_NAMES)[number], string>;

const PAGE_SIZE = 50;

/** The start or the end of a `yyyy-mm-dd` day in UTC; nothing for anything else (an edited address, say). */
function dayBound(day: string, time: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const moment = new Date(`${day}T${time}Z`);
  return Number.isNaN(moment.getTime()) ? undefined : moment;
}

function filtersFrom(draft: Draft): Filters {
  const filters: Filters = {};
  for (const key of ['organizationId', 'appId', 'tenantId', 'actor', 'action'] as const)
    if (draft[key].trim()) filters[key] = draft[key].trim();
  const from = dayBound(draft.from, '00:00:00');
  const to = dayBound(draft.to, '23:59:59.999');
  if (from) filters.from = from;
  if (to) filters.to = to;
  return filters;
}

/** Where the browser downloads the trail as CSV with these filters: the server streams the file. */
export function auditExportUrl(view: AuditView, filters: Filters): string {
  const query = new URLSearchParams({ view });
  for (const [key, value] of Object.entries(filters))
    if (value !== undefined) query.set(key, value instanceof Date ? value.toISOString() : value);
  return `/exports/audit.csv?${query}`;
}

/**
 * What a screen's own App field answers when the filters are applied: the App
 * ID to filter by (`''` for every app), or `null` to hold the filters back,
 * the field saying why next to itself.
 */
export type AppFieldCheck = () => Promise<string | null>;

/** How a screen offers its own App filter (a search over the developer's apps, say); a plain App ID otherwise. */
export type AppFilterField = (field: {
  id: string;
  value: string;
  onChange: (appId: string) => void;
  /** Where the field puts its check, which the trail runs before it applies the filters. */
  check: RefObject<AppFieldCheck | null>;
}) => ReactNode;

/**
 * The audit trail as one role sees it, newest first, 50 events a page: filters
 * (applying them starts again from the first page), each event's before and
 * after, and a link that downloads the filtered trail as CSV. The applied
 * filters and the page are in the address, so Back from elsewhere, or a
 * reload, shows the same events.
 */
export function AuditTrail({
  view,
  tenantIds,
  appField,
}: {
  view: AuditView;
  tenantIds?: string[];
  appField?: AppFilterField;
}) {
  const trpc = useTRPC();
  const { applied, apply: applyFilters } = useListFilters(FILTER_NAMES);
  const appliedKey = JSON.stringify(applied);
  const [draft, setDraft] = useState<Draft>(applied);
  const [draftOf, setDraftOf] = useState(appliedKey);
  // Filters applied elsewhere (Back, Forward, a link): the form shows them.
  if (draftOf !== appliedKey) {
    setDraftOf(appliedKey);
    setDraft(applied);
  }
  const appCheck = useRef<AppFieldCheck | null>(null);
  const filters = filtersFrom(applied);
  const pages = useCursorPages();
  const events = useQuery({
    ...trpc.audit.list.queryOptions({
      view,
      ...filters,
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });

  const apply = async (event: FormEvent) => {
    event.preventDefault();
    const appId = appCheck.current ? await appCheck.current() : draft.appId;
    if (appId === null) return;
    applyFilters({ ...draft, appId });
  };
  const change = (key: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const field = (key: keyof Draft, label: string, type = 'text', placeholder?: string) => (
    <div className="field">
      <label htmlFor={`audit-${key}`}>{label}</label>
      <input
        id={`audit-${key}`}
        type={type}
        value={draft[key]}
        placeholder={placeholder}
        onChange={(e) => change(key)(e.target.value)}
      />
    </div>
  );

  return (
    <>
      <form
        className="card filters"
        // Room under each row of fields for a field's message (the App field's, say).
        style={{ rowGap: '1.6rem' }}
        onSubmit={(e) => void apply(e)}
        aria-label="Filter the audit trail"
      >
        {view === 'reviewer' ? field('organizationId', 'Organization ID') : null}
        {appField
          ? appField({ id: 'audit-appId', value: draft.appId, onChange: change('appId'), check: appCheck })
          : field('appId', 'App ID')}
        {tenantIds ? (
          <SelectField
            id="audit-tenantId"
            label="Tenant"
            all="All my tenants"
            options={tenantIds.map((t) => ({ value: t, label: t }))}
            value={draft.tenantId}
            onChange={change('tenantId')}
          />
        ) : (
          field('tenantId', 'Tenant ID')
        )}
        {field('actor', 'Actor email starts with', 'text', 'e.g. dana@')}
        {field('action', 'Action starts with', 'text', 'e.g. connection.')}
        {field('from', 'From', 'date')}
        {field('to', 'To', 'date')}
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        <a className="btn" href={auditExportUrl(view, filters)} download aria-describedby="audit-export-note">
          Export CSV
        </a>
        <p className="hint" id="audit-export-note">
          The CSV file holds the newest {AUDIT_EXPORT_LIMIT.toLocaleString('en-US')} events that match the
          applied filters.
        </p>
      </form>
      <CursorPagedResult
        query={events}
        pages={pages}
        loading="Loading audit events…"
        empty={
          <EmptyState title="No audit events match">
            <p className="muted">Widen the dates or clear the filters to see more.</p>
          </EmptyState>
        }
      >
        {({ items }) => (
          <DataTable
            caption="Audit events, newest first"
            columns={['When', 'Actor', 'Action', 'App', 'Tenant', 'Before / after']}
          >
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>{e.actorEmail ?? <span className="muted">anonymous</span>}</td>
                <td>
                  <code>{e.action}</code>
                  {e.organizationName ? <div className="muted">{e.organizationName}</div> : null}
                </td>
                <td>{e.appName ?? (e.appId ? <code>{e.appId.slice(0, 8)}</code> : '—')}</td>
                <td>{e.tenantId ?? '—'}</td>
                <td>
                  <details>
                    <summary>Show</summary>
                    <div className="muted">Before</div>
                    <pre className="json">{e.before === null ? '—' : JSON.stringify(e.before, null, 2)}</pre>
                    <div className="muted">After</div>
                    <pre className="json">{e.after === null ? '—' : JSON.stringify(e.after, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </CursorPagedResult>
    </>
  );
}
