import { WEBHOOK_LIMITS } from '@gatehouse/domain';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { checkDestination, pinnedLookup, type Resolver } from './ssrf';

/** What one attempt found out, as the delivery log shows it. */
export interface AttemptOutcome {
  at: Date;
  /** The receiver's HTTP status; null when none came. */
  status: number | null;
  /** Why no acceptable answer came: a refusal, a timeout, a connection error, a redirect. */
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
}

export interface OutgoingMessage {
  url: string;
  /** The `webhook-id`: the same on every attempt, so receivers can drop duplicates. */
  messageId: string;
  body: string;
  /** The endpoint's secret, then its previous one while a rotation's grace lasts: each signs. */
  secrets: readonly string[];
}

export interface SendOptions {
  allowLoopback: boolean;
  /** The whole attempt: connecting, the answer's headers and its body. */
  timeoutMs: number;
  resolve: Resolver;
}

/** Read of an answer at most; the rest is not waited for. */
export const RESPONSE_CAP_BYTES = 64 * 1024;
export const USER_AGENT = 'Gatehouse-Webhooks/1';
export const REFUSED_PRIVATE = 'Refused: private address';
const ERROR_LENGTH = 200;

class AttemptTimeout extends Error {}

/** The Standard Webhooks headers of a message sent at `at`: one `v1,` signature per secret. */
export function signedHeaders(message: OutgoingMessage, at: Date): Record<string, string> {
  const signatures = message.secrets.map((secret) =>
    new Webhook(secret).sign(message.messageId, at, message.body),
  );
  return {
    'webhook-id': message.messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  };
}

/**
 * One attempt to deliver a message: POSTs it, signed, to the addresses its
 * host resolves to once they are checked, follows no redirect and reads at
 * most RESPONSE_CAP_BYTES of the answer. Never throws: what went wrong is the
 * outcome's `error`.
 */
export async function sendMessage(message: OutgoingMessage, options: SendOptions): Promise<AttemptOutcome> {
  const at = new Date();
  const started = performance.now();
  const outcome = (fields: Partial<AttemptOutcome>): AttemptOutcome => ({
    at,
    status: null,
    error: null,
    responseExcerpt: null,
    ...fields,
    durationMs: Math.round(performance.now() - started),
  });
  const url = new URL(message.url);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), options.timeoutMs);
  let agent: Agent | undefined;
  try {
    const destination = await Promise.race([
      checkDestination(url, options),
      new Promise<never>((_, reject) =>
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason)),
      ),
    ]);
    if (!destination.ok) return outcome({ error: REFUSED_PRIVATE });
    agent = new Agent({
      connect: { lookup: pinnedLookup(destination.addresses), timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const response = await request(url, {
      method: 'POST',
      headers: signedHeaders(message, at),
      body: message.body,
      dispatcher: agent,
      signal: controller.signal,
    });
    const responseExcerpt = await readExcerpt(response.body);
    const status = response.statusCode;
    const redirect = status >= 300 && status < 400;
    return outcome({
      status,
      responseExcerpt,
      error: redirect ? 'Redirects are not followed' : null,
    });
  } catch (error) {
    return outcome({ error: describeFailure(error, options.timeoutMs) });
  } finally {
    clearTimeout(timer);
    void agent?.destroy().catch(() => undefined);
  }
}

/** The start of an answer as text: read up to the cap, then the connection is dropped. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_CAP_BYTES) {
      body.destroy();
      break;
    }
  }
  // PostgreSQL text cannot hold NUL; the log shows the rest as it came.
  const text = Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '');
  return text ? text.slice(0, WEBHOOK_LIMITS.excerpt) : null;
}

/** What the delivery log says when no answer came. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof AttemptTimeout) return `Timed out after ${formatSeconds(timeoutMs)}`;
  const failure = error as { code?: string; message?: string; cause?: unknown };
  const text = (() => {
    switch (failure.code) {
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'Host not found';
      case 'ECONNREFUSED':
        return 'Connection refused';
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return 'Connection closed by the receiver';
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
        return `Timed out after ${formatSeconds(timeoutMs)}`;
      default:
        return failure.code ? `${failure.code}: ${failure.message ?? ''}` : (failure.message ?? 'Failed');
    }
  })();
  return text.slice(0, ERROR_LENGTH);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
