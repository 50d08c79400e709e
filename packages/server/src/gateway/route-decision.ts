import { accessForMethod, scopeString } from '@gatehouse/domain';
import { AREA_BY_PATH, type GatewayConfig, type GatewayMethod, type RouteRule } from './config';

/** Which scope a gateway call needs, from the route rules first and the scope catalog after them (default deny). */

/** What a gateway call needs: the scope (null: refused whatever the token holds) and its usage-report endpoint. */
export interface RouteDecision {
  scope: string | null;
  /** `GET /crm/v2/tenant/{tenant}/customers/{id}`: what the usage report counts the call under. */
  endpoint: string;
}

/**
 * Literal segments match whatever their case or compatibility form, as an upstream that ignores case or
 * folds Unicode reads them (fullwidth `ｂ` for `b`; in Java and .NET also `ſ` for `s`, `ı` and `İ` for
 * `i`, the Kelvin sign for `k`): else `Bookings/7` would pass the `bookings/**` a deny rule refuses.
 */
const caseless = (segment: string) =>
  segment.normalize('NFKC').replace(/[ıİ]/g, 'i').replace(/ſ/g, 's').toLowerCase();

/**
 * Whether a path segment names a rule's literal one: the same, or it followed by a format suffix, which
 * Rails and Spring strip before routing (`bookings.json` is `bookings` to them).
 */
function sameLiteral(part: string, segment: string): boolean {
  if (part === segment) return true;
  const literal = caseless(part);
  const given = caseless(segment);
  return given === literal || given.startsWith(`${literal}.`);
}

function matches(rule: RouteRule, method: string, segments: readonly string[]): boolean {
  if (rule.methods && !rule.methods.includes(method as GatewayMethod)) return false;
  for (const [i, part] of rule.segments.entries()) {
    // `**` is the rest, none included: `exports/**` covers `exports` itself, as a deny rule must.
    if (part === '**') return segments.length >= i;
    const segment = segments[i];
    if (segment === undefined) return false;
    if (part === '*' || i === 3) continue;
    if (!sameLiteral(part, segment)) return false;
  }
  return segments.length === rule.segments.length;
}

/**
 * The rule for a call to a gateway area, `segments` being its decoded path below the environment's `/api`
 * (`['crm','v2','tenant','985798691','customers','42']`): the first configured rule that matches, else the
 * catalog's default (a catalog resource of the area, and anything below it: GET and HEAD need `:r`, other
 * methods `:w`), whose segments must match exactly. Undefined when nothing matches: the call is refused
 * (default deny).
 */
export function routeDecision(
  config: GatewayConfig,
  method: string,
  segments: readonly string[],
): RouteDecision | undefined {
  for (const rule of config.routes)
    if (matches(rule, method, segments)) return { scope: rule.scope, endpoint: `${method} ${rule.path}` };
  const [areaPath, version, tenantWord, , resourcePath, ...rest] = segments;
  if (version !== 'v2' || tenantWord !== 'tenant' || !resourcePath) return undefined;
  const area = areaPath === undefined ? undefined : AREA_BY_PATH.get(areaPath);
  const resource = area?.resources.find((r) => r.path === resourcePath);
  if (!area || !resource || !config.upstreams.has(area.path)) return undefined;
  // Bounded whatever the paths: the record, and anything below it as one line (route rules name more).
  const tail = rest.length === 0 ? '' : rest.length === 1 ? '/{id}' : '/{id}/…';
  return {
    scope: scopeString(area.key, resource.key, accessForMethod(method)),
    endpoint: `${method} /${area.path}/v2/tenant/{tenant}/${resource.path}${tail}`,
  };
}
