import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Banner, Button, EmptyState, formatDateTime, Loading, Pager } from './primitives';
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
  const field = (key: keyof typeof draft, label: string, type = 'text', placeholder?: string) => (
    <div className="field">
      <label htmlFor={`audit-${key}`}>{label}</label>
      <input
        id={`audit-${key}`}
        type={type}
        value={draft[key]}
        placeholder={placeholder}
        onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
      />
    </div>
  );

  return (
    <>
      <form className="card filters" onSubmit={apply} aria-label="Filter the audit trail">
        {view === 'reviewer' ? field('organizationId', 'Organization ID') : null}
        {apps ? (
          <div className="field">
            <label htmlFor="audit-appId">App</label>
            <select
              id="audit-appId"
              value={draft.appId}
              onChange={(e) => setDraft((d) => ({ ...d, appId: e.target.value }))}
            >
              <option value="">All apps</option>
              {apps.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          field('appId', 'App ID')
        )}
        {tenantIds ? (
          <div className="field">
            <label htmlFor="audit-tenantId">Tenant</label>
            <select
              id="audit-tenantId"
              value={draft.tenantId}
              onChange={(e) => setDraft((d) => ({ ...d, tenantId: e.target.value }))}
            >
              <option value="">All my tenants</option>
              {tenantIds.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
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
      {events.isPending ? (
        <Loading label="Loading audit events…" />
      ) : events.isError ? (
        <Banner kind="error">{messageFrom(events.error)}</Banner>
      ) : events.data.totalCount === 0 ? (
        <EmptyState title="No audit events match" />
      ) : (
        <>
          <p className="muted" role="status">
            {events.data.totalCount} events
          </p>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">App</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">Before / after</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => (
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
                        <pre className="json">
                          {e.after === null ? '—' : JSON.stringify(e.after, null, 2)}
                        </pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={PAGE_SIZE} totalCount={events.data.totalCount} onPage={setPage} />
        </>
      )}
    </>
  );
}
