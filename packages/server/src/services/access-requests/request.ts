import type { AccessRequestInput } from '@gatehouse/domain';
import { audit } from '../../audit';
import { AccessRequest } from '../../db/entities';
import type { Database } from '../../db/orm';
import { admitAccessRequest } from './throttle';

/**
 * Request Access, without signing in: stored as pending for a reviewer, never granting
 * anything by itself. Throttled per email and per address; a filled honeypot field
 * (bots fill it, people never see it) is answered as received and stores nothing.
 */
export async function requestAccess(
  db: Database,
  input: AccessRequestInput,
  clientIp: string,
): Promise<void> {
  if (input.website) return;
  const giveBack = await admitAccessRequest(db, input.email, clientIp);
  try {
    await db.em().transactional(async (tx) => {
      const request = tx.create(AccessRequest, {
        id: crypto.randomUUID(),
        name: input.name,
        email: input.email,
        organizationName: input.organizationName,
        role: input.role,
        tenantId: input.role === 'tenant_admin' ? (input.tenantId ?? null) : null,
        status: 'pending',
      });
      audit(tx, null, {
        action: 'access_request.created',
        tenantId: request.tenantId ?? null,
        after: { email: request.email, role: request.role, organizationName: request.organizationName },
      });
    });
  } catch (error) {
    // A request that was not stored does not count against the limits.
    await giveBack();
    throw error;
  }
}
