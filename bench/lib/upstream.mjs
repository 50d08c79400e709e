/**
 * The gateway benchmark's upstream: a bare Fastify server standing in for a platform's own CRM service, in
 * its own process and run by plain Node. It answers `GET /crm/v2/tenant/:tenant/customers` (a page) and
 * `…/customers/:id` (one record) from memory, the same bytes whether called directly or through
 * Gatehouse's gateway. Reports its port over IPC; stops when the parent goes away or on SIGTERM.
 */
import Fastify from 'fastify';

if (!process.send) throw new Error('Start this through the gateway benchmark: it reports over IPC.');

const customers = Array.from({ length: 50 }, (_, index) => ({
  id: index + 1,
  name: `Customer ${index + 1}`,
  type: index % 3 === 0 ? 'Commercial' : 'Residential',
  address: { street: `${100 + index} Main St`, city: 'Glendale', state: 'CA', zip: '91201' },
  balance: (index * 37.5) % 1000,
  active: index % 7 !== 0,
}));
const records = customers.map((customer) => JSON.stringify(customer));

const app = Fastify({ logger: false });
app.get('/crm/v2/tenant/:tenant/customers', async () => ({
  page: 1,
  pageSize: customers.length,
  totalCount: customers.length,
  hasMore: false,
  data: customers,
}));
app.get('/crm/v2/tenant/:tenant/customers/:id', (request, reply) => {
  const record = records[Number(request.params.id) - 1];
  if (record === undefined) return reply.code(404).send({ error: 'not_found' });
  return reply.type('application/json; charset=utf-8').send(record);
});

await app.listen({ port: 0, host: '127.0.0.1' });
process.send({ port: app.server.address().port });
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
const stop = () => void app.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
