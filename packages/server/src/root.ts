import { appsRouter } from './routers/apps/router';
import { authRouter } from './routers/auth/router';
import { connectionsRouter } from './routers/connections/router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  apps: appsRouter,
  connections: connectionsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
