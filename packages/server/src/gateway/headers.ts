import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the
 * message, so neither side's reach the other; nor do the client's credentials, which are Gatehouse's to
 * check and not the upstream's to see, nor headers only Gatehouse may set.
 */

/** RFC 9110 §7.6.1's hop-by-hop fields, and Proxy-Connection, which older clients still send. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
]);

/**
 * Never forwarded upstream: the proxy's own credentials, the client's credentials, the Host (the
 * upstream's origin says it), `Expect` (the gateway has answered 100-continue itself), and what the
 * gateway alone tells the upstream (who calls, through which proxies, from which address: frameworks
 * and logs take the client's address from any of these).
 */
const CLIENT_ONLY: ReadonlySet<string> = new Set([
  'proxy-authorization',
  'host',
  'authorization',
  'st-app-key',
  'cookie',
  'expect',
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
]);

/**
 * Headers that make a framework or proxy take the call for another method or path than the one the gate
 * judged (method-override middleware, OData services, Symfony, IIS URL Rewrite, nginx's auth_request
 * convention, Envoy's record of a rewritten path).
 */
const REINTERPRETING: ReadonlySet<string> = new Set([
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
  'x-original-uri',
  'x-envoy-original-path',
]);

/** The fields a `Connection` header names: they hold for this hop alone, whatever their name. */
function connectionListed(value: string | string[] | undefined): Set<string> {
  const listed = new Set<string>();
  for (const line of [value ?? []].flat())
    for (const token of line.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) listed.add(name);
    }
  return listed;
}

function withoutHopByHop(
  headers: IncomingHttpHeaders,
  alsoDrop: (name: string) => boolean,
): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const kept: Record<string, string | string[]> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || alsoDrop(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/**
 * The headers to send upstream for a client's request: the client's end-to-end headers, less its
 * credentials, anything claiming to come from Gatehouse or a proxy (under any spelling a server might
 * read as theirs) and anything that would change the call's method or path, then `extra` (who is
 * calling, forwarding information), which the caller composes and which wins over anything of the same
 * name.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  extra: Record<string, string>,
): Record<string, string | string[]> {
  const headers = withoutHopByHop(
    incoming,
    (name) =>
      // CGI, PHP, WSGI and Rack read `-` and `_` alike (`gatehouse_tenant` is HTTP_GATEHOUSE_TENANT, as
      // Gatehouse's own header is), so no name with `_` passes; nginx drops them by default too.
      name.includes('_') ||
      CLIENT_ONLY.has(name) ||
      REINTERPRETING.has(name) ||
      name.startsWith('gatehouse-') ||
      name.startsWith('x-forwarded-'),
  );
  for (const [name, value] of Object.entries(extra)) headers[name.toLowerCase()] = value;
  return headers;
}

/**
 * The upstream's answer headers to pass to the client: its end-to-end headers, less those that would act
 * on Gatehouse's origin, which the portals share. A cookie would land there (and could replace a portal
 * session), and CORS headers would open Gatehouse's origin to whichever sites the upstream names.
 */
export function clientResponseHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  return withoutHopByHop(incoming, (name) => name === 'set-cookie' || name.startsWith('access-control-'));
}
