import { type Environment, usageOutcomeOf } from '@gatehouse/domain';
import { ClientSecret, Connection } from '../db/entities';
import type { Database } from '../db/orm';
import { blocksOf } from '../requests/blocks';
import { type LogLine, TOKEN_ROUTE, UtcDays } from '../requests/line';
import { insertAllBlocks } from '../requests/line-writes';
import { Rollup, writeRollup } from '../requests/rollups';
import { addCalls, type UsageRow } from '../usage/writes';

const DAY_MS = 86_400_000;
/** Days of calls written: the usage report's and the request log's window. */
const TRAFFIC_DAYS = 30;

/**
 * A route a connection calls: method, path under `/{env}/api/`, how often against the others, the scope it
 * needs, and since how many days ago (all along when left out).
 */
export type Endpoint = [method: string, path: string, weight: number, scope: string, since?: number];

/** How one connection called the API over the last 30 days. */
export interface Traffic {
  connection: { id: string; appId: string; tenantId: string; environment: Environment };
  /** Calls on a weekday (weekends are quieter). */
  daily: number;
  endpoints: Endpoint[];
  /** The share of calls refused for a scope the connection's version lacks, from `since` days ago on. */
  refused?: { endpoint: [method: string, path: string]; share: number; since: number };
  /** Days ago on which the app went over its rate limit for a while. */
  throttledDays?: number[];
  /** Days ago on which the service was briefly unavailable. */
  outageDays?: number[];
  /** The calls stopped this many days ago (the connection was paused). */
  silentFor?: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so that the demo shows the same figures on every start. */
function randomFrom(seedText: string): () => number {
  let seed = 0;
  for (let i = 0; i < seedText.length; i++) seed = Math.imul(seed ^ seedText.charCodeAt(i), 0x5bd1e995) + 1;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Busier in the platform's working hours (North American daytime, in UTC), quiet at night. */
const HOUR_WEIGHTS = [3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 8, 8, 7, 6, 4];

function pick<T>(items: readonly T[], weights: readonly number[], r: number): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let left = r * total;
  for (let i = 0; i < items.length; i++) {
    left -= weights[i]!;
    if (left < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** A moment within the day starting at `dayStart`, by the hour weights. */
function momentIn(dayStart: number, random: () => number): number {
  const hour = pick(
    HOUR_WEIGHTS.map((_, h) => h),
    HOUR_WEIGHTS,
    random(),
  );
  return dayStart + (hour + random()) * 3_600_000;
}

/** A latency around `typicalMs`, with the long tail real calls have. */
function latency(typicalMs: number, random: () => number): number {
  const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(0.4, typicalMs * Math.exp(0.55 * gauss));
}

/** What one call answered: status, error code, latency, and the scope it used if the gate let it through. */
function answer(
  [method, path, , scope]: Endpoint,
  random: () => number,
): Pick<LogLine, 'status' | 'errorCode' | 'latencyMs' | 'scope'> {
  const r = random();
  if (r > 0.997)
    return { status: 401, errorCode: 'invalid_token', latencyMs: latency(1.5, random), scope: null };
  const item = path.endsWith('{id}');
  if (item && r > 0.985) return { status: 404, errorCode: 'not_found', latencyMs: latency(6, random), scope };
  const typical = method === 'GET' ? (item ? 8 : 26) : 40;
  return {
    status: method === 'POST' ? 201 : 200,
    errorCode: null,
    latencyMs: latency(typical, random),
    scope,
  };
}

/**
 * A bad hour, whatever the weekday: calls refused for the rate limit while the app retried in a loop
 * (a 429 refuses before the scope is needed), or answered 503 while the service was briefly unavailable.
 */
const TROUBLE = {
  throttled: { hour: 15, share: 0.08, status: 429, errorCode: 'rate_limited', typicalMs: 1 },
  outage: { hour: 18, share: 0.05, status: 503, errorCode: 'temporarily_unavailable', typicalMs: 900 },
} as const;

/** The request-log lines of one connection over the window, oldest first. */
function linesOf(t: Traffic, now: number): LogLine[] {
  const { appId, tenantId, environment } = t.connection;
  const random = randomFrom(`${t.endpoints.map((e) => e[1]).join()}:${tenantId}:${environment}:${t.daily}`);
  const lines: LogLine[] = [];
  const today = now - (now % DAY_MS);
  const line = (at: number, fields: Omit<LogLine, 'at' | 'requestId' | 'appId' | 'environment'>) =>
    lines.push({ at, requestId: crypto.randomUUID(), appId, environment, ...fields });
  for (let day = TRAFFIC_DAYS - 1; day >= (t.silentFor ?? 0); day--) {
    const dayStart = today - day * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
    const calls = Math.round(t.daily * (weekday ? 1 : 0.3) * (0.8 + 0.4 * random()));
    const until = day === 0 ? now - 60_000 : dayStart + DAY_MS;
    const called = t.endpoints.filter((e) => day <= (e[4] ?? TRAFFIC_DAYS));
    const weights = called.map((e) => e[2]);
    for (let i = 0; i < calls; i++) {
      const at = momentIn(dayStart, random);
      if (at >= until) continue;
      if (t.refused && day <= t.refused.since && random() < t.refused.share) {
        const [method, path] = t.refused.endpoint;
        line(at, {
          kind: 'api',
          tenantId,
          method,
          route: `${method} /${path}`,
          status: 403,
          errorCode: 'insufficient_scope',
          latencyMs: latency(1.2, random),
          scope: null,
        });
        continue;
      }
      const endpoint = pick(called, weights, random());
      const [method, path] = endpoint;
      line(at, { kind: 'api', tenantId, method, route: `${method} /${path}`, ...answer(endpoint, random) });
    }
    const troubles = [
      ...(t.throttledDays?.includes(day) ? [TROUBLE.throttled] : []),
      ...(t.outageDays?.includes(day) ? [TROUBLE.outage] : []),
    ];
    for (const trouble of troubles) {
      for (let i = 0; i < Math.round(t.daily * trouble.share); i++) {
        const at = dayStart + (trouble.hour + random()) * 3_600_000;
        if (at >= until) continue;
        const [method, path, , scope] = pick(called, weights, random());
        line(at, {
          kind: 'api',
          tenantId,
          method,
          route: `${method} /${path}`,
          status: trouble.status,
          errorCode: trouble.errorCode,
          latencyMs: latency(trouble.typicalMs, random),
          scope: trouble.status === 429 ? null : scope,
        });
      }
    }
    // A token every quarter of an hour or so while the app works, and now and then a mistyped secret.
    const tokens = calls === 0 ? 0 : Math.ceil(calls / 40) + 2;
    for (let i = 0; i < tokens; i++) {
      const at = momentIn(dayStart, random);
      if (at >= until) continue;
      const failed = random() < 0.02;
      line(at, {
        kind: 'token',
        tenantId: failed ? null : tenantId,
        method: 'POST',
        route: TOKEN_ROUTE,
        status: failed ? 401 : 200,
        errorCode: failed ? 'invalid_client' : null,
        latencyMs: latency(failed ? 3 : 7, random),
        scope: null,
      });
    }
  }
  return lines.sort((a, b) => a.at - b.at);
}

/** The usage recorder's daily counts of the API calls among `lines` (token requests are not calls). */
function usageOf(lines: readonly LogLine[]): UsageRow[] {
  const days = new UtcDays();
  const rows = new Map<string, UsageRow>();
  for (const l of lines) {
    if (l.kind !== 'api' || l.tenantId === null) continue;
    const day = days.of(l.at);
    const outcome = usageOutcomeOf(l.status);
    const key = `${day}\n${l.tenantId}\n${l.route}\n${outcome}`;
    const row = rows.get(key);
    if (row) row.calls++;
    else
      rows.set(key, {
        id: crypto.randomUUID(),
        day,
        appId: l.appId,
        tenantId: l.tenantId,
        environment: l.environment,
        endpoint: l.route,
        outcome,
        calls: 1,
      });
  }
  return [...rows.values()];
}

/**
 * Writes 30 days of calls of each connection as the running product would have: request-log lines,
 * their latency and scope-use rollups, the daily usage counts, and when each connection last took a
 * token and made a call.
 */
export async function writeTraffic(
  db: Database,
  traffic: readonly Traffic[],
  now = Date.now(),
): Promise<void> {
  const rollup = new Rollup();
  for (const t of traffic) {
    const lines = linesOf(t, now);
    const blocks = blocksOf(lines);
    for (const block of blocks) rollup.addBlock(block);
    const em = db.em();
    await insertAllBlocks(em, db.dialect, blocks);
    await em.transactional((tx) => addCalls(tx, usageOf(lines)));
    const last = (kind: LogLine['kind']) => {
      const found = lines.findLast((l) => l.kind === kind && l.status < 400);
      return found ? new Date(found.at) : null;
    };
    const lastTokenAt = last('token');
    await em.nativeUpdate(Connection, { id: t.connection.id }, { lastCallAt: last('api'), lastTokenAt });
    await em.nativeUpdate(
      ClientSecret,
      { connection: t.connection.id, revokedAt: null },
      { lastUsedAt: lastTokenAt },
    );
  }
  await writeRollup(
    () => db.em(),
    rollup,
    new Map(),
    async () => {},
  );
}
