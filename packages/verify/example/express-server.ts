import { gatehouseMiddleware } from '@gatehouse/verify';
import express from 'express';

/** The same CRM service with Express: GET needs tn.crm.customers:r, POST :w. */
export function expressServer(issuer: string) {
  const app = express();
  const { requireScope } = gatehouseMiddleware({ issuer });
  app.use(express.json());

  app.get('/crm/v2/tenant/:tenant/customers', requireScope('tn.crm.customers:r'), (req, res) => {
    res.json({ caller: req.gatehouse, data: [{ id: 1, name: 'Glendale Plumbing' }] });
  });

  app.post('/crm/v2/tenant/:tenant/customers', requireScope('tn.crm.customers:w'), (req, res) => {
    res.status(201).json({ caller: req.gatehouse, created: req.body });
  });
  return app;
}
