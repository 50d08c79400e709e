import { DomainError, personNameSchema, workEmailSchema } from '@gatehouse/domain';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { audit } from '../../audit';
import { hashPassword, randomToken } from '../../auth/secrets';
import { User } from '../../db/entities';
import { createPasswordSetup } from './password-setup';

export const reviewerInput = z.object({ email: workEmailSchema, name: personNameSchema });

/**
 * Adds a platform reviewer, as the operator does once on a new database (it
 * starts without users): the account gets a one-time link to set its
 * password and cannot sign in before. The reviewer then approves everyone
 * else's requests for access. An email that has an account already is refused.
 */
export async function addReviewer(
  em: EntityManager,
  input: z.input<typeof reviewerInput>,
): Promise<{ userId: string; setupToken: string; expiresAt: Date }> {
  const { email, name } = reviewerInput.parse(input);
  const unusable = await hashPassword(randomToken('', 32));
  try {
    return await em.transactional(async (tx) => {
      if (await tx.count(User, { email }))
        throw new DomainError('CONFLICT', `An account for ${email} already exists.`);
      const user = tx.create(User, {
        id: crypto.randomUUID(),
        email,
        name,
        passwordHash: unusable,
        organization: null,
        isReviewer: true,
      });
      const setup = createPasswordSetup(tx, user);
      audit(tx, null, { action: 'user.reviewer_added', after: { userId: user.id, email } });
      return { userId: user.id, setupToken: setup.token, expiresAt: setup.expiresAt };
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException)
      throw new DomainError('CONFLICT', `An account for ${email} already exists.`);
    throw error;
  }
}
