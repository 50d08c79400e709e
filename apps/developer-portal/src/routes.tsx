import { EmptyState, lazyPage, SessionShell, SignInPage } from '@gatehouse/ui';
import { Link, type RouteObject } from 'react-router';
import { RequestAccess } from './features/access/request-access';
import { SetPassword } from './features/access/set-password';
import { AppOverview } from './features/apps/app-overview';
import { AppPage } from './features/apps/app-page';
import { EditDetails } from './features/apps/edit-details';
import { EditScopes } from './features/apps/edit-scopes';
import { FirstApiCall } from './features/apps/first-api-call';
import { MyApps } from './features/apps/my-apps';
import { NewApp } from './features/apps/new-app';
import { VersionHistory } from './features/apps/version-history';
import { ViewConnections } from './features/apps/view-connections';
import { DeveloperAudit } from './features/audit/developer-audit';
import { AcceptInvitation } from './features/team/accept-invitation';
import { TeamPage } from './features/team/team-page';

function NotFound() {
  return (
    <EmptyState title="Page not found" page>
      <p>
        <Link to="/">Back to My Apps</Link>
      </p>
    </EmptyState>
  );
}

export const routes: RouteObject[] = [
  {
    path: '/signin',
    element: (
      <SignInPage
        productName="the Developer Portal"
        home="/"
        footer={
          <p className="muted">
            No account yet? <Link to="/request-access">Request Access</Link>
          </p>
        }
      />
    ),
  },
  { path: '/request-access', element: <RequestAccess /> },
  { path: '/set-password', element: <SetPassword /> },
  { path: '/invitation', element: <AcceptInvitation /> },
  {
    element: (
      <SessionShell
        productName="Developer Portal"
        allow={(user) => user.organizationId !== null}
        deniedMessage="This portal is for developers. Your account does not have the Generate API Application Key permission."
        nav={() => [
          { to: '/', label: 'My Apps' },
          { to: '/apps/new', label: 'New App' },
          { to: '/team', label: 'Team' },
          { to: '/reference', label: 'API Reference' },
          { to: '/audit', label: 'Audit trail' },
        ]}
      />
    ),
    children: [
      { index: true, element: <MyApps /> },
      { path: 'apps/new', element: <NewApp /> },
      {
        path: 'apps/:appId',
        element: <AppPage />,
        children: [
          { index: true, element: <AppOverview /> },
          {
            path: 'edit',
            element: (
              <>
                <EditDetails />
                <EditScopes />
              </>
            ),
          },
          { path: 'versions', element: <VersionHistory /> },
          { path: 'connections', element: <ViewConnections /> },
          {
            path: 'usage',
            ...lazyPage(() => import('./features/apps/usage-report').then((m) => m.UsageReport)),
          },
          { path: 'first-call', element: <FirstApiCall /> },
          {
            path: 'webhooks',
            ...lazyPage(() => import('./features/webhooks/webhooks-page').then((m) => m.WebhooksPage)),
          },
          {
            path: 'webhooks/:endpointId',
            ...lazyPage(() => import('./features/webhooks/delivery-log').then((m) => m.DeliveryLogPage)),
          },
        ],
      },
      { path: 'team', element: <TeamPage /> },
      {
        path: 'reference',
        ...lazyPage(() => import('./features/reference/api-reference').then((m) => m.ApiReference)),
      },
      { path: 'audit', element: <DeveloperAudit /> },
      { path: '*', element: <NotFound /> },
    ],
  },
];
