import type { Page } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import type {
  appLatencyInput,
  appLogInput,
  connectionLatencyInput,
  connectionLogInput,
  latencyOutput,
  requestLineOutput,
  scopeUseOutput,
} from '../../routers/requests/schemas';
import type { OrganizationMember } from '../apps/queries';
import type { TenantAdminActor } from '../connections/lookup';

type Line = z.infer<typeof requestLineOutput>;
type Latency = z.infer<typeof latencyOutput>;
type ScopeUseView = z.infer<typeof scopeUseOutput>;

// Contract stubs: the request-log service replaces this file.
export async function appRequestLog(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: z.infer<typeof appLogInput>,
): Promise<Page<Line>> {
  return { items: [], nextCursor: null };
}
export async function connectionRequestLog(
  _em: EntityManager,
  _admin: TenantAdminActor,
  _input: z.infer<typeof connectionLogInput>,
): Promise<Page<Line>> {
  return { items: [], nextCursor: null };
}
export async function appLatency(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: z.infer<typeof appLatencyInput>,
): Promise<Latency> {
  return { from: '', to: '', rows: [] };
}
export async function connectionLatency(
  _em: EntityManager,
  _admin: TenantAdminActor,
  _input: z.infer<typeof connectionLatencyInput>,
): Promise<Latency> {
  return { from: '', to: '', rows: [] };
}
export async function appScopeUse(
  _em: EntityManager,
  _member: OrganizationMember,
  _appId: string,
): Promise<ScopeUseView> {
  return { version: null, since: new Date(), used: [], unused: [] };
}
export async function connectionScopeUse(
  _em: EntityManager,
  _admin: TenantAdminActor,
  _connectionId: string,
): Promise<ScopeUseView> {
  return { version: null, since: new Date(), used: [], unused: [] };
}
