import { z } from 'zod';
import { developerProcedure } from '../../procedures';
import { listDeliveries, resendDelivery, sendTestEvent } from '../../services/webhooks/deliveries';
import {
  createEndpoint,
  deleteEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from '../../services/webhooks/endpoints';
import { router } from '../../trpc';
import {
  createEndpointInput,
  deliveriesInput,
  deliveriesOutput,
  deliveryInput,
  deliveryOutput,
  endpointInput,
  endpointListOutput,
  endpointOutput,
  endpointWithSecretOutput,
  rotateEndpointSecretInput,
  updateEndpointInput,
  webhookAppInput,
} from './schemas';

/** An app's webhook endpoints and their delivery logs, for the developers of the app's organization. */
export const webhooksRouter = router({
  list: developerProcedure
    .input(webhookAppInput)
    .output(endpointListOutput)
    .query(({ ctx, input }) => listEndpoints(ctx.em, ctx.developer, input.appId)),

  create: developerProcedure
    .input(createEndpointInput)
    .output(endpointWithSecretOutput)
    .mutation(({ ctx, input }) =>
      createEndpoint(ctx.em, ctx.developer, input, { allowLoopback: ctx.allowWebhookLoopback }),
    ),

  update: developerProcedure
    .input(updateEndpointInput)
    .output(endpointOutput)
    .mutation(({ ctx, input }) =>
      updateEndpoint(ctx.em, ctx.developer, input, { allowLoopback: ctx.allowWebhookLoopback }),
    ),

  rotateSecret: developerProcedure
    .input(rotateEndpointSecretInput)
    .output(endpointWithSecretOutput)
    .mutation(({ ctx, input }) => rotateEndpointSecret(ctx.em, ctx.developer, input)),

  delete: developerProcedure
    .input(endpointInput)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteEndpoint(ctx.em, ctx.developer, input)),

  deliveries: developerProcedure
    .input(deliveriesInput)
    .output(deliveriesOutput)
    .query(({ ctx, input }) => listDeliveries(ctx.em, ctx.developer, input)),

  resend: developerProcedure
    .input(deliveryInput)
    .output(deliveryOutput)
    .mutation(({ ctx, input }) => resendDelivery(ctx.em, ctx.developer, input)),

  sendTest: developerProcedure
    .input(endpointInput)
    .output(deliveryOutput)
    .mutation(({ ctx, input }) => sendTestEvent(ctx.em, ctx.developer, input)),
});
