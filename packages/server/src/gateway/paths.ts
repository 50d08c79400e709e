/**
 * What a gateway call's path names, screened before anything else looks at it. An upstream must see the
 * very path the gate judged: a path that a server, a proxy or a framework could read as another one
 * (`..`, an encoded `/`, a backslash, a NUL, a `;` path parameter, a
 * twice-encoded character, a trailing dot) is refused as naming nothing, so it
 * never reaches the gate's route rules nor an upstream; and so is a query that asks a framework to take
 * the call for another method.
 */

/** Percent-encoded `/`, `\`, `.` and NUL: decoding them would change which segments a path has. */
const ENCODED_SEPARATOR = /%(?:2f|5c|2e|00)/i;

export interface GatewayPath {
  /** Decoded segments below the environment's `/api`: `['crm','v2','tenant','985798691','customers']`. */
  segments: string[];
  /** The raw path and query below `/api` as the client sent them, which the upstream is sent. */
  forward: string;
  /** The raw path alone, without the query. */
  pathname: string;
}

/**
 * A decoded segment an upstream could read as something else: empty, `.` or `..` (another directory);
 * holding a `;`, after which Tomcat, Jetty and Spring drop the rest as path parameters (`..;` is `..` to
 * them, `bookings;x=1` is `bookings`); still holding a `%`, which a server that decodes again reads as
 * another character (`%252e%252e` is `..` twice decoded); or ending in a dot or a space, which Windows
 * and IIS drop (`bookings.` and `bookings ` are `bookings` there).
 */
function ambiguous(segment: string): boolean {
  return (
    segment === '' ||
    segment === '.' ||
    segment === '..' ||
    segment.includes(';') ||
    segment.includes('%') ||
    /[.\s]$/u.test(segment)
  );
}

/** Each `%XX` as the byte it encodes, leniently: a query name that does not decode is still read. */
const bytes = (text: string) =>
  text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/**
 * Whether the query (or a form body, written the same way) names `_method`, which Rails, Laravel, Spring's HiddenHttpMethodFilter and Express's
 * method-override take as the call's real method: the gate judged the method the client sent. Read as
 * forgivingly as any of them does: any case, `&` or `;` between pairs, `+` or `%20` for a space, PHP's
 * `.` and space standing for `_` and its `[…]` array suffix.
 */
export function overridesMethod(query: string): boolean {
  for (const pair of query.split(/[&;]/)) {
    const name = bytes(pair.split('=', 1)[0]!.replaceAll('+', ' '))
      .trimStart()
      .toLowerCase()
      .replace(/[ .]/g, '_');
    if (name === '_method' || name.startsWith('_method[')) return true;
  }
  return false;
}

/**
 * The call's path below `/{env}/api`, from the raw request URL (`/integration/api/crm/…?x=1`); undefined
 * when it has an empty, `.`, `..`, `;`- or `%`-holding segment, one ending in a dot or a space, a
 * backslash, a percent-encoded separator, an encoding that does not decode, or a `_method` query parameter.
 */
export function gatewayPath(url: string): GatewayPath | undefined {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.includes('\\') || ENCODED_SEPARATOR.test(path)) return undefined;
  if (queryAt !== -1 && overridesMethod(url.slice(queryAt + 1))) return undefined;
  // The environment and `api` segments routed the call here; what follows is the upstream's.
  const belowApi = path.indexOf('/', path.indexOf('/', 1) + 1);
  if (belowApi === -1) return undefined;
  const pathname = path.slice(belowApi);
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (ambiguous(segment)) return undefined;
    segments.push(segment);
  }
  return { segments, forward: queryAt === -1 ? pathname : pathname + url.slice(queryAt), pathname };
}
