import { accessRouter } from './routers/access/router';
import { appsRouter } from './routers/apps/router';
import { auditRouter } from './routers/audit/router';
import { authRouter } from './routers/auth/router';
import { connectionsRouter } from './routers/connections/router';
import { gatewayRouter } from './routers/gateway/router';
import { notificationsRouter } from './routers/notifications/router';
import { requestsRouter } from './routers/requests/router';
import { reviewRouter } from './routers/review/router';
import { teamRouter } from './routers/team/router';
import { webhooksRouter } from './routers/webhooks/router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  apps: appsRouter,
  connections: connectionsRouter,
  review: reviewRouter,
  access: accessRouter,
  notifications: notificationsRouter,
  audit: auditRouter,
  gateway: gatewayRouter,
  webhooks: webhooksRouter,
  requests: requestsRouter,
  team: teamRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
