import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { callerWith, eventually, quietLog, type Receiver, startReceiver } from '#test/webhooks';
import { startWebhooks } from './runtime';
import { type OutgoingMessage, REFUSED_PRIVATE, RESPONSE_CAP_BYTES, sendMessage } from './send';
import { isPublicAddress, pinnedLookup, type Resolver, urlRefusal } from './ssrf';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** A resolver that answers from `names` and counts its questions; anything else is not found. */
function resolverOf(names: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: Resolver = async (hostname) => {
    asked.push(hostname);
    const addresses = names[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

const message = (url: string): OutgoingMessage => ({
  url,
  messageId: 'msg_test',
  body: '{"type":"webhook.test"}',
  secrets: [SECRET],
});

describe('what a webhook request may reach', () => {
  it('takes only public unicast addresses, IPv4-mapped IPv6 read as the IPv4 it carries', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001:81b::200e'])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::7f00:1',
      // IPv4-compatible IPv6 (::/96), which ipaddr.js names no range for: 127.0.0.1, 169.254.169.254, 10.0.0.1.
      '::7f00:1',
      '::a9fe:a9fe',
      '::127.0.0.1',
      '::a00:1',
      // 6to4 and Teredo carry IPv4 addresses too; documentation and discard blocks are nobody's.
      '2002:7f00:1::',
      '2001::1',
      '2001:db8::1',
      '100::1',
      'not an address',
    ])
      expect(isPublicAddress(address), address).toBe(false);
  });

  it('refuses to save a URL naming this machine or a private address, except localhost in the demo', () => {
    for (const url of [
      'http://localhost:3000/hook',
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://a.localhost/',
      'https://localhost./',
      'https://foo.localhost./',
      'https://LOCALHOST./hook',
    ])
      expect(urlRefusal(url, false), url).toMatch(/embedded demo only/);
    expect(urlRefusal('https://foo.localhost./', true)).toMatch(/embedded demo only/);
    for (const url of [
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest',
      'https://[fd00::1]/',
      'https://[::7f00:1]/',
      'https://[::a9fe:a9fe]/latest',
      'https://[::127.0.0.1]/',
    ])
      expect(urlRefusal(url, true), url).toMatch(/public address/);
    for (const url of ['http://localhost:3000/hook', 'http://127.0.0.1:3000/hook', 'http://[::1]:3000/hook'])
      expect(urlRefusal(url, true), url).toBeNull();
    expect(urlRefusal('https://a.localhost/', true)).toMatch(/embedded demo only/);
    expect(urlRefusal('https://hooks.example.com/in', false)).toBeNull();
  });

  it('connects to the address that was checked, whatever the name would resolve to later', async () => {
    const receiver = await startReceiver();
    const socket = net.connect({
      host: 'rebinding.invalid',
      port: receiver.port,
      lookup: pinnedLookup([{ address: '127.0.0.1', family: 4 }]) as never,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.destroy();
    await receiver.stop();
  });
});

describe('one webhook attempt', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.stop());

  const demo = (names: Record<string, string[]>, timeoutMs = 2000) => {
    const { resolve, asked } = resolverOf(names);
    return { options: { allowLoopback: true, timeoutMs, resolve }, asked };
  };

  it('is refused when the name resolves to a loopback, private, link-local or unique-local address, and sends nothing', async () => {
    const before = receiver.received.length;
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::7f00:1',
      '::a9fe:a9fe',
    ]) {
      const { options, asked } = demo({ 'hooks.example.com': [address] });
      const outcome = await sendMessage(message(`http://hooks.example.com:${receiver.port}/hook`), options);
      expect(outcome, address).toMatchObject({ status: null, error: REFUSED_PRIVATE, responseExcerpt: null });
      expect(asked).toEqual(['hooks.example.com']);
    }
    // One private address among public ones is enough to refuse.
    const { options } = demo({ 'mixed.example.com': ['93.184.216.34', '127.0.0.1'] });
    expect((await sendMessage(message(`http://mixed.example.com:${receiver.port}/`), options)).error).toBe(
      REFUSED_PRIVATE,
    );
    expect(receiver.received.length).toBe(before);
  });

  it('reaches localhost only where the demo allows it', async () => {
    const names = { localhost: ['127.0.0.1'] };
    const allowed = await sendMessage(message(`http://localhost:${receiver.port}/hook`), demo(names).options);
    expect(allowed).toMatchObject({ status: 200, error: null, responseExcerpt: 'ok' });
    const refused = { ...demo(names).options, allowLoopback: false };
    for (const url of [`http://localhost:${receiver.port}/hook`, `https://127.0.0.1:${receiver.port}/hook`])
      expect((await sendMessage(message(url), refused)).error, url).toBe(REFUSED_PRIVATE);
    // A trailing dot is the same name; IPv4-compatible IPv6 is no loopback name, even in the demo.
    const dotted = { ...demo({ 'localhost.': ['127.0.0.1'] }).options, allowLoopback: false };
    expect((await sendMessage(message(`https://localhost.:${receiver.port}/`), dotted)).error).toBe(
      REFUSED_PRIVATE,
    );
    const compatible = await sendMessage(message(`http://[::7f00:1]:${receiver.port}/`), demo({}).options);
    expect(compatible.error).toBe(REFUSED_PRIVATE);
  });

  it('takes a redirect as a failure and does not follow it', async () => {
    receiver.answer((request, response) => {
      if (request.path === '/moved') response.writeHead(302, { location: '/elsewhere' }).end();
      else response.writeHead(200).end('should not be reached');
    });
    const before = receiver.received.length;
    const outcome = await sendMessage(message(`http://127.0.0.1:${receiver.port}/moved`), demo({}).options);
    expect(outcome).toMatchObject({ status: 302, error: 'Redirects are not followed' });
    expect(receiver.received.slice(before).map((r) => r.path)).toEqual(['/moved']);
  });

  it('reads at most 64 kB of an answer, keeps the first 1000 characters, and does not wait for the rest', async () => {
    let closedEarly = false;
    receiver.answer((_request, response) => {
      response.on('close', () => {
        closedEarly = !response.writableFinished;
      });
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 10 * 1024 * 1024 && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end();
      };
      more();
    });
    const outcome = await sendMessage(
      message(`http://127.0.0.1:${receiver.port}/big`),
      demo({}, 5000).options,
    );
    expect(outcome.status).toBe(200);
    expect(outcome.responseExcerpt).toBe('x'.repeat(1000));
    expect(outcome.durationMs).toBeLessThan(5000);
    await eventually(() => closedEarly, 'the receiver to see the answer cut off');
    expect(RESPONSE_CAP_BYTES).toBe(65536);
  });

  it('gives up after its timeout when the receiver answers too slowly', async () => {
    receiver.answer((_request, response) => {
      response.writeHead(200);
      response.write('a');
      // The rest never comes.
    });
    const outcome = await sendMessage(
      message(`http://127.0.0.1:${receiver.port}/slow`),
      demo({}, 300).options,
    );
    expect(outcome).toMatchObject({ status: null, error: 'Timed out after 300 ms' });
    expect(outcome.durationMs).toBeLessThan(2000);
    receiver.answer((_request, response) => response.writeHead(200).end('ok'));
  });
});

describe.each(dialects)('a delivery to a private address on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('is refused at send time and logged as such', async () => {
    const dev = await callerWith(t, DEV, false);
    const app = await dev.apps.create(newApp('Hooked on Metadata'));
    const { endpoint } = await dev.webhooks.create({
      appId: app.id,
      url: 'https://metadata.example.com/latest',
      eventTypes: ['app.version_created'],
    });
    const { resolve } = resolverOf({ 'metadata.example.com': ['169.254.169.254'] });
    const stop = await startWebhooks(t.db, { resolve, pollMs: 50, retryScheduleMs: [60_000] }, quietLog());
    try {
      await dev.webhooks.sendTest({ appId: app.id, endpointId: endpoint.id });
      const delivery = await eventually(async () => {
        const [found] = (await dev.webhooks.deliveries({ appId: app.id, endpointId: endpoint.id, limit: 5 }))
          .items;
        return found?.attempts === 1 ? found : null;
      }, 'the refused attempt');
      expect(delivery.status).toBe('pending');
      expect(delivery.attemptLog).toEqual([
        expect.objectContaining({ status: null, error: REFUSED_PRIVATE, responseExcerpt: null }),
      ]);
    } finally {
      await stop();
    }
  });
});
