import { AuditTrail } from '@gatehouse/ui';
import { AppPicker } from './app-picker';

/** The organization's audit trail: every change to its apps, their versions, tenants, reviews and connections. */
export function DeveloperAudit() {
  return (
    <>
      <h1>Audit trail</h1>
      <p className="muted">Who changed what on your organization's apps, and when.</p>
      <AuditTrail view="developer" appField={(field) => <AppPicker {...field} />} />
    </>
  );
}
