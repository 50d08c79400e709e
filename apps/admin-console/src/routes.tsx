import {
  Banner,
  EmptyState,
  lazyPage,
  SessionShell,
  type SessionUser,
  SignInPage,
  useSignedInUser,
} from '@gatehouse/ui';
import { Link, Navigate, Outlet, type RouteObject } from 'react-router';
import { AccessList } from './features/access/access-list';
import { ConnectApp } from './features/access/connect-app';
import { ConnectNewApp } from './features/access/connect-new-app';
import { ConnectionAccess, ConnectionPage } from './features/access/connection-page';
import { TenantScope } from './features/access/tenant-scope';
import { AcceptInvitation } from './features/admins/accept-invitation';
import { AdminsPage } from './features/admins/admins-page';
import { ReviewerAudit, TenantAudit } from './features/audit/audit-trails';
import { AccessRequests } from './features/review/access-requests';
import { ReviewQueue } from './features/review/review-queue';

function navFor(user: SessionUser) {
  const nav = [];
  if (user.tenantIds.length > 0)
    nav.push(
      { to: '/', label: 'API Application Access' },
      { to: '/admins', label: 'Admins' },
      { to: '/audit', label: 'Audit trail' },
    );
  if (user.isReviewer)
    nav.push(
      { to: '/review', label: 'Review queue' },
      { to: '/review/requests', label: 'Access requests' },
      { to: '/review/audit', label: 'Audit trail (all)' },
      { to: '/review/gateway', label: 'Gateway' },
    );
  return nav;
}

function NotFound() {
  return (
    <EmptyState title="Page not found" page>
      <p>
        <Link to="/">Back to the admin console</Link>
      </p>
    </EmptyState>
  );
}

function Home() {
  const user = useSignedInUser();
  return (
    <Navigate to={user.tenantIds.length > 0 ? `/${user.tenantIds[0]}/integration` : '/review'} replace />
  );
}

/** Admins of the first tenant; the tenant switch there picks another. */
function AdminsHome() {
  const user = useSignedInUser();
  return (
    <Navigate to={user.tenantIds.length > 0 ? `/${user.tenantIds[0]}/integration/admins` : '/'} replace />
  );
}

/** The reviewer area: only platform reviewers get past this. */
function ReviewerOnly() {
  const user = useSignedInUser();
  return user.isReviewer ? (
    <Outlet context={user} />
  ) : (
    <Banner kind="warning">Only platform reviewers can open the reviewer area.</Banner>
  );
}

export const routes: RouteObject[] = [
  { path: '/signin', element: <SignInPage productName="the Admin Console" home="/" /> },
  { path: '/invitation', element: <AcceptInvitation /> },
  {
    element: (
      <SessionShell
        productName="Admin Console"
        allow={(user) => user.tenantIds.length > 0 || user.isReviewer}
        deniedMessage="The admin console is for tenant admins and platform reviewers. Your account has neither permission."
        nav={navFor}
      />
    ),
    children: [
      { index: true, element: <Home /> },
      { path: 'admins', element: <AdminsHome /> },
      { path: 'audit', element: <TenantAudit /> },
      {
        path: 'review',
        element: <ReviewerOnly />,
        children: [
          { index: true, element: <ReviewQueue /> },
          { path: 'requests', element: <AccessRequests /> },
          { path: 'audit', element: <ReviewerAudit /> },
          {
            path: 'gateway',
            ...lazyPage(() => import('./features/gateway/gateway-page').then((m) => m.GatewayPage)),
          },
        ],
      },
      {
        path: ':tenantId/:environment',
        element: <TenantScope />,
        children: [
          { index: true, element: <AccessList /> },
          { path: 'connect', element: <ConnectNewApp /> },
          { path: 'admins', element: <AdminsPage /> },
          { path: 'connect/:appId', element: <ConnectApp /> },
          {
            path: 'connections/:connectionId',
            element: <ConnectionPage />,
            children: [
              { index: true, element: <ConnectionAccess /> },
              {
                path: 'requests',
                ...lazyPage(() =>
                  import('./features/requests/connection-requests').then((m) => m.ConnectionRequests),
                ),
              },
            ],
          },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
];
