import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import type {
  createEndpointInput,
  endpointListOutput,
  endpointOutput,
  endpointWithSecretOutput,
  rotateEndpointSecretInput,
  updateEndpointInput,
} from '../../routers/webhooks/schemas';
import type { OrganizationMember } from '../apps/queries';

type EndpointView = z.infer<typeof endpointOutput>;

// Contract stubs: the webhook service fills these in.
export async function listEndpoints(
  _em: EntityManager,
  _member: OrganizationMember,
  _appId: string,
): Promise<z.infer<typeof endpointListOutput>> {
  return { endpoints: [] };
}

export async function createEndpoint(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: z.infer<typeof createEndpointInput>,
): Promise<z.infer<typeof endpointWithSecretOutput>> {
  throw new Error('not built yet');
}

export async function updateEndpoint(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: z.infer<typeof updateEndpointInput>,
): Promise<EndpointView> {
  throw new Error('not built yet');
}

export async function rotateEndpointSecret(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: z.infer<typeof rotateEndpointSecretInput>,
): Promise<z.infer<typeof endpointWithSecretOutput>> {
  throw new Error('not built yet');
}

export async function deleteEndpoint(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: { appId: string; endpointId: string },
): Promise<{ deleted: true }> {
  throw new Error('not built yet');
}
