import { appsRouter } from './routers/apps/router';
import { authRouter } from './routers/auth/router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  apps: appsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
