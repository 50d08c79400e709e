import { ENVIRONMENT_LABEL, ENVIRONMENTS, type Environment, isEnvironment } from '@gatehouse/domain';
import { EmptyState, useReload, useSignedInUser, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate, useOutletContext, useParams } from 'react-router';

export interface TenantContext {
  tenantId: string;
  tenantName: string;
  environment: Environment;
  /** `/<tenant>/<environment>`: the base of every link inside this scope. */
  base: string;
}

export function useTenant(): TenantContext {
  return useOutletContext<TenantContext>();
}

/** Reloads every connection query after a change, so each screen shows what is true now. */
export function useRefreshConnections() {
  const trpc = useTRPC();
  return useReload(trpc.connections.pathKey());
}

/** The tenant switcher and the Integration / Production switch; everything below is per tenant and environment. */
export function TenantScope() {
  const user = useSignedInUser();
  const { tenantId = '', environment = '' } = useParams();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const location = useLocation();
  const tenants = useQuery(trpc.connections.tenants.queryOptions());
  if (!user.tenantIds.includes(tenantId) || !isEnvironment(environment)) {
    return (
      <EmptyState title="Tenant not found">
        <p className="muted">You do not manage this tenant, or the address is wrong.</p>
        <Link to="/">Back to API Application Access</Link>
      </EmptyState>
    );
  }
  const tenantName = tenants.data?.find((t) => t.id === tenantId)?.name ?? '';
  // Switching keeps you on the same kind of page only for the lists; a specific connection belongs to one tenant and environment.
  const page = location.pathname.split('/')[3];
  const section = page === 'connect' || page === 'admins' ? `/${page}` : '';
  return (
    <>
      <section className="context-bar" aria-label="Tenant and environment">
        <div className="field" style={{ marginBottom: 0 }}>
          <label htmlFor="tenant-switch">Tenant</label>
          {user.tenantIds.length > 1 ? (
            <select
              id="tenant-switch"
              value={tenantId}
              onChange={(e) => navigate(`/${e.target.value}/${environment}${section}`)}
            >
              {user.tenantIds.map((id) => (
                <option key={id} value={id}>
                  {tenants.data?.find((t) => t.id === id)?.name ?? id} ({id})
                </option>
              ))}
            </select>
          ) : (
            <output id="tenant-switch">
              {tenantName} ({tenantId})
            </output>
          )}
        </div>
        {/* A tenant's admins manage both environments: no switch on their page. */}
        {page === 'admins' ? null : (
          // biome-ignore lint/a11y/useSemanticElements: a bar of links, not form controls a fieldset would group
          <div role="group" aria-label="Environment" className="segmented">
            {ENVIRONMENTS.map((e) => (
              <Link
                key={e}
                to={`/${tenantId}/${e}${section}`}
                aria-current={e === environment ? 'page' : undefined}
                className={e === environment ? 'active' : undefined}
              >
                {ENVIRONMENT_LABEL[e]}
              </Link>
            ))}
          </div>
        )}
      </section>
      <Outlet
        context={
          { tenantId, tenantName, environment, base: `/${tenantId}/${environment}` } satisfies TenantContext
        }
      />
    </>
  );
}
