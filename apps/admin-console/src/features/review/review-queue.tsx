import { APP_KIND_LABEL, scopeInfo } from '@gatehouse/domain';
import {
  Badge,
  CursorPagedResult,
  EmptyState,
  ExternalLink,
  formatDateTime,
  type RouterOutputs,
  useCursorPages,
  useReload,
  useTRPC,
  waitedFor,
} from '@gatehouse/ui';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Decision } from './decision';

type QueueItem = RouterOutputs['review']['queue']['items'][number];

const PAGE_SIZE = 50;

/**
 * Apps waiting for review, longest-waiting first, 50 a page: first reviews of public
 * apps, and identity changes of approved apps. A decided app leaves its page, which
 * fills up from the next.
 */
export function ReviewQueue() {
  const trpc = useTRPC();
  const pages = useCursorPages();
  const queue = useQuery({
    ...trpc.review.queue.queryOptions({
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <h1>Review queue</h1>
      <p className="muted">
        Public apps stay invisible to every tenant until approved. A new name or home page of an approved app
        comes back here; tenants keep seeing the approved one until you approve the change.
      </p>
      <CursorPagedResult
        query={queue}
        pages={pages}
        loading="Loading the queue…"
        empty={
          <EmptyState title="Nothing to review">
            <p className="muted">
              Public apps show up here when their developer creates them or changes their name or home page.
              Private apps need no review.
            </p>
          </EmptyState>
        }
      >
        {({ items }) =>
          items.length === 0 ? (
            <p className="muted">Nothing more to review on this page.</p>
          ) : (
            <ul className="card-list" aria-label="Apps waiting for review">
              {items.map((item) => (
                <QueueEntry key={item.appId} item={item} />
              ))}
            </ul>
          )
        }
      </CursorPagedResult>
    </>
  );
}

function QueueEntry({ item }: { item: QueueItem }) {
  const trpc = useTRPC();
  const refresh = useReload(trpc.review.queue.pathKey());
  const approve = useMutation(trpc.review.approve.mutationOptions({ onSuccess: refresh }));
  const reject = useMutation(trpc.review.reject.mutationOptions({ onSuccess: refresh }));
  const modify = item.scopes.filter((s) => scopeInfo(s)?.access === 'w');
  const view = item.scopes.filter((s) => scopeInfo(s)?.access === 'r');
  return (
    <li className="card review-item" aria-label={item.name}>
      <div className="page-head" style={{ marginBottom: '0.5rem' }}>
        <div>
          <h2>{item.name}</h2>
          <div className="muted">
            {item.organizationName} <span title="The developer's verified organization">(verified)</span> ·{' '}
            <ExternalLink href={item.homePageUrl} /> · {APP_KIND_LABEL[item.kind]}
          </div>
        </div>
        <Badge tone="warn">waiting {waitedFor(item.submittedAt)}</Badge>
      </div>
      {item.listedName !== null ? <IdentityChange item={item} /> : null}
      <p className="muted">
        Submitted {formatDateTime(item.submittedAt)} · Tenant IDs: {item.tenantIds.join(', ') || 'none yet'}
        {item.tenantCount > item.tenantIds.length
          ? ` and ${item.tenantCount - item.tenantIds.length} more`
          : ''}
      </p>
      <div className="grid-2">
        <div>
          <h3>Modify scopes ({modify.length})</h3>
          <ul className="scope-list">
            {modify.map((s) => (
              <li key={s} className="scope-modify">
                {describe(s)}
              </li>
            ))}
          </ul>
          {modify.length === 0 ? <p className="muted">None: read-only app.</p> : null}
        </div>
        <div>
          <h3>View scopes ({view.length})</h3>
          <ul className="scope-list">
            {view.map((s) => (
              <li key={s}>{describe(s)}</li>
            ))}
          </ul>
        </div>
      </div>
      <Decision
        id={item.appId}
        reasonLabel="Reason for the developer"
        approve={approve}
        reject={reject}
        onApprove={() =>
          approve.mutate({ appId: item.appId, seen: { name: item.name, homePageUrl: item.homePageUrl } })
        }
        onReject={(reason) => reject.mutate({ appId: item.appId, reason })}
      />
    </li>
  );
}

/** An approved app's new identity: what tenants see now next to what approval would show them. */
function IdentityChange({ item }: { item: QueueItem }) {
  const rows = [
    { label: 'Name', listed: item.listedName ?? '', proposed: item.name },
    { label: 'Home page', listed: item.listedHomePageUrl ?? '', proposed: item.homePageUrl },
  ];
  return (
    <div className="banner banner-info" data-testid="identity-change">
      <strong>Identity change.</strong> Approving shows tenants the proposed identity; until then they see the
      approved one.
      <dl className="dl" style={{ marginTop: '0.5rem' }}>
        {rows.map((row) => (
          <div key={row.label} style={{ display: 'contents' }}>
            <dt>{row.label}</dt>
            <dd>
              Tenants see: {row.listed}
              {row.listed === row.proposed ? (
                <span className="muted"> (unchanged)</span>
              ) : (
                <>
                  {' '}
                  → Proposed: <strong>{row.proposed}</strong>
                </>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function describe(scope: string) {
  const info = scopeInfo(scope);
  return info ? `${info.area.name} · ${info.resource.name}` : scope;
}
