import type { Environment } from '@gatehouse/domain';

/** Deterministic pseudo-random numbers, so every tenant's demo data is the same on every instance and every start. */
function prng(seedText: string): () => number {
  let seed = 2166136261;
  for (let i = 0; i < seedText.length; i++) seed = Math.imul(seed ^ seedText.charCodeAt(i), 16777619);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Avery',
  'Jordan',
  'Casey',
  'Morgan',
  'Riley',
  'Quinn',
  'Harper',
  'Rowan',
  'Emerson',
  'Logan',
  'Parker',
  'Reese',
  'Sawyer',
  'Drew',
  'Jamie',
  'Alex',
];
const LAST = [
  'Garcia',
  'Nguyen',
  'Patel',
  'Smith',
  'Johnson',
  'Lee',
  'Brown',
  'Martinez',
  'Wilson',
  'Anderson',
  'Clark',
  'Lopez',
  'Young',
  'Hall',
  'King',
  'Wright',
];
const STREETS = [
  'Oak St',
  'Maple Ave',
  'Pine Rd',
  'Cedar Ln',
  'Elm St',
  'Sunset Blvd',
  'Lakeview Dr',
  'Hillcrest Way',
];
const CITIES = ['Glendale', 'Pasadena', 'Burbank', 'Denver', 'Boulder', 'Aurora', 'Phoenix', 'Mesa'];
const BUSINESS_UNITS = ['Plumbing Service', 'Plumbing Install', 'HVAC Service', 'HVAC Install', 'Electrical'];

type Row = Record<string, unknown> & { id: number };

/** The resources the demo API serves, keyed `<area path>/<resource path>`, and how many records each tenant starts with. */
export const DEMO_RESOURCES = {
  'settings/employees': 25,
  'settings/technicians': 15,
  'crm/customers': 120,
  'crm/locations': 150,
  'accounting/invoices': 200,
  'telecom/calls': 300,
} as const;

export type DemoResource = keyof typeof DEMO_RESOURCES;

export function generateDemoData(tenantId: string, environment: Environment): Record<DemoResource, Row[]> {
  const rand = prng(`${tenantId}:${environment}`);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const person = () => `${pick(FIRST)} ${pick(LAST)}`;
  const day = (offsetDays: number) => new Date(Date.UTC(2026, 0, 1) + offsetDays * 86_400_000).toISOString();
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const base = Number(tenantId.slice(-4)) * 1000 + (environment === 'production' ? 500_000 : 0);

  const employees = range(DEMO_RESOURCES['settings/employees']).map((i) => ({
    id: base + i,
    name: person(),
    role: pick(['Dispatcher', 'CSR', 'Manager', 'Accountant']),
    active: rand() > 0.1,
    businessUnit: pick(BUSINESS_UNITS),
  }));
  const technicians = range(DEMO_RESOURCES['settings/technicians']).map((i) => ({
    id: base + 100 + i,
    name: person(),
    businessUnit: pick(BUSINESS_UNITS),
    active: rand() > 0.1,
    phone: `555-01${String(i).padStart(2, '0')}`,
  }));
  const customers = range(DEMO_RESOURCES['crm/customers']).map((i) => {
    const commercial = rand() > 0.8;
    return {
      id: base + 1000 + i,
      name: commercial ? `${pick(LAST)} ${pick(['Properties', 'Holdings', 'Realty', 'LLC'])}` : person(),
      type: commercial ? 'Commercial' : 'Residential',
      email: `customer${i}@example.com`,
      phone: `555-${String(1000 + i).slice(-4)}`,
      active: rand() > 0.05,
      createdOn: day(Math.floor(rand() * 300)),
    };
  });
  const locations = range(DEMO_RESOURCES['crm/locations']).map((i) => ({
    id: base + 5000 + i,
    customerId: customers[(i - 1) % customers.length]!.id,
    address: {
      street: `${100 + Math.floor(rand() * 9000)} ${pick(STREETS)}`,
      city: pick(CITIES),
      zip: String(80000 + Math.floor(rand() * 19999)),
    },
  }));
  const invoices = range(DEMO_RESOURCES['accounting/invoices']).map((i) => {
    const total = Math.round(rand() * 250000) / 100;
    return {
      id: base + 10000 + i,
      customerId: pick(customers).id,
      number: `INV-${base + i}`,
      total,
      balance: rand() > 0.6 ? total : 0,
      invoiceDate: day(Math.floor(rand() * 330)),
    };
  });
  const calls = range(DEMO_RESOURCES['telecom/calls']).map((i) => ({
    id: base + 20000 + i,
    direction: rand() > 0.4 ? 'Inbound' : 'Outbound',
    from: `555-${String(Math.floor(rand() * 9999)).padStart(4, '0')}`,
    durationSeconds: Math.floor(rand() * 900),
    customerId: rand() > 0.3 ? pick(customers).id : null,
    receivedOn: day(Math.floor(rand() * 330)),
  }));
  return {
    'settings/employees': employees,
    'settings/technicians': technicians,
    'crm/customers': customers,
    'crm/locations': locations,
    'accounting/invoices': invoices,
    'telecom/calls': calls,
  };
}
