import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { DataTable } from './data-table';
import { SelectField } from './fields';
import { formatDateTime } from './format';
import { Button, EmptyState } from './primitives';
import { PagedResult } from './query-result';
import { messageFrom, useTRPC } from './trpc';

type View = 'reviewer' | 'developer' | 'tenant';

interface Filters {
  organizationId?: string;
  appId?: string;
  tenantId?: string;
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

const PAGE_SIZE = 50;

/**
 * The audit trail as one role sees it: filters, each event's before and
 * after, and the filtered list as CSV.
 */
export function AuditTrail({
  view,
  tenantIds,
  apps,
}: {
  view: View;
  tenantIds?: string[];
  apps?: { id: string; name: string }[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState({
    organizationId: '',
    appId: '',
    tenantId: '',
    actor: '',
    action: '',
    from: '',
    to: '',
  });
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const [exporting, setExporting] = useState<string>();
  const events = useQuery({
    ...trpc.audit.list.queryOptions({ view, ...filters, page, pageSize: PAGE_SIZE }),
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
    setPage(1);
  };
  const exportCsv = async () => {
    setExporting('Preparing CSV…');
    try {
      const result = await queryClient.fetchQuery(
        trpc.audit.exportCsv.queryOptions({ view, ...filters }, { staleTime: 0 }),
      );
      const url = URL.createObjectURL(new Blob([result.csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = result.filename;
      link.click();
      URL.revokeObjectURL(url);
      setExporting(`Exported ${result.rows} events.`);
    } catch (error) {
      setExporting(messageFrom(error));
    }
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
        {apps ? (
          <SelectField
            id="audit-appId"
            label="App"
            all="All apps"
            options={apps.map((a) => ({ value: a.id, label: a.name }))}
            value={draft.appId}
            onChange={change('appId')}
          />
        ) : (
          field('appId', 'App ID')
        )}
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
        {field('actor', 'Actor', 'text', 'email')}
        {field('action', 'Action', 'text', 'e.g. connection.')}
        {field('from', 'From', 'date')}
        {field('to', 'To', 'date')}
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        <Button onClick={() => void exportCsv()}>Export CSV</Button>
        {exporting ? (
          <span className="muted" role="status">
            {exporting}
          </span>
        ) : null}
      </form>
      <PagedResult
        query={events}
        loading="Loading audit events…"
        empty={<EmptyState title="No audit events match" />}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
      >
        {({ items, totalCount }) => (
          <>
            <p className="muted" role="status">
              {totalCount} events
            </p>
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
                      <pre className="json">
                        {e.before === null ? '—' : JSON.stringify(e.before, null, 2)}
                      </pre>
                      <div className="muted">After</div>
                      <pre className="json">{e.after === null ? '—' : JSON.stringify(e.after, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </DataTable>
          </>
        )}
      </PagedResult>
    </>
  );
}
