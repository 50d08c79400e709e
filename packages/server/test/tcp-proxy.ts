import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL or Redis that a test can cut like a server that went away:
 * every open connection is reset and new ones are refused (ECONNREFUSED) until `restore()`. It can also
 * freeze, like a network that stops carrying packets: connections stay open but nothing arrives.
 */
export interface TcpProxy {
  /** The local port to connect to instead of the target's; the same after a cut and a restore. */
  readonly port: number;
  /** Resets every open connection and stops listening, so new connections are refused. */
  cut(): Promise<void>;
  /** Listens and forwards connections again, on the same port. */
  restore(): Promise<void>;
  /** Stops carrying bytes either way, without closing anything (a stalled network, a hung server). */
  freeze(): void;
  /** Carries bytes again, those held back first. */
  thaw(): void;
  /** Stops listening and resets every connection. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  /** Each open pair, to stop and start what flows between them. */
  const pairs = new Set<[net.Socket, net.Socket]>();
  let frozen = false;
  const flow = ([client, upstream]: [net.Socket, net.Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const hold = ([client, upstream]: [net.Socket, net.Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A reset on either side is the point of the exercise, not a test failure.
    socket.on('error', () => socket.destroy());
  };

  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    if (frozen) hold(pair);
    else flow(pair);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // close() waits for open connections; they are reset right after.
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    });

  await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
  const port = address.port;

  return {
    port,
    cut: stopListening,
    async restore() {
      if (!server.listening) await listen(port);
    },
    freeze() {
      frozen = true;
      for (const pair of pairs) hold(pair);
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) flow(pair);
    },
    close: stopListening,
  };
}
