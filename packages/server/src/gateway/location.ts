/** Where an upstream is, as its base URL names it: its origin and the path before every call's path. */
export interface UpstreamPlace {
  origin: string;
  /** `/base` of `http://h/base/`, or empty. */
  prefix: string;
}

export function placeOf(url: string): UpstreamPlace {
  const { origin, pathname } = new URL(url);
  return { origin, prefix: pathname.replace(/\/+$/, '') };
}

/**
 * An upstream's `Location` as a client can follow it. One on the upstream's own origin and below its base
 * path names something behind the gateway: it becomes the gateway's public URL for it (`publicApi`, the
 * environment's `…/api`, and the path below the base path), so the client neither learns the upstream's
 * address nor is sent where it cannot go. A relative one is read against the call's own URL upstream
 * (`path`, below the base path). Any other passes unchanged.
 */
export function publicLocation(
  location: string,
  upstream: UpstreamPlace,
  path: string,
  publicApi: string,
): string {
  let url: URL;
  try {
    url = new URL(location, upstream.origin + upstream.prefix + path);
  } catch {
    return location;
  }
  const { prefix } = upstream;
  const below = url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
  if (url.origin !== upstream.origin || !below) return location;
  return publicApi + url.pathname.slice(prefix.length) + url.search + url.hash;
}
