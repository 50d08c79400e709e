// First, before any schema is made: our Content-Security-Policy allows no eval.
import '@gatehouse/domain/browser';
import { ApiProvider, RequireSession, Shell, SignInPage } from '@gatehouse/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Link, Outlet, RouterProvider } from 'react-router';
import '@gatehouse/ui/styles.css';
import { RequestAccess } from './features/access/request-access';
import { SetPassword } from './features/access/set-password';
import { DeveloperAudit } from './features/audit/developer-audit';
import { AppRoute } from './routes/app';
import { MyAppsRoute } from './routes/my-apps';
import { NewAppRoute } from './routes/new-app';
import { NotFoundRoute } from './routes/not-found';

function DeveloperShell() {
  return (
    <RequireSession
      allow={(user) => user.organizationId !== null}
      deniedMessage="This portal is for developers. Your account does not have the Generate API Application Key permission."
    >
      {(user) => (
        <Shell
          productName="Developer Portal"
          nav={[
            { to: '/', label: 'My Apps' },
            { to: '/apps/new', label: 'New App' },
            { to: '/audit', label: 'Audit trail' },
          ]}
          user={user}
        >
          <Outlet />
        </Shell>
      )}
    </RequireSession>
  );
}

const router = createBrowserRouter([
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
  {
    element: <DeveloperShell />,
    children: [
      { index: true, element: <MyAppsRoute /> },
      { path: 'apps/new', element: <NewAppRoute /> },
      { path: 'apps/:appId/*', element: <AppRoute /> },
      { path: 'audit', element: <DeveloperAudit /> },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider>
      <RouterProvider router={router} />
    </ApiProvider>
  </StrictMode>,
);
