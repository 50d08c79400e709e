/**
 * The churn benchmark's side loop, in a process of its own so that its pace
 * does not depend on the load generator's event loop: sign-ins, and portal
 * mutations that change no connection's access (renaming an app, marking
 * notifications read, creating an app, in turn), 10/s each unless churn.ts
 * says otherwise, through the real tRPC HTTP API with real sessions. Started
 * by churn.ts with the server's URL and the two rates; 'start' and 'stop'
 * over IPC; on 'stop' it waits for the calls in flight and reports what it
 * achieved.
 *
 * The pace is open-loop: a call is due every 1/rate s per loop whether or not
 * the earlier ones have been answered (a slow server does not slow the side
 * loop down); only with MAX_IN_FLIGHT calls of a loop unanswered is a due call
 * skipped, and counted as skipped.
 */
import { median } from './lib/format';

const [url, signInRate, mutationRate] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
if (!url || !process.send || !(signInRate >= 0) || !(mutationRate >= 0))
  throw new Error('Start this through churn.ts: it needs the server URL, the two rates and an IPC channel.');
const send = (message: unknown) => process.send?.(message);

const MAX_IN_FLIGHT = 50;
/** How long 'stop' waits for calls still in flight before it reports them unanswered. */
const SETTLE_MS = 15_000;
const PASSWORD = 'gatehouse-demo';
const ACCOUNTS = [
  'dev@gatehouse.test',
  'dev2@gatehouse.test',
  'admin@gatehouse.test',
  'admin2@gatehouse.test',
  'reviewer@gatehouse.test',
];
/** Renames go round these apps, so that no two renames of one app overlap and conflict with each other. */
const SIDE_APPS = 8;
const TENANT = '985798691';

class CallError extends Error {}

/** One tRPC mutation over HTTP, as the portals send it (superjson body, the CSRF header, the session cookie). */
async function mutation(
  procedure: string,
  input: unknown,
  cookie?: string,
): Promise<{ data: unknown; setCookie: string[] }> {
  const response = await fetch(`${url}/trpc/${procedure}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gatehouse-csrf': '1',
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify({ json: input }),
  });
  const body = (await response.json().catch(() => null)) as {
    result?: { data?: { json?: unknown } };
    error?: { json?: { message?: string } };
  } | null;
  if (response.status !== 200 || !body?.result)
    throw new CallError(`${procedure}: ${response.status} ${body?.error?.json?.message ?? ''}`.trim());
  return { data: body.result.data?.json, setCookie: response.headers.getSetCookie() };
}

async function signIn(email: string): Promise<string> {
  const { setCookie } = await mutation('auth.signIn', { email, password: PASSWORD });
  const cookie = setCookie.map((line) => line.split(';')[0]).find(Boolean);
  if (!cookie) throw new CallError('auth.signIn: no session cookie');
  return cookie;
}

const newApp = (name: string) => ({
  name,
  homePageUrl: 'https://side.example',
  tenantIds: [TENANT],
  kind: 'private',
  credentialsMode: 'tenant_admin',
  scopes: ['tn.crm.customers:r'],
});

// The developer's session, and apps of theirs that no tenant has connected: renaming them changes nobody's access.
const developer = await signIn('dev@gatehouse.test');
const sideApps: string[] = [];
for (let i = 0; i < SIDE_APPS; i++) {
  const { data } = await mutation('apps.create', newApp(`Side App ${i}`), developer);
  sideApps.push((data as { id: string }).id);
}

interface Loop {
  name: string;
  perSecond: number;
  due: number;
  issued: number;
  inFlight: number;
  skipped: number;
  ok: number;
  failed: number;
  okByKind: Record<string, number>;
  latencies: number[];
  errors: Map<string, number>;
}

const newLoop = (name: string, perSecond: number): Loop => ({
  name,
  perSecond,
  due: 0,
  issued: 0,
  inFlight: 0,
  skipped: 0,
  ok: 0,
  failed: 0,
  okByKind: {},
  latencies: [],
  errors: new Map(),
});

let serial = 0;
/** The next call of each loop; `index` counts that loop's calls. */
const calls: Record<string, (index: number) => { kind: string; run: () => Promise<unknown> }> = {
  signIns: (index) => ({ kind: 'sign-in', run: () => signIn(ACCOUNTS[index % ACCOUNTS.length]!) }),
  mutations: (index) => {
    const app = sideApps[Math.floor(index / 3) % sideApps.length]!;
    switch (index % 3) {
      case 0:
        return {
          kind: 'rename app',
          run: () =>
            mutation(
              'apps.updateDetails',
              {
                appId: app,
                name: `Side App ${++serial}`,
                homePageUrl: 'https://side.example',
                kind: 'private',
                credentialsMode: 'tenant_admin',
              },
              developer,
            ),
        };
      case 1:
        return {
          kind: 'mark all read',
          run: () => mutation('notifications.markAllRead', undefined, developer),
        };
      default:
        return {
          kind: 'create app',
          run: () => mutation('apps.create', newApp(`Side New ${++serial}`), developer),
        };
    }
  },
};

let loops: Loop[] = [];
let started = 0;
let stoppedAt = 0;
let ticker: NodeJS.Timeout | undefined;

function issue(loop: Loop): void {
  const { kind, run } = calls[loop.name]!(loop.issued++);
  if (loop.inFlight >= MAX_IN_FLIGHT) {
    loop.skipped++;
    return;
  }
  loop.inFlight++;
  const begun = performance.now();
  run()
    .then(() => {
      loop.ok++;
      loop.okByKind[kind] = (loop.okByKind[kind] ?? 0) + 1;
      loop.latencies.push(performance.now() - begun);
    })
    .catch((error: unknown) => {
      loop.failed++;
      const message = error instanceof CallError ? error.message : `${kind}: ${String(error)}`;
      loop.errors.set(message, (loop.errors.get(message) ?? 0) + 1);
    })
    .finally(() => {
      loop.inFlight--;
    });
}

function tick(): void {
  const elapsed = performance.now() - started;
  for (const loop of loops) {
    const due = loop.perSecond > 0 ? Math.floor((elapsed * loop.perSecond) / 1000) + 1 : 0;
    while (loop.due < due) {
      loop.due++;
      issue(loop);
    }
  }
}

async function stop(): Promise<void> {
  clearInterval(ticker);
  stoppedAt = performance.now();
  const settleBy = stoppedAt + SETTLE_MS;
  while (loops.some((loop) => loop.inFlight > 0) && performance.now() < settleBy)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (stoppedAt - started) / 1000;
  send({
    report: {
      seconds,
      loops: loops.map((loop) => {
        const sorted = [...loop.latencies].sort((a, b) => a - b);
        return {
          name: loop.name,
          perSecond: loop.perSecond,
          issued: loop.issued,
          ok: loop.ok,
          failed: loop.failed,
          skipped: loop.skipped,
          unanswered: loop.inFlight,
          okByKind: loop.okByKind,
          p50: sorted.length ? median(sorted) : 0,
          p99: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0,
          errors: Object.fromEntries(loop.errors),
        };
      }),
    },
  });
}

process.on('message', (message) => {
  if (message === 'cpu') send({ cpu: process.cpuUsage() });
  if (message === 'start') {
    loops = [newLoop('signIns', signInRate), newLoop('mutations', mutationRate)];
    started = performance.now();
    ticker = setInterval(tick, 5);
    tick();
  }
  if (message === 'stop') void stop();
});
process.once('disconnect', () => process.exit(0));
send({ ready: true });
