// First, before any schema is made: our Content-Security-Policy allows no eval.
import '@gatehouse/domain/browser';
import {
  ApiProvider,
  AuditTrail,
  Banner,
  RequireSession,
  type SessionUser,
  Shell,
  SignInPage,
} from '@gatehouse/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useOutletContext } from 'react-router';
import '@gatehouse/ui/styles.css';
import { AccessList } from './features/access/access-list';
import { ConnectApp } from './features/access/connect-app';
import { ConnectNewApp } from './features/access/connect-new-app';
import { ConnectionPage } from './features/access/connection-page';
import { TenantScope } from './features/access/tenant-scope';
import { AccessRequests } from './features/review/access-requests';
import { ReviewQueue } from './features/review/review-queue';

function navFor(user: SessionUser) {
  const nav = [];
  if (user.tenantIds.length > 0)
    nav.push({ to: '/', label: 'API Application Access' }, { to: '/audit', label: 'Audit trail' });
  if (user.isReviewer)
    nav.push(
      { to: '/review', label: 'Review queue' },
      { to: '/review/requests', label: 'Access requests' },
      { to: '/review/audit', label: 'Audit trail (all)' },
    );
  return nav;
}

function AdminShell() {
  return (
    <RequireSession
      allow={(user) => user.tenantIds.length > 0 || user.isReviewer}
      deniedMessage="The admin console is for tenant admins and platform reviewers. Your account has neither permission."
    >
      {(user) => (
        <Shell productName="Admin Console" nav={navFor(user)} user={user}>
          <Outlet context={user} />
        </Shell>
      )}
    </RequireSession>
  );
}

function Home() {
  const user = useOutletContext<SessionUser>();
  return (
    <Navigate to={user.tenantIds.length > 0 ? `/${user.tenantIds[0]}/integration` : '/review'} replace />
  );
}

/** The reviewer area: only platform reviewers get past this. */
function ReviewerOnly() {
  const user = useOutletContext<SessionUser>();
  return user.isReviewer ? (
    <Outlet context={user} />
  ) : (
    <Banner kind="warning">Only platform reviewers can open the reviewer area.</Banner>
  );
}

function TenantAudit() {
  const user = useOutletContext<SessionUser>();
  if (user.tenantIds.length === 0)
    return <Banner kind="warning">The tenant audit trail is for tenant admins.</Banner>;
  return (
    <>
      <h1>Audit trail</h1>
      <p className="muted">Every change to your tenants' app access: connections, upgrades, secrets.</p>
      <AuditTrail view="tenant" tenantIds={user.tenantIds} />
    </>
  );
}

const router = createBrowserRouter(
  [
    { path: '/signin', element: <SignInPage productName="the Admin Console" home="/" /> },
    {
      element: <AdminShell />,
      children: [
        { index: true, element: <Home /> },
        { path: 'audit', element: <TenantAudit /> },
        {
          path: 'review',
          element: <ReviewerOnly />,
          children: [
            { index: true, element: <ReviewQueue /> },
            { path: 'requests', element: <AccessRequests /> },
            {
              path: 'audit',
              element: (
                <>
                  <h1>Audit trail</h1>
                  <AuditTrail view="reviewer" />
                </>
              ),
            },
          ],
        },
        {
          path: ':tenantId/:environment',
          element: <TenantScope />,
          children: [
            { index: true, element: <AccessList /> },
            { path: 'connect', element: <ConnectNewApp /> },
            { path: 'connect/:appId', element: <ConnectApp /> },
            { path: 'connections/:connectionId', element: <ConnectionPage /> },
          ],
        },
      ],
    },
  ],
  { basename: '/admin' },
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider>
      <RouterProvider router={router} />
    </ApiProvider>
  </StrictMode>,
);
