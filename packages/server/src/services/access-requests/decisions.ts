import { DomainError, notFound } from '@gatehouse/domain';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { type Actor, audit } from '../../audit';
import { hashPassword, randomToken } from '../../auth/secrets';
import { AccessRequest, Notification, Organization, Tenant, TenantAdmin, User } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { createPasswordSetup } from '../auth/password-setup';

const DECIDED = 'This request was already decided.';

const PENDING_ORDER: KeysetOrder = [
  ['createdAt', 'asc'],
  ['id', 'asc'],
];
const PENDING_TAG = listTag('access-requests');

/**
 * A page of the requests waiting for a reviewer, oldest first, with whether the
 * organization exists and the tenant's name: three statements a page, however
 * many wait.
 */
export async function pendingAccessRequests(
  em: EntityManager,
  input: { cursor?: string | undefined; limit: number },
) {
  const where = { status: 'pending' as const };
  const after = input.cursor
    ? afterKey(PENDING_ORDER, readListCursor(PENDING_TAG, input.cursor, ['moment', 'id']))
    : null;
  const rows = await em.find(AccessRequest, after ? { $and: [where, after] } : where, {
    orderBy: { createdAt: 'asc', id: 'asc' },
    limit: input.limit + 1,
  });
  const page = listPage(PENDING_TAG, rows, input.limit, (r) => [r.createdAt, r.id]);
  const requests = page.items;
  const names = [...new Set(requests.map((r) => r.organizationName))];
  const known = new Set(
    names.length ? (await em.find(Organization, { name: { $in: names } })).map((o) => o.name) : [],
  );
  const tenantIds = [...new Set(requests.map((r) => r.tenantId).filter((id): id is string => Boolean(id)))];
  const tenants = new Map(
    (tenantIds.length ? await em.find(Tenant, { id: { $in: tenantIds } }) : []).map((t) => [t.id, t.name]),
  );
  const items = requests.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    organizationName: r.organizationName,
    role: r.role,
    tenantId: r.tenantId ?? null,
    createdAt: r.createdAt,
    existingOrganization: known.has(r.organizationName),
    tenantName: (r.tenantId && tenants.get(r.tenantId)) || null,
  }));
  return { items, nextCursor: page.nextCursor };
}

async function requestById(em: EntityManager, requestId: string) {
  const request = isUuid(requestId) ? await em.findOne(AccessRequest, { id: requestId }) : null;
  if (!request) throw notFound('Access request');
  return request;
}

/**
 * Approve: creates the user (joining the organization of that name, or a new one, for a
 * developer; with the grant on the tenant, created if new, for a tenant admin) and a one-time
 * link to set the password. The account cannot sign in before that. Two approvals racing
 * create one account: the request moves from pending once, and the email is unique.
 */
export async function approveAccessRequest(em: EntityManager, reviewer: Actor, requestId: string) {
  const unusable = await hashPassword(randomToken('', 32));
  try {
    return await em.transactional(async (tx) => {
      const request = await requestById(tx, requestId);
      if (request.status !== 'pending') throw new DomainError('CONFLICT', DECIDED);
      if (await tx.count(User, { email: request.email }))
        throw new DomainError('CONFLICT', `An account for ${request.email} already exists.`);
      const existing =
        request.role === 'developer'
          ? await tx.findOne(Organization, { name: request.organizationName })
          : null;
      // The first approved requester of an organization is its Owner; later ones join as Developers.
      const organization =
        request.role === 'developer'
          ? (existing ?? tx.create(Organization, { id: crypto.randomUUID(), name: request.organizationName }))
          : null;
      const user = tx.create(User, {
        id: crypto.randomUUID(),
        email: request.email,
        name: request.name,
        passwordHash: unusable,
        organization,
        orgRole: organization ? (existing ? 'developer' : 'owner') : null,
        isReviewer: false,
      });
      if (request.role === 'tenant_admin' && request.tenantId) {
        const tenant =
          (await tx.findOne(Tenant, { id: request.tenantId })) ??
          tx.create(Tenant, { id: request.tenantId, name: request.organizationName });
        tx.create(TenantAdmin, { id: crypto.randomUUID(), user, tenant });
      }
      // Owners manage who is in their organization: one joining by a reviewer's approval is news to them.
      if (existing) {
        const owners = await tx.find(User, { organization: existing.id, orgRole: 'owner' });
        for (const owner of owners)
          tx.create(Notification, {
            id: crypto.randomUUID(),
            user: owner,
            appId: null,
            message: `${request.name} (${request.email}) joined ${existing.name} as a Developer: a platform reviewer approved their request for access. If you did not expect them, remove them on the Team page.`,
          });
      }
      const setup = createPasswordSetup(tx, user);
      await tx.flush();
      const moved = await tx.nativeUpdate(
        AccessRequest,
        { id: request.id, status: 'pending' },
        { status: 'approved', decidedAt: new Date(), decidedBy: reviewer.id, user: user.id },
      );
      if (moved !== 1) throw new DomainError('CONFLICT', DECIDED);
      audit(tx, reviewer, {
        action: 'access_request.approved',
        organizationId: organization?.id ?? null,
        tenantId: request.tenantId ?? null,
        before: { status: 'pending' },
        after: { status: 'approved', email: request.email, role: request.role, userId: user.id },
      });
      return { userId: user.id, setupToken: setup.token, expiresAt: setup.expiresAt };
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new DomainError('CONFLICT', DECIDED);
    throw error;
  }
}

/** Reject with a reason; nobody is created, and the request cannot be decided again. */
export async function rejectAccessRequest(
  em: EntityManager,
  reviewer: Actor,
  requestId: string,
  reason: string,
) {
  await em.transactional(async (tx) => {
    const request = await requestById(tx, requestId);
    const moved = await tx.nativeUpdate(
      AccessRequest,
      { id: request.id, status: 'pending' },
      { status: 'rejected', reason, decidedAt: new Date(), decidedBy: reviewer.id },
    );
    if (moved !== 1) throw new DomainError('CONFLICT', DECIDED);
    audit(tx, reviewer, {
      action: 'access_request.rejected',
      tenantId: request.tenantId ?? null,
      before: { status: 'pending' },
      after: { status: 'rejected', email: request.email, reason },
    });
  });
  return { status: 'rejected' as const };
}
