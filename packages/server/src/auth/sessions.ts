import { ORG_ROLES, type OrgRole } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { Session, TenantAdmin, type UserEntity } from '../db/entities';
import { randomToken, sha256Hex } from './secrets';

export const SESSION_COOKIE = 'gh_session';
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** What every authorized procedure knows about its caller. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  /** Set for developers: the organization whose apps they manage. */
  organizationId: string | null;
  organizationName: string | null;
  /** The developer's role in that organization: Owners manage its members. */
  organizationRole: OrgRole | null;
  isReviewer: boolean;
  /** Tenants this user administers. */
  tenantIds: string[];
}

/** The caller as procedures answer it (the SPAs read their own roles from it). */
export const sessionUserOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  organizationId: z.string().nullable(),
  organizationName: z.string().nullable(),
  organizationRole: z.enum(ORG_ROLES).nullable(),
  isReviewer: z.boolean(),
  tenantIds: z.array(z.string()),
}) satisfies z.ZodType<SessionUser>;

export async function startSession(
  em: EntityManager,
  userId: string,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken('ghs_', 32);
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  em.create(Session, { id: crypto.randomUUID(), tokenHash: sha256Hex(token), user: userId, expiresAt });
  // Sign-in is a good moment to drop this user's stale sessions.
  await em.nativeDelete(Session, { user: userId, expiresAt: { $lte: new Date() } });
  await em.flush();
  return { token, expiresAt };
}

export async function endSession(em: EntityManager, token: string): Promise<void> {
  await em.nativeDelete(Session, { tokenHash: sha256Hex(token) });
}

export async function userForSession(em: EntityManager, token: string | null): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const session = await em.findOne(
    Session,
    { tokenHash: sha256Hex(token), expiresAt: { $gt: new Date() } },
    { populate: ['user', 'user.organization'] },
  );
  if (!session) return null;
  return loadSessionUser(em, session.user);
}

/** `user` must come with its organization populated. */
export async function loadSessionUser(em: EntityManager, user: UserEntity): Promise<SessionUser> {
  const grants = await em.find(TenantAdmin, { user: user.id }, { orderBy: { tenant: 'asc' } });
  const organization = user.organization ?? null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    organizationId: organization?.id ?? null,
    organizationName: organization?.name ?? null,
    organizationRole: organization ? (user.orgRole ?? 'developer') : null,
    isReviewer: user.isReviewer,
    tenantIds: grants.map((g) => g.tenant.id),
  };
}
