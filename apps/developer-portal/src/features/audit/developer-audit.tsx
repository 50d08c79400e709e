import { AuditTrail, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';

/** The organization's audit trail: every change to its apps, their versions, tenants, reviews and connections. */
export function DeveloperAudit() {
  const trpc = useTRPC();
  const apps = useQuery(trpc.apps.list.queryOptions({ page: 1, pageSize: 100 }));
  return (
    <>
      <h1>Audit trail</h1>
      <p className="muted">Who changed what on your organization's apps, and when.</p>
      <AuditTrail view="developer" apps={apps.data?.items.map((a) => ({ id: a.id, name: a.name }))} />
    </>
  );
}
