/**
 * The portals' API over HTTP, called as the SPAs call it
 * (packages/ui/src/trpc.tsx): tRPC with superjson, a session cookie from
 * `auth.signIn`, and on mutations the CSRF header and JSON. Every answer is
 * timed to its last byte and never throws: a refused or failed call comes
 * back with its status and message.
 */

export const DEMO_PASSWORD = 'gatehouse-demo';
const CSRF = { 'x-gatehouse-csrf': '1' };
const TIMEOUT_MS = 60_000;

export interface Answer {
  ok: boolean;
  /** HTTP status; 0 when no answer came (refused, reset, timed out). */
  status: number;
  /** To the last byte of the body. */
  ms: number;
  bytes: number;
  /** The procedure's output (superjson's `json` part), when ok. */
  data?: unknown;
  /** Why it failed: the error's message, or the start of the body. */
  message?: string;
  contentType?: string | null;
  /** Lines after the header, for a CSV download. */
  rows?: number;
  /** Never sent: what it needed was missing (`message` says what). */
  unsent?: boolean;
}

/** superjson's wire form of a flat input: Dates as ISO strings, each named in `meta`. */
export function superjsonInput(input: Record<string, unknown>): string {
  const json: Record<string, unknown> = {};
  const values: Record<string, ['Date']> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value instanceof Date) {
      json[key] = value.toISOString();
      values[key] = ['Date'];
    } else json[key] = value;
  }
  return JSON.stringify(Object.keys(values).length ? { json, meta: { values, v: 1 } } : { json });
}

const short = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

function failure(status: number, began: number, bytes: number, body: string): Answer {
  let message = short(body.replace(/\s+/g, ' ').trim());
  try {
    const parsed = JSON.parse(body) as { error?: { json?: { message?: string }; message?: string } };
    message = short(parsed.error?.json?.message ?? parsed.error?.message ?? message);
  } catch {
    // Not JSON: the start of the body says what it is.
  }
  return { ok: false, status, ms: performance.now() - began, bytes, message: message || '(empty body)' };
}

const unanswered = (began: number, error: unknown): Answer => ({
  ok: false,
  status: 0,
  ms: performance.now() - began,
  bytes: 0,
  message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
});

/** A session cookie (`name=value`) for a demo user. */
export async function signIn(url: string, email: string): Promise<string> {
  const response = await fetch(`${url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...CSRF },
    body: JSON.stringify({ json: { email, password: DEMO_PASSWORD } }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .find(Boolean);
  if (response.status !== 200 || !cookie)
    throw new Error(`Sign-in of ${email}: ${response.status} ${short(await response.text())}`);
  return cookie;
}

/** A tRPC query by GET, as the SPAs send one (not batched). */
export async function query(
  url: string,
  cookie: string,
  procedure: string,
  input: Record<string, unknown>,
): Promise<Answer> {
  const began = performance.now();
  try {
    const response = await fetch(
      `${url}/trpc/${procedure}?input=${encodeURIComponent(superjsonInput(input))}`,
      { headers: { cookie, ...CSRF }, signal: AbortSignal.timeout(TIMEOUT_MS) },
    );
    const body = Buffer.from(await response.arrayBuffer());
    const text = body.toString('utf8');
    if (response.status !== 200) return failure(response.status, began, body.length, text);
    const parsed = JSON.parse(text) as { result?: { data?: { json?: unknown } } };
    return {
      ok: true,
      status: 200,
      ms: performance.now() - began,
      bytes: body.length,
      data: parsed.result?.data?.json,
    };
  } catch (error) {
    return unanswered(began, error);
  }
}

/** A file download, read as a stream to its last byte; counts its lines. */
export async function download(url: string, cookie: string, path: string): Promise<Answer> {
  const began = performance.now();
  try {
    const response = await fetch(`${url}${path}`, {
      headers: { cookie },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status !== 200) {
      const body = Buffer.from(await response.arrayBuffer());
      return failure(response.status, began, body.length, body.toString('utf8'));
    }
    let bytes = 0;
    let lines = 0;
    let last = 10;
    for await (const chunk of response.body ?? []) {
      const buffer = chunk as Uint8Array;
      bytes += buffer.length;
      for (const byte of buffer) if (byte === 10) lines++;
      last = buffer.length ? buffer[buffer.length - 1]! : last;
    }
    // A last line without its newline is a line too; the first is the header.
    const rows = Math.max(0, lines + (last === 10 ? 0 : 1) - 1);
    return {
      ok: true,
      status: 200,
      ms: performance.now() - began,
      bytes,
      rows,
      contentType: response.headers.get('content-type'),
    };
  } catch (error) {
    return unanswered(began, error);
  }
}
