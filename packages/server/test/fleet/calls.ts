import http from 'node:http';
import type { Party } from './fleet';

/**
 * Plain node:http on kept-alive sockets: several times cheaper per call than fetch, which matters when the
 * test process must offer more load than the limit while two servers share its two cores.
 */
const agent = new http.Agent({ keepAlive: true });

/** One HTTP call: its status, or 0 when no server answered (the instance is gone). */
export function send(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      `${url}${path}`,
      { agent, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(options.body);
  });
}

/** The CRM customers' list of the party's tenant and environment. */
export const customersPath = (party: Party) => `/${party.env}/api/crm/v2/tenant/${party.tenant}/customers`;

const gated = (party: Party) => ({ authorization: `Bearer ${party.token}`, 'st-app-key': party.appKey });
const basic = (party: Party) =>
  `Basic ${Buffer.from(`${party.clientId}:${party.clientSecret}`).toString('base64')}`;

/** The status a gated read answers on the instance at `url`. */
export function gatedRead(url: string, party: Party): Promise<number> {
  return send(url, `${customersPath(party)}?pageSize=1`, { headers: gated(party) });
}

/** The status a gated write (a new customer, which needs `tn.crm.customers:w`) answers. */
export function gatedWrite(url: string, party: Party): Promise<number> {
  return send(url, customersPath(party), {
    method: 'POST',
    headers: { ...gated(party), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Fleet Customer', type: 'Commercial' }),
  });
}

/** The status the token endpoint answers to the party's client credentials. */
export function tokenRequest(url: string, party: Party): Promise<number> {
  return send(url, `/${party.env}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(party) },
    body: 'grant_type=client_credentials',
  });
}

/** RFC 7009 revocation of the party's token, authenticated with its client credentials. */
export function revokeToken(url: string, party: Party): Promise<number> {
  return send(url, `/${party.env}/connect/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(party) },
    body: new URLSearchParams({ token: party.token }).toString(),
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One probe: a call and the status that means "refused". */
export interface Probe {
  name: string;
  call: () => Promise<number>;
  refusedWith: number;
}

/**
 * Calls every probe every `everyMs` until each has answered its refusal once or `timeoutMs` passed. For
 * each probe: the milliseconds from `since` to the end of the first call answered with its refusal
 * (an upper bound of when the refusal took effect), or null if it never came; and every other status seen
 * before it.
 */
export async function untilRefused(
  probes: Probe[],
  since: number,
  { everyMs = 50, timeoutMs = 3000 } = {},
): Promise<Record<string, { elapsedMs: number | null; before: number[] }>> {
  const results: Record<string, { elapsedMs: number | null; before: number[] }> = Object.fromEntries(
    probes.map((probe) => [probe.name, { elapsedMs: null, before: [] }]),
  );
  while (Date.now() - since < timeoutMs) {
    const open = probes.filter((probe) => results[probe.name]!.elapsedMs === null);
    if (open.length === 0) break;
    const round = Date.now();
    await Promise.all(
      open.map(async (probe) => {
        const status = await probe.call();
        const result = results[probe.name]!;
        if (status === probe.refusedWith) result.elapsedMs = Date.now() - since;
        else result.before.push(status);
      }),
    );
    await sleep(Math.max(0, everyMs - (Date.now() - round)));
  }
  return results;
}

/** What one call of a load answered, and when (epoch ms at the answer). */
export interface Answer {
  instance: string;
  /** The load's count of calls when this one was made: which party it was made for, when the load cycles. */
  index: number;
  status: number;
  /** Epoch ms just before the call was sent. */
  sentAt: number;
  /** Epoch ms once its answer had arrived. */
  at: number;
}

/**
 * Keeps `concurrency` calls in flight on each instance until `stop()`; every answer is recorded. A call that
 * found no server (the instance is gone) answers 0.
 */
export function load(
  targets: { name: string; url: string }[],
  call: (url: string, index: number) => Promise<number>,
  concurrency = 4,
): { answers: Answer[]; stop(): Promise<Answer[]> } {
  const answers: Answer[] = [];
  let running = true;
  let index = 0;
  const loops = targets.flatMap((target) =>
    Array.from({ length: concurrency }, async () => {
      while (running) {
        const made = index++;
        const sentAt = Date.now();
        const status = await call(target.url, made);
        answers.push({ instance: target.name, index: made, status, sentAt, at: Date.now() });
        // A refused connection comes back at once: do not spin on a dead instance.
        if (status === 0) await sleep(20);
      }
    }),
  );
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

/**
 * The sum of a Prometheus counter or gauge over the series whose labels include `labels`, read from an
 * instance's `/metrics`; 0 when no series matched.
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1], label[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) total += Number(match[3]);
  }
  return total;
}

/** An instance's metrics text. */
export async function scrape(metricsUrl: string | null): Promise<string> {
  if (!metricsUrl) throw new Error('this fleet was started without metrics listeners');
  const response = await fetch(`${metricsUrl}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}
