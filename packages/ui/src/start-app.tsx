import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, type RouteObject, RouterProvider } from 'react-router';
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
