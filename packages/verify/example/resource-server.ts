import { gatehouse } from '@gatehouse/verify';
import Fastify from 'fastify';

type Tenant = { Params: { tenant: string } };

/** A CRM service taking calls from Gatehouse's apps itself: GET needs tn.crm.customers:r, POST :w. */
export async function resourceServer(issuer: string) {
  const app = Fastify();
  await app.register(gatehouse, { issuer });

  app.get<Tenant>(
    '/crm/v2/tenant/:tenant/customers',
    { preHandler: app.requireScope('tn.crm.customers:r') },
    async (request) => ({ caller: request.gatehouse, data: [{ id: 1, name: 'Glendale Plumbing' }] }),
  );

  app.post<Tenant>(
    '/crm/v2/tenant/:tenant/customers',
    { preHandler: app.requireScope('tn.crm.customers:w') },
    async (request, reply) => reply.code(201).send({ caller: request.gatehouse, created: request.body }),
  );
  return app;
}
