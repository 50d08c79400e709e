import type { Endpoint, Traffic } from './traffic';

type Connection = Traffic['connection'];

/** The connections of the demo world that call the API. */
export interface CallingConnections {
  crewGlendale: Connection;
  crewGlendaleSandbox: Connection;
  crewSummit: Connection;
  invoicesGlendale: Connection;
  invoicesSummit: Connection;
  warrantyGlendale: Connection;
  routeSummit: Connection;
}

const path = (area: string, resource: string) => `${area}/v2/tenant/{tenant}/${resource}`;

const CREW: Endpoint[] = [
  ['GET', path('settings', 'technicians'), 3, 'tn.settings.technicians:r'],
  ['GET', path('settings', 'employees'), 1, 'tn.settings.employees:r'],
  ['GET', path('crm', 'customers'), 3, 'tn.crm.customers:r'],
  ['GET', path('crm', 'customers/{id}'), 4, 'tn.crm.customers:r'],
  ['GET', path('crm', 'locations'), 2, 'tn.crm.locations:r'],
];

const INVOICES: Endpoint[] = [
  ['GET', path('accounting', 'invoices'), 5, 'tn.acc.invoices:r'],
  ['GET', path('accounting', 'invoices/{id}'), 3, 'tn.acc.invoices:r'],
  ['GET', path('crm', 'customers/{id}'), 2, 'tn.crm.customers:r'],
];

const INVOICE_CHANGE: [string, string] = ['PATCH', path('accounting', 'invoices/{id}')];

/**
 * Who called what over the last 30 days: Crew Scheduler busiest at Glendale, with two days over its
 * rate limit and an afternoon the service was briefly unavailable; Field Invoice Sync changing invoices at
 * Glendale since it upgraded to version 3, and refused for the scope at Summit, still on version 1;
 * Warranty Lookup silent since Glendale paused it; a few calls in Glendale's sandbox.
 */
export function worldTraffic(c: CallingConnections): Traffic[] {
  return [
    { connection: c.crewGlendale, daily: 240, endpoints: CREW, throttledDays: [16, 4], outageDays: [11] },
    { connection: c.crewGlendaleSandbox, daily: 16, endpoints: CREW.slice(2) },
    { connection: c.crewSummit, daily: 130, endpoints: CREW, outageDays: [11] },
    {
      connection: c.invoicesGlendale,
      daily: 90,
      endpoints: [...INVOICES, [...INVOICE_CHANGE, 1, 'tn.acc.invoices:w', 5]],
      throttledDays: [4],
    },
    {
      connection: c.invoicesSummit,
      daily: 70,
      endpoints: INVOICES,
      refused: { endpoint: INVOICE_CHANGE, share: 0.04, since: 6 },
    },
    {
      connection: c.warrantyGlendale,
      daily: 30,
      endpoints: [
        ['GET', path('equipmentsystems', 'installed-equipment'), 2, 'tn.eqs.installedequipment:r'],
        ['GET', path('crm', 'customers/{id}'), 1, 'tn.crm.customers:r'],
      ],
      silentFor: 3,
    },
    {
      connection: c.routeSummit,
      daily: 60,
      endpoints: [
        ['GET', path('crm', 'locations'), 2, 'tn.crm.locations:r'],
        ['GET', path('settings', 'technicians'), 1, 'tn.settings.technicians:r'],
      ],
    },
  ];
}
