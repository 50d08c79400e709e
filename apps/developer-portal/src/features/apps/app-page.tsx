import { canResubmit, wasApproved } from '@gatehouse/domain';
import {
  Banner,
  Button,
  ConfirmDialog,
  EmptyState,
  fieldErrorsFrom,
  messageFrom,
  QueryResult,
  type RouterOutputs,
  useTRPC,
  waitedFor,
} from '@gatehouse/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate, useOutletContext, useParams } from 'react-router';
import { KindLabel, ReviewBadge } from './labels';

export type AppDetail = RouterOutputs['apps']['get'];

/** The app whose page this is, for the tabs drawn inside `AppPage`. */
export function useApp(): AppDetail {
  return useOutletContext<AppDetail>();
}

/** Loads the app, draws its header, tabs and Delete application, and hands the app to the active tab. */
export function AppPage() {
  const { appId = '' } = useParams();
  const trpc = useTRPC();
  const query = useQuery(trpc.apps.get.queryOptions({ appId }));
  return (
    <QueryResult
      query={query}
      loading="Loading app…"
      notFound={
        <EmptyState title="App not found">
          <p className="muted">It may have been deleted, or it belongs to another organization.</p>
          <Link to="/">Back to My Apps</Link>
        </EmptyState>
      }
    >
      {(app) => (
        <>
          <p>
            <Link to="/">← My Apps</Link>
          </p>
          <div className="page-head">
            <div>
              <h1>{app.name}</h1>
              <div className="actions">
                <KindLabel kind={app.kind} /> · <ReviewBadge status={app.reviewStatus} /> ·{' '}
                <span>Version {app.latestVersion}</span>
              </div>
            </div>
            <DeleteApp app={app} />
          </div>
          <ReviewStatus app={app} />
          <AppTabs base={`/apps/${app.id}`} />
          <Outlet context={app} />
        </>
      )}
    </QueryResult>
  );
}

/** The app's tabs; on a phone they scroll sideways, and the open one is scrolled into sight. */
function AppTabs({ base }: { base: string }) {
  const ref = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    const nav = ref.current;
    const active = nav?.querySelector<HTMLElement>('a.active');
    if (!nav || !active) return;
    // Only the tab bar moves, never the page: scrollIntoView would scroll the window too.
    const left = active.getBoundingClientRect().left - nav.getBoundingClientRect().left + nav.scrollLeft;
    const right = left + active.offsetWidth;
    if (left < nav.scrollLeft || right > nav.scrollLeft + nav.clientWidth)
      nav.scrollLeft = left - (nav.clientWidth - active.offsetWidth) / 2;
  }, [pathname]);
  return (
    <nav className="tabs" aria-label="App" ref={ref}>
      <NavLink to={base} end>
        Details
      </NavLink>
      <NavLink to={`${base}/edit`}>Edit</NavLink>
      <NavLink to={`${base}/versions`}>Version history</NavLink>
      <NavLink to={`${base}/connections`}>View Connections</NavLink>
      <NavLink to={`${base}/usage`}>API Usage Report</NavLink>
      <NavLink to={`${base}/webhooks`}>Webhooks</NavLink>
      <NavLink to={`${base}/first-call`}>First API Call</NavLink>
    </nav>
  );
}

function DeleteApp({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const remove = useMutation(
    trpc.apps.delete.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        queryClient.removeQueries({ queryKey: trpc.apps.get.queryKey({ appId: app.id }) });
        await queryClient.invalidateQueries({ queryKey: trpc.apps.list.pathKey() });
        navigate('/', { state: { deleted: app.name } });
      },
    }),
  );
  return (
    <>
      <Button
        variant="danger"
        onClick={() => {
          remove.reset();
          setOpen(true);
        }}
      >
        Delete application
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete ${app.name}?`}
        confirmLabel="Delete application"
        confirmText={app.name}
        busy={remove.isPending}
        busyLabel="Deleting…"
        error={
          remove.isError
            ? (fieldErrorsFrom(remove.error).confirmName ?? messageFrom(remove.error))
            : undefined
        }
        onCancel={() => setOpen(false)}
        onConfirm={(typed) => remove.mutate({ appId: app.id, confirmName: typed })}
      >
        <p>
          This deletes <strong>{app.name}</strong> and its app key. Every API call with the key fails from now
          on, and its tenants' connections stop working. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

function ReviewStatus({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const resubmit = useMutation(
    trpc.apps.resubmit.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.apps.get.queryKey({ appId: app.id }), updated);
        return queryClient.invalidateQueries({ queryKey: trpc.apps.list.pathKey() });
      },
    }),
  );
  const listed = wasApproved(app) ? (
    <span data-testid="listed-identity-notice">
      {' '}
      Tenants still see <strong>{app.listedName}</strong> · {app.listedHomePageUrl} until a reviewer approves
      your new name or home page.
    </span>
  ) : null;
  if (app.reviewStatus === 'pending') {
    return (
      <Banner kind="warning">
        <strong>Pending review</strong>
        {app.submittedAt ? ` — waiting ${waitedFor(app.submittedAt)}` : ''}.
        {listed ??
          ' Tenants cannot see this Public App until a reviewer approves it. You can still add Tenant IDs.'}
      </Banner>
    );
  }
  if (canResubmit(app.reviewStatus)) {
    return (
      <Banner kind="error">
        <strong>Rejected.</strong> The reviewer wrote: <q data-testid="review-reason">{app.reviewReason}</q>
        {listed}
        <div className="actions" style={{ marginTop: '0.5rem' }}>
          <span>Make the changes it asks for on the Edit tab, then</span>
          <Button
            variant="primary"
            busy={resubmit.isPending}
            busyLabel="Resubmitting…"
            onClick={() => resubmit.mutate({ appId: app.id })}
          >
            Resubmit
          </Button>
        </div>
        {resubmit.isError ? <p className="field-error">{messageFrom(resubmit.error)}</p> : null}
      </Banner>
    );
  }
  return null;
}
