import {
  accessForMethod,
  type CatalogArea,
  type CatalogResource,
  resourceByPath,
  resourcePath,
  SCOPE_CATALOG,
  scopeString,
} from '@gatehouse/domain';

/** A catalog resource as the gate sees it, with the strings it needs worked out once at start. */
export interface GateTarget {
  area: CatalogArea;
  resource: CatalogResource;
  /** `crm/customers`: the resource's path below the area. */
  path: string;
  readScope: string;
  writeScope: string;
  /** The route templates calls count under in the usage report, by method (filled in as methods come). */
  endpoints: Map<string, { list: string; item: string }>;
}

const TARGETS: ReadonlyMap<CatalogResource, GateTarget> = new Map(
  SCOPE_CATALOG.flatMap((area) =>
    area.resources.map((resource) => [
      resource,
      {
        area,
        resource,
        path: `${area.path}/${resource.path}`,
        readScope: scopeString(area.key, resource.key, 'r'),
        writeScope: scopeString(area.key, resource.key, 'w'),
        endpoints: new Map(),
      },
    ]),
  ),
);

export function gateTarget(areaPath: string, resourcePath: string): GateTarget | undefined {
  const found = resourceByPath(areaPath, resourcePath);
  return found && TARGETS.get(found.resource);
}

/** The scope a call with this method needs on the target: GET and HEAD read (`:r`), every other method modifies (`:w`). */
export function scopeFor(target: GateTarget, method: string): string {
  return accessForMethod(method) === 'r' ? target.readScope : target.writeScope;
}

/** The route template a call counts under in the usage report, e.g. `GET /crm/v2/tenant/{tenant}/customers/{id}`: one string per route and method, made once. */
export function endpointOf(method: string, target: GateTarget, item: boolean): string {
  let known = target.endpoints.get(method);
  if (!known) {
    const list = `${method} /${resourcePath(target.area.path, '{tenant}', target.resource.path)}`;
    known = { list, item: `${list}/{id}` };
    target.endpoints.set(method, known);
  }
  return item ? known.item : known.list;
}
