import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { scopeInfo } from '@gatehouse/domain';
import { Decision } from './decision';
import { Badge, Banner, EmptyState, Loading, fieldErrorsFrom, formatDateTime, messageFrom, useTRPC, type RouterOutputs } from '@gatehouse/ui';

type QueueItem = RouterOutputs['review']['queue'][number];

function age(since: Date): string {
  const hours = Math.floor((Date.now() - since.getTime()) / 3_600_000);
  return hours < 1 ? 'less than an hour' : hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`;
}

/** Public apps waiting for review, longest-waiting first. */
export function ReviewQueue() {
  const trpc = useTRPC();
  const queue = useQuery(trpc.review.queue.queryOptions());
  return (
    <>
      <h1>Review queue</h1>
      <p className="muted">Public apps stay invisible to every tenant until approved. Approval happens once.</p>
      {queue.isPending ? (
        <Loading label="Loading the queue…" />
      ) : queue.isError ? (
        <Banner kind="error">{messageFrom(queue.error)}</Banner>
      ) : queue.data.length === 0 ? (
        <EmptyState title="Nothing to review" />
      ) : (
        <ul className="card-list" aria-label="Apps waiting for review">
          {queue.data.map((item) => <QueueEntry key={item.appId} item={item} />)}
        </ul>
      )}
    </>
  );
}

function QueueEntry({ item }: { item: QueueItem }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.review.queue.queryKey() });
  const approve = useMutation(trpc.review.approve.mutationOptions({ onSuccess: refresh }));
  const reject = useMutation(trpc.review.reject.mutationOptions({ onSuccess: refresh }));
  const modify = item.scopes.filter((s) => s.endsWith(':w'));
  const view = item.scopes.filter((s) => s.endsWith(':r'));
  const error = approve.error ?? reject.error;
  return (
    <li className="card review-item" aria-label={item.name}>
      <div className="page-head" style={{ marginBottom: '0.5rem' }}>
        <div>
          <h2>{item.name}</h2>
          <div className="muted">{item.organizationName} · <a href={item.homePageUrl} target="_blank" rel="noreferrer noopener">{item.homePageUrl}</a> · Public App</div>
        </div>
        <Badge tone="warn">waiting {age(item.submittedAt)}</Badge>
      </div>
      <p className="muted">Submitted {formatDateTime(item.submittedAt)} · Tenant IDs: {item.tenantIds.join(', ') || 'none yet'}</p>
      <div className="grid-2">
        <div>
          <h3>Modify scopes ({modify.length})</h3>
          <ul className="scope-list">{modify.map((s) => <li key={s} className="scope-modify">{describe(s)}</li>)}</ul>
          {modify.length === 0 ? <p className="muted">None: read-only app.</p> : null}
        </div>
        <div>
          <h3>View scopes ({view.length})</h3>
          <ul className="scope-list">{view.map((s) => <li key={s}>{describe(s)}</li>)}</ul>
        </div>
      </div>
      {error && !fieldErrorsFrom(error).reason ? <Banner kind="error">{messageFrom(error)}</Banner> : null}
      <Decision
        id={item.appId}
        reasonLabel="Reason for the developer"
        approving={approve.isPending}
        rejecting={reject.isPending}
        reasonError={fieldErrorsFrom(reject.error).reason}
        onApprove={() => approve.mutate({ appId: item.appId })}
        onReject={(reason) => reject.mutate({ appId: item.appId, reason })}
      />
    </li>
  );
}

function describe(scope: string) {
  const info = scopeInfo(scope);
  return info ? `${info.area.name} · ${info.resource.name}` : scope;
}
