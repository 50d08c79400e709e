import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * Where webhook requests may go. A developer names any URL, so Gatehouse must
 * not become a way into its own network (server-side request forgery): every
 * address a host name resolves to must be public unicast, and the request then
 * goes to exactly the addresses checked, so a second DNS answer cannot swap
 * one in (DNS rebinding). The embedded demo may also deliver to this machine,
 * but only under a name that says so.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to; tests pass their own. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((found: LookupAddress) => ({
    address: found.address,
    family: found.family === 6 ? 6 : 4,
  }));

/** Host names that name this machine and nothing else: the demo's localhost rule. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `[::1]` as a URL writes it, `::1` as an address. */
const unbracketed = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The host as DNS reads it: `localhost.` (a fully qualified name, one trailing
 * dot) is `localhost`, and must be checked as such.
 */
export const hostOf = (url: URL): string => url.hostname.toLowerCase().replace(/\.$/, '');

/** The only IPv6 addresses handed out on the internet (global unicast); IPv4-compatible `::a.b.c.d` is not among them. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** The address a URL's host is written as, when it is one rather than a name. */
export function addressLiteral(hostname: string): string | null {
  const host = unbracketed(hostname);
  return ipaddr.isValid(host) ? host : null;
}

/**
 * Public unicast, by allow-list: IPv4 in ipaddr's `unicast` range (not loopback,
 * private, link-local, CGNAT, multicast, unspecified or reserved); IPv6 inside
 * global unicast (2000::/3) and `unicast` there too (not 6to4, Teredo,
 * documentation or other special blocks). Anything ipaddr has no name for,
 * such as IPv4-compatible `::7f00:1`, is refused rather than let through.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() reads an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  if (parsed.range() !== 'unicast') return false;
  return parsed instanceof ipaddr.IPv4 || parsed.match(GLOBAL_UNICAST_V6);
}

function isLoopbackAddress(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}

/** A host that names this machine: `localhost`, a name under it, or a loopback address (one trailing dot or none). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const literal = addressLiteral(host);
  if (literal) return isLoopbackAddress(literal);
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * Why an endpoint's URL cannot be saved, before anything is resolved: a host
 * that names this machine (unless the demo allows it), or a private address
 * written out. Names are checked again, after DNS, on every delivery.
 */
export function urlRefusal(url: string, allowLoopback: boolean): string | null {
  const hostname = hostOf(new URL(url));
  if (isLoopbackHost(hostname)) {
    return allowLoopback && LOOPBACK_NAMES.has(hostname)
      ? null
      : 'Use a public address: deliveries to localhost are for the embedded demo only';
  }
  const literal = addressLiteral(hostname);
  if (literal && !isPublicAddress(literal))
    return 'Use a public address, not a private, loopback or link-local one';
  return null;
}

export type Destination = { ok: true; addresses: ResolvedAddress[] } | { ok: false };

/**
 * The addresses a delivery to `url` may connect to, or a refusal when any of
 * them is not public. A host the demo may use (`localhost`, 127.0.0.1, [::1])
 * may also resolve to loopback addresses only.
 */
export async function checkDestination(
  url: URL,
  options: { allowLoopback: boolean; resolve: Resolver },
): Promise<Destination> {
  const literal = addressLiteral(url.hostname);
  const addresses: ResolvedAddress[] = literal
    ? [{ address: literal, family: ipaddr.parse(literal).kind() === 'ipv6' ? 6 : 4 }]
    : await options.resolve(url.hostname);
  if (addresses.length === 0) return { ok: false };
  const demoHost = options.allowLoopback && LOOPBACK_NAMES.has(hostOf(url));
  const allowed = addresses.every(
    ({ address }) => isPublicAddress(address) || (demoHost && isLoopbackAddress(address)),
  );
  return allowed ? { ok: true, addresses } : { ok: false };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the socket that answers with the checked addresses only, whatever
 * the name: the connection goes where the check said, and TLS still verifies the name.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]) {
  return (_hostname: string, options: { all?: boolean } | number | undefined, callback: LookupCallback) => {
    const first = addresses[0] as ResolvedAddress;
    if (typeof options === 'object' && options?.all)
      callback(
        null,
        addresses.map((a) => ({ ...a })),
      );
    else callback(null, first.address, first.family);
  };
}
