import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  credentials,
  crmPath,
  type GatewayRig,
  gatewayRig,
  partyCallers,
  partyFactory,
  type RecordingUpstream,
  recordingUpstream,
} from '#test/gateway';
import { dialects, type TestDatabase } from '#test/harness';
import type { listen } from '#test/http-client';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The platform's own service: `…/odd-status` answers with a status HTTP does not have (600), `…/own-id` with a
 * `gatehouse-request-id` of its own.
 */
function startUpstream() {
  return recordingUpstream({
    answer: (request, reply) => {
      if (request.url.endsWith('/odd-status')) {
        reply.hijack();
        reply.raw.writeHead(600, { 'content-type': 'text/plain', 'content-length': '5' });
        reply.raw.end('weird');
        return reply;
      }
      if (request.url.endsWith('/own-id'))
        return reply.header('gatehouse-request-id', 'upstream-chosen').send({});
    },
  });
}

describe.each(dialects)('gateway hardening on %s', (dialect) => {
  let t: TestDatabase;
  let crm: RecordingUpstream;
  let server: Awaited<ReturnType<typeof listen>>;
  /** The headers of the one app's calls. */
  let signed: Record<string, string>;

  /** A call that is refused with `status` and `error`, the upstream never hearing of it. */
  async function refused(
    path: string,
    expected: { status: number; error: string },
    options: Parameters<typeof call>[2] = {},
  ) {
    const before = crm.arrivals.length;
    const answer = await call(server.url, path, { ...options, headers: { ...signed, ...options.headers } });
    expect({ path, status: answer.status, error: answer.body?.error }).toEqual({ path, ...expected });
    expect(crm.arrivals.slice(before), 'the upstream heard of a refused call').toEqual([]);
    return answer;
  }

  let rig: GatewayRig;
  beforeAll(async () => {
    rig = await gatewayRig(
      dialect,
      startUpstream,
      (crmUrl) => ({
        // Four connections: the app and tenant may have one call in flight, so a call that stays in flight shows.
        upstreams: { crm: { url: crmUrl, connections: 4 } },
        routes: [
          { path: '/crm/v2/tenant/{tenant}/bookings/**', scope: 'deny' },
          { method: 'DELETE', path: '/crm/v2/tenant/{tenant}/customers/*', scope: 'deny' },
          { method: 'GET', path: '/crm/v2/tenant/{tenant}/**', scope: 'tn.crm.customers:r' },
        ],
      }),
      { failureLimit: { calls: 100_000, windowMs: 1000 } },
    );
    ({ t, crm, server } = rig);
    const party = partyFactory(server.url, await partyCallers(t), 'Gateway hardening caller');
    const [p] = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
    signed = credentials(p);
  });
  afterAll(() => rig?.close());

  it('answers 502 to a status HTTP does not have, and the call does not stay in flight', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await call(server.url, crmPath('customers/odd-status'), { headers: signed });
      expect({ status: answer.status, error: answer.body?.error }).toEqual({
        status: 502,
        error: 'bad_gateway',
      });
    }
    // One call in flight is all this app and tenant may have: a slot kept by an unread answer would give 429.
    const after = await call(server.url, crmPath('customers/1'), { headers: signed });
    expect(after.status).toBe(200);
  });

  describe('form bodies', () => {
    const form = (text: string, type = FORM) => ({
      method: 'POST',
      headers: { 'content-type': type },
      body: Buffer.from(text),
    });

    it('refuses a form whose field asks for another method, as a query naming _method is', async () => {
      // DELETE is denied on a customer; POST is not, and Rails, Laravel and Spring would take these as DELETE.
      for (const text of [
        '_method=DELETE',
        'name=x&_METHOD=delete',
        '%5Fmethod=DELETE',
        'a=1;_method[]=DELETE',
      ])
        await refused(crmPath('customers/1'), { status: 404, error: 'not_found' }, form(text));
      await refused(
        crmPath('customers/1'),
        { status: 404, error: 'not_found' },
        form('_method=DELETE', 'Application/X-WWW-Form-Urlencoded ; charset=utf-8'),
      );
    });

    it('sends an ordinary form on to the upstream byte for byte', async () => {
      const text = `name=${'%C3%A9'.repeat(100)}&note=_method&x=${'a'.repeat(60_000)}`;
      const answer = await call(server.url, crmPath('customers/1'), {
        ...form(text),
        headers: { ...signed, 'content-type': FORM },
      });
      expect(answer.status).toBe(200);
      const arrival = crm.arrivals.at(-1)!;
      expect(arrival.method).toBe('POST');
      expect(arrival.sha256).toBe(createHash('sha256').update(text).digest('hex'));
      // The same body in another media type is not a form: it passes unread.
      const json = await call(server.url, crmPath('customers/1'), {
        method: 'POST',
        headers: { ...signed, 'content-type': 'text/plain' },
        body: Buffer.from('_method=DELETE'),
      });
      expect(json.status).toBe(200);
    });

    it('refuses a form larger than 64 kB with 413', async () => {
      await refused(
        crmPath('customers/1'),
        { status: 413, error: 'invalid_request' },
        form(`x=${'a'.repeat(64 * 1024)}`),
      );
    });
  });

  it('refuses spellings of a denied path that an upstream reads as it', async () => {
    for (const rest of [
      'bookings.json',
      'bookings.json/7',
      'bookings.',
      'bookings%20/7',
      '%EF%BD%82ookings/7',
      'customers/%252e%252e/%252e%252e/bookings',
      'customers/1%25',
    ])
      await refused(crmPath(rest), { status: 404, error: 'not_found' });
    const answer = await call(server.url, crmPath('leads/7.json'), { headers: signed });
    expect(answer.status).toBe(200);
  });

  it('sends no header that would give the upstream another path', async () => {
    const before = crm.arrivals.length;
    const answer = await call(server.url, crmPath('customers/1'), {
      headers: {
        ...signed,
        'x-original-uri': '/crm/v2/tenant/1/bookings/7',
        'x-envoy-original-path': '/admin',
      },
    });
    expect(answer.status).toBe(200);
    const { headers } = crm.arrivals[before]!;
    expect(headers['x-original-uri']).toBeUndefined();
    expect(headers['x-envoy-original-path']).toBeUndefined();
  });

  it('tells the client the id the upstream knows its call by, whatever x-request-id it sent', async () => {
    for (const own of [{}, { 'x-request-id': 'chosen-by-client' }]) {
      const before = crm.arrivals.length;
      const answer = await call(server.url, crmPath('customers/1'), { headers: { ...signed, ...own } });
      const sent = crm.arrivals[before]!.headers['gatehouse-request-id'];
      expect(sent).toMatch(/\S/);
      expect(answer.headers['gatehouse-request-id']).toBe(sent);
    }
    // An upstream's own header of that name does not replace it.
    const before = crm.arrivals.length;
    const answer = await call(server.url, crmPath('customers/own-id'), { headers: signed });
    expect(answer.headers['gatehouse-request-id']).toBe(
      crm.arrivals[before]!.headers['gatehouse-request-id'],
    );
    // Nor does an answer that is Gatehouse's own, such as a 502.
    const odd = await call(server.url, crmPath('customers/odd-status'), { headers: signed });
    expect(odd.headers['gatehouse-request-id']).toBe(crm.arrivals.at(-1)!.headers['gatehouse-request-id']);
  });
});
