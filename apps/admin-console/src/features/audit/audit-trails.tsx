import { AuditTrail, Banner, useSignedInUser } from '@gatehouse/ui';

/** Every change to the admin's tenants' app access. */
export function TenantAudit() {
  const user = useSignedInUser();
  if (user.tenantIds.length === 0)
    return <Banner kind="warning">The tenant audit trail is for tenant admins.</Banner>;
  return (
    <>
      <h1>Audit trail</h1>
      <p className="muted">Every change to your tenants' app access: connections, upgrades, secrets.</p>
      <AuditTrail view="tenant" tenantIds={user.tenantIds} />
    </>
  );
}

/** Every change on the platform, for reviewers. */
export function ReviewerAudit() {
  return (
    <>
      <h1>Audit trail</h1>
      <AuditTrail view="reviewer" />
    </>
  );
}
