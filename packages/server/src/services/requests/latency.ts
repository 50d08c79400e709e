import { type Environment, LATENCY_BOUNDS_MS, percentileOf } from '@gatehouse/domain';
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { LatencyDaily } from '../../db/entities';
import { dayBefore } from '../../requests/line';
import { ANY } from '../../requests/rollups';
import type { appLatencyInput, connectionLatencyInput, latencyOutput } from '../../routers/requests/schemas';
import { findOwnedApp, type OrganizationMember } from '../apps/queries';
import { findTenantConnection, type TenantAdminActor } from '../connections/lookup';

type Latency = z.infer<typeof latencyOutput>;

/**
 * p50 and p95 per endpoint per day over the last `days` days (today included), oldest day first, added up
 * from the daily bucket counts of one tenant (or `*`, every tenant) in one environment or both: one
 * grouped read of at most days × endpoints × buckets rows, whatever the number of calls.
 */
async function latencyOf(
  em: EntityManager,
  where: { appId: string; tenantId: string; environment?: Environment | undefined; days: number },
  now = Date.now(),
): Promise<Latency> {
  const from = dayBefore(now, where.days - 1);
  const to = dayBefore(now, 0);
  const rows: { day: string; endpoint: string; bucket: number | string; calls: number | string }[] = await em
    .createQueryBuilder(LatencyDaily, 'l')
    .select(['l.day', 'l.endpoint', 'l.bucket', raw('sum(l.calls) as calls')])
    .where({
      appId: where.appId,
      tenantId: where.tenantId,
      ...(where.environment ? { environment: where.environment } : {}),
      day: { $gte: from, $lte: to },
    })
    .groupBy(['l.day', 'l.endpoint', 'l.bucket'])
    .execute('all', false);
  const counts = new Map<string, { day: string; endpoint: string; buckets: number[] }>();
  for (const row of rows) {
    const key = `${row.day}\n${row.endpoint}`;
    let entry = counts.get(key);
    if (!entry) {
      entry = {
        day: row.day,
        endpoint: row.endpoint,
        buckets: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0),
      };
      counts.set(key, entry);
    }
    entry.buckets[Number(row.bucket)] = Number(row.calls);
  }
  return {
    from,
    to,
    rows: [...counts.values()]
      .sort((a, b) => (a.day === b.day ? (a.endpoint < b.endpoint ? -1 : 1) : a.day < b.day ? -1 : 1))
      .map(({ day, endpoint, buckets }) => ({
        day,
        endpoint,
        calls: buckets.reduce((sum, n) => sum + n, 0),
        p50: percentileOf(buckets, 0.5),
        p95: percentileOf(buckets, 0.95),
      })),
  };
}

/** A developer's app: every tenant, or the one the input names; both environments, or one. */
export async function appLatency(
  em: EntityManager,
  member: OrganizationMember,
  input: z.infer<typeof appLatencyInput>,
): Promise<Latency> {
  const app = await findOwnedApp(em, member.organizationId, input.appId);
  return latencyOf(em, {
    appId: app.id,
    tenantId: input.tenantId ?? ANY,
    environment: input.environment,
    days: input.days,
  });
}

/** A tenant admin's connection: its app, tenant and environment only. */
export async function connectionLatency(
  em: EntityManager,
  admin: TenantAdminActor,
  input: z.infer<typeof connectionLatencyInput>,
): Promise<Latency> {
  const connection = await findTenantConnection(em, admin, input.connectionId);
  return latencyOf(em, {
    appId: connection.app.id,
    tenantId: connection.tenant.id,
    environment: connection.environment,
    days: input.days,
  });
}
