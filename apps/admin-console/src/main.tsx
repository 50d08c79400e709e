import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider } from 'react-router';
import { ApiProvider, RequireSession, Shell, SignInPage } from '@gatehouse/ui';
import '@gatehouse/ui/styles.css';
import { TenantScope } from './features/access/tenant-scope';
import { AccessList } from './features/access/access-list';
import { ConnectNewApp } from './features/access/connect-new-app';
import { ConnectApp } from './features/access/connect-app';
import { ConnectionPage } from './features/access/connection-page';

function AdminShell() {
  return (
    <RequireSession
      allow={(user) => user.tenantIds.length > 0}
      deniedMessage="The admin console is for tenant admins. Your account does not have the Manage API Application Access permission."
    >
      {(user) => (
        <Shell productName="Admin Console" nav={[{ to: '/', label: 'API Application Access' }]} user={user}>
          <Outlet context={user} />
        </Shell>
      )}
    </RequireSession>
  );
}

function FirstTenant() {
  return (
    <RequireSession allow={(user) => user.tenantIds.length > 0} deniedMessage="">
      {(user) => <Navigate to={`/${user.tenantIds[0]}/integration`} replace />}
    </RequireSession>
  );
}

const router = createBrowserRouter(
  [
    { path: '/signin', element: <SignInPage productName="the Admin Console" home="/" /> },
    {
      element: <AdminShell />,
      children: [
        { index: true, element: <FirstTenant /> },
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
