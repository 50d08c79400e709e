import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got: what a webhook endpoint sees. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** Header names in lower case, each once, as `standardwebhooks` reads them. */
  headers: Record<string, string>;
  /** The body exactly as it arrived: signatures are over these bytes. */
  body: string;
}

export interface WebhookReceiver {
  /** `http://localhost:<port>/hook`: the address a developer types, the demo's localhost rule. */
  url: string;
  received: ReceivedRequest[];
  /** Stops answering: connections to the port are refused until `start()`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/**
 * A webhook endpoint for journeys: records every request and answers 200.
 * It listens on every local address, IPv4 and IPv6 alike, since `localhost`
 * may resolve to either; it picks a free port the first time and keeps it.
 */
export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers))
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('received');
    });
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    url: `http://localhost:${port}/hook`,
    received,
    start: listen,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Kept-alive connections would otherwise still reach the handler.
        server.closeAllConnections();
      }),
  };
}
