/**
 * The scope catalog: every API area, its resources and the scope strings an
 * app may ask for. Scope strings read `tn.<area>.<resource>:r` (view) or `:w`
 * (modify). This is data, shared by the server and both SPAs.
 */

export interface CatalogResource {
  /** scope key, e.g. `invoices` in `tn.acc.invoices:r` */
  readonly key: string;
  readonly name: string;
  /** path segment in the resource API, e.g. `payment-terms` */
  readonly path: string;
}

export interface CatalogArea {
  /** scope key, e.g. `acc` in `tn.acc.invoices:r` */
  readonly key: string;
  readonly name: string;
  /** path segment in the resource API, e.g. `accounting` */
  readonly path: string;
  readonly resources: readonly CatalogResource[];
}

function r(name: string, key?: string): CatalogResource {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return { name, key: key ?? slug.replace(/-/g, ''), path: slug };
}

export const SCOPE_CATALOG: readonly CatalogArea[] = [
  {
    key: 'acc',
    name: 'Accounting',
    path: 'accounting',
    resources: [
      r('Invoices'),
      r('Payments'),
      r('Payment Terms'),
      r('Bills'),
      r('Tax Zones'),
      r('Journal Entries'),
    ],
  },
  {
    key: 'crm',
    name: 'CRM',
    path: 'crm',
    resources: [r('Leads'), r('Customers'), r('Locations'), r('Bookings'), r('Contacts')],
  },
  {
    key: 'dispatch',
    name: 'Dispatch',
    path: 'dispatch',
    resources: [
      r('Appointment Assignments'),
      r('Arrival Windows'),
      r('Capacity'),
      r('Non Job Appointments'),
      r('Technician Shifts'),
      r('Zones'),
    ],
  },
  {
    key: 'eqs',
    name: 'Equipment Systems',
    path: 'equipmentsystems',
    resources: [r('Installed Equipment')],
  },
  {
    key: 'inventory',
    name: 'Inventory',
    path: 'inventory',
    resources: [
      r('Purchase Orders'),
      r('Receipts'),
      r('Returns'),
      r('Transfers'),
      r('Vendors'),
      r('Warehouses'),
      r('Trucks'),
    ],
  },
  {
    key: 'jpm',
    name: 'Job Planning',
    path: 'jpm',
    resources: [r('Jobs'), r('Appointments'), r('Projects'), r('Job Types'), r('Job Cancel Reasons')],
  },
  {
    key: 'marketing',
    name: 'Marketing',
    path: 'marketing',
    resources: [r('Campaigns'), r('Campaign Categories'), r('Campaign Costs')],
  },
  {
    key: 'memberships',
    name: 'Memberships',
    path: 'memberships',
    resources: [r('Memberships'), r('Membership Types'), r('Recurring Services'), r('Invoice Templates')],
  },
  {
    key: 'payroll',
    name: 'Payroll',
    path: 'payroll',
    resources: [r('Gross Pay Items'), r('Timesheets'), r('Payroll Adjustments'), r('Activity Codes')],
  },
  {
    key: 'pricebook',
    name: 'Pricebook',
    path: 'pricebook',
    resources: [r('Services'), r('Materials'), r('Equipment'), r('Categories'), r('Discounts and Fees')],
  },
  {
    key: 'sales',
    name: 'SalesTech',
    path: 'sales',
    resources: [r('Estimates'), r('Proposals')],
  },
  {
    key: 'schedulingpro',
    name: 'Scheduling Pro',
    path: 'schedulingpro',
    resources: [r('Schedulers'), r('Scheduler Sessions')],
  },
  {
    key: 'sa',
    name: 'Service Agreements',
    path: 'service-agreements',
    resources: [r('Service Agreements')],
  },
  {
    key: 'settings',
    name: 'Settings',
    path: 'settings',
    resources: [r('Employees'), r('Technicians'), r('Business Units'), r('Tag Types'), r('User Roles')],
  },
  {
    key: 'tasks',
    name: 'Task Management',
    path: 'task-management',
    resources: [r('Tasks')],
  },
  {
    key: 'telecom',
    name: 'Telecom',
    path: 'telecom',
    resources: [r('Calls'), r('Opt-in/Opt-out', 'optinouts')],
  },
];

export type Access = 'r' | 'w';
/** The two access levels of a resource, view before modify. */
export const ACCESSES: readonly Access[] = ['r', 'w'];
export const ACCESS_LABEL: Record<Access, string> = { r: 'View', w: 'Modify' };

/** The access a call's method needs (the resource API's rule): View to read (GET, HEAD), Modify for the rest. */
export function accessForMethod(method: string): Access {
  return method === 'GET' || method === 'HEAD' ? 'r' : 'w';
}

export interface ScopeInfo {
  readonly scope: string;
  readonly area: CatalogArea;
  readonly resource: CatalogResource;
  readonly access: Access;
}

export function scopeString(areaKey: string, resourceKey: string, access: Access): string {
  return `tn.${areaKey}.${resourceKey}:${access}`;
}

const SCOPE_INDEX: ReadonlyMap<string, ScopeInfo> = new Map(
  SCOPE_CATALOG.flatMap((area) =>
    area.resources.flatMap((resource) =>
      ACCESSES.map((access) => {
        const scope = scopeString(area.key, resource.key, access);
        return [scope, { scope, area, resource, access }] as const;
      }),
    ),
  ),
);

/** Every scope string the catalog knows, in catalog order. */
export const ALL_SCOPES: readonly string[] = [...SCOPE_INDEX.keys()];

export function isKnownScope(scope: string): boolean {
  return SCOPE_INDEX.has(scope);
}

export function scopeInfo(scope: string): ScopeInfo | undefined {
  return SCOPE_INDEX.get(scope);
}

/** "Accounting · Invoices · View" — how a scope reads to a person. */
export function describeScope(scope: string): string {
  const info = SCOPE_INDEX.get(scope);
  if (!info) return scope;
  return `${info.area.name} · ${info.resource.name} · ${ACCESS_LABEL[info.access]}`;
}

const CATALOG_ORDER: ReadonlyMap<string, number> = new Map(ALL_SCOPES.map((s, i) => [s, i]));

/** Unique scopes in catalog order: the one canonical form we store and compare. */
export function normalizeScopes(scopes: Iterable<string>): string[] {
  return [...new Set(scopes)].sort(
    (a, b) =>
      (CATALOG_ORDER.get(a) ?? Number.MAX_SAFE_INTEGER) - (CATALOG_ORDER.get(b) ?? Number.MAX_SAFE_INTEGER) ||
      a.localeCompare(b),
  );
}

const PATH_INDEX: ReadonlyMap<string, { area: CatalogArea; resource: CatalogResource }> = new Map(
  SCOPE_CATALOG.flatMap((area) =>
    area.resources.map((resource) => [`${area.path}/${resource.path}`, { area, resource }] as const),
  ),
);

/**
 * A resource's path in an environment's API, for a tenant: `crm/v2/tenant/985798691/customers`. The
 * tenant may be a placeholder (`{tenant}`, `<TENANT_ID>`) where the path is shown rather than called.
 */
export function resourcePath(areaPath: string, tenant: string, resource: string): string {
  return `${areaPath}/v2/tenant/${tenant}/${resource}`;
}

/** The resource-path lookup the resource API gate uses: `accounting` + `invoices` → area and resource. */
export function resourceByPath(
  areaPath: string,
  resourcePath: string,
): { area: CatalogArea; resource: CatalogResource } | undefined {
  return PATH_INDEX.get(`${areaPath}/${resourcePath}`);
}
