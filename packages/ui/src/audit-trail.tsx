import { AUDIT_EXPORT_LIMIT, type AuditView } from '@gatehouse/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { DataTable } from './data-table';
import { SelectField } from './fields';
import { formatDateTime } from './format';
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

const EMPTY_DRAFT = { organizationId: '', appId: '', tenantId: '', actor: '', action: '', from: '', to: '' };

const PAGE_SIZE = 50;

/** Where the browser downloads the trail as CSV with these filters: the server streams the file. */
export function auditExportUrl(view: AuditView, filters: Filters): string {
  const query = new URLSearchParams({ view });
  for (const [key, value] of Object.entries(filters))
    if (value !== undefined) query.set(key, value instanceof Date ? value.toISOString() : value);
  return `/exports/audit.csv?${query}`;
}

/** How a screen offers its own App filter (a search over the developer's apps, say); a plain App ID otherwise. */
export type AppFilterField = (field: {
  id: string;
  value: string;
  onChange: (appId: string) => void;
}) => ReactNode;

/**
 * The audit trail as one role sees it, newest first, 50 events a page: filters
 * (applying them starts again from the first page), each event's before and
 * after, and a link that downloads the filtered trail as CSV.
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
  const [draft, setDraft] = useState(EMPTY_DRAFT);
  const [filters, setFilters] = useState<Filters>({});
  const pages = useCursorPages(JSON.stringify(filters));
  const events = useQuery({
    ...trpc.audit.list.queryOptions({
      view,
      ...filters,
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next: Filters = {};
    for (const key of ['organizationId', 'appId', 'tenantId', 'actor', 'action'] as const)
      if (draft[key].trim()) next[key] = draft[key].trim();
    if (draft.from) next.from = new Date(`${draft.from}T00:00:00Z`);
    if (draft.to) next.to = new Date(`${draft.to}T23:59:59.999Z`);
    setFilters(next);
    pages.first();
  };
  const change = (key: keyof typeof draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const field = (key: keyof typeof draft, label: string, type = 'text', placeholder?: string) => (
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
      <form className="card filters" onSubmit={apply} aria-label="Filter the audit trail">
        {view === 'reviewer' ? field('organizationId', 'Organization ID') : null}
        {appField
          ? appField({ id: 'audit-appId', value: draft.appId, onChange: change('appId') })
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
        empty={<EmptyState title="No audit events match" />}
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
