import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '#test/tcp-proxy';

/** Sends a line through a fresh connection and resolves with the echo, or rejects with the socket's error. */
function echoThrough(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(line));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waited 2 s in vain');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the test TCP proxy', () => {
  let echo: net.Server;
  let proxy: TcpProxy;

  beforeAll(async () => {
    echo = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('forwards, resets open connections and refuses new ones when cut, and forwards again on the same port when restored', async () => {
    expect(await echoThrough(proxy.port, 'hello')).toBe('hello');

    const open = net.connect(proxy.port, '127.0.0.1');
    await new Promise((resolve) => open.once('connect', resolve));
    const closed = new Promise((resolve) => open.once('close', resolve));
    open.on('error', () => {});

    await proxy.cut();
    await closed;
    await expect(echoThrough(proxy.port, 'anyone?')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await proxy.restore();
    expect(await echoThrough(proxy.port, 'back')).toBe('back');
  });

  it('freezes: open connections stay open but carry nothing until thawed, then deliver what was held', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const received: string[] = [];
    socket.on('data', (data) => received.push(data.toString()));
    socket.write('one');
    await until(() => received.join('') === 'one');

    proxy.freeze();
    socket.write('two');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect({ received: received.join(''), open: !socket.destroyed }).toEqual({ received: 'one', open: true });

    proxy.thaw();
    await until(() => received.join('') === 'onetwo');
    socket.destroy();
  });
});
