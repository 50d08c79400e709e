import { type ComponentType, lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, type RouteObject, RouterProvider, useRouteError } from 'react-router';
import { Banner, Button, Loading } from './primitives';
import { ApiProvider } from './trpc';

/** Draws a product's routes into the page's `#root`, with the API client around them. */
export function startApp(routes: RouteObject[], options?: { basename?: string }) {
  const router = createBrowserRouter(routes, options);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ApiProvider>
        <RouterProvider router={router} />
      </ApiProvider>
    </StrictMode>,
  );
}

/** The code of a page loaded on demand could not be fetched. */
class PageLoadError extends Error {
  constructor(cause: unknown) {
    super('The page could not be loaded', { cause });
    this.name = 'PageLoadError';
  }
}

/**
 * A route's page whose code is fetched the first time the route opens, so it
 * (and what only it uses, such as the usage report's charts) stays out of the
 * JavaScript every visit downloads before the first screen. Spread into the
 * route: `{ path: 'usage', ...lazyPage(() => import('./usage-report').then((m) => m.UsageReport)) }`.
 * Shows `Loading` meanwhile. If the code cannot be fetched, most often because
 * a new version was deployed since the tab opened and its files are gone, the
 * page says so in place and offers to reload; the rest of the portal stays.
 */
export function lazyPage(load: () => Promise<ComponentType>): Pick<RouteObject, 'element' | 'errorElement'> {
  const Page = lazy(() =>
    load().then(
      (Component) => ({ default: Component }),
      (cause: unknown) => {
        throw new PageLoadError(cause);
      },
    ),
  );
  return {
    element: (
      <Suspense fallback={<Loading />}>
        <Page />
      </Suspense>
    ),
    errorElement: <PageLoadFailed />,
  };
}

/** What a page that could not be fetched shows; any other error goes on to the error handling above it. */
function PageLoadFailed() {
  const error = useRouteError();
  if (!(error instanceof PageLoadError)) throw error;
  return (
    <Banner kind="error">
      <p>
        This page could not be loaded. The portal may have been updated since you opened it, or the connection
        dropped.
      </p>
      <Button variant="primary" onClick={() => window.location.reload()}>
        Reload the page
      </Button>
    </Banner>
  );
}
