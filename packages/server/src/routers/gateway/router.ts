import { reviewerProcedure } from '../../procedures';
import { router } from '../../trpc';
import { gatewayViewOutput } from './schemas';

export const gatewayRouter = router({
  /**
   * The configured upstreams with their circuits, and the route rules, for platform reviewers. Each server
   * instance keeps its own circuits and counts, so this is the instance that answered; without gateway mode
   * both lists are empty.
   */
  upstreams: reviewerProcedure.output(gatewayViewOutput).query(({ ctx }) => ctx.gateway.view()),
});
