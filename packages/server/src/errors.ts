import type { DomainError, DomainErrorCode, FieldErrors } from '@gatehouse/domain';
import { ConnectionException } from '@mikro-orm/core';
import { TRPCError } from '@trpc/server';

/**
 * Where a DomainError becomes an answer, for both of the server's faces: a
 * tRPC code for the portals, an HTTP status and error code at the REST edge
 * (OAuth endpoints and resource API, see http/problem.ts).
 */

/** What any failure of ours answers, in the portals and at the REST edge: never its internals. */
export const UNEXPECTED_MESSAGE = 'Something went wrong on our side. Please try again.';

const TRPC_CODE: Record<DomainErrorCode, TRPCError['code']> = {
  NOT_FOUND: 'NOT_FOUND',
  INVALID_INPUT: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

export function toTRPCError(error: DomainError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

/**
 * An error answer of the REST edge: `{ error, error_description }` as RFC 6749 §5.2 and RFC 6750 §3.1
 * write it, with the resource API's field errors when its input was refused.
 */
export interface Problem {
  status: number;
  error: string;
  description: string;
  fields?: FieldErrors;
  /** The scope an `insufficient_scope` call needed (RFC 6750 §3.1). */
  scope?: string;
}

/** The codes are OAuth's and RFC 6750's where they have one, the resource API's own otherwise. */
const HTTP_PROBLEM: Record<DomainErrorCode, { status: number; error: string }> = {
  NOT_FOUND: { status: 404, error: 'not_found' },
  INVALID_INPUT: { status: 400, error: 'invalid_request' },
  CONFLICT: { status: 409, error: 'conflict' },
  UNAUTHENTICATED: { status: 401, error: 'invalid_token' },
  FORBIDDEN: { status: 403, error: 'insufficient_scope' },
  RATE_LIMITED: { status: 429, error: 'rate_limited' },
  UNAVAILABLE: { status: 503, error: 'temporarily_unavailable' },
};

export function toProblem(error: DomainError): Problem {
  return {
    ...HTTP_PROBLEM[error.code],
    description: error.message,
    ...(error.fieldErrors ? { fields: error.fieldErrors } : {}),
  };
}

export const SERVER_ERROR: Problem = { status: 500, error: 'server_error', description: UNEXPECTED_MESSAGE };

/** What a request answers while the database cannot be reached, in the portals and at the REST edge. */
export const UNAVAILABLE_MESSAGE = 'The service is briefly unavailable; try again in a moment.';

/** Seconds a client is asked to wait (`Retry-After`) while the database is away: about a restart's length. */
export const RETRY_AFTER_SECONDS = 5;

/** RFC 6749 §4.1.2.1's code for a server that cannot answer for now, used by the whole REST edge. */
export const UNAVAILABLE: Problem = {
  status: 503,
  error: 'temporarily_unavailable',
  description: UNAVAILABLE_MESSAGE,
};

/**
 * Socket errors of a database that went away (node's codes) and PostgreSQL's SQLSTATEs for a server that
 * is shutting down, starting up or full (57P01–57P03, 53300); class 08 (connection exception) is matched
 * by its prefix.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * The words of drivers and pools that give no code: pg's ended connections and its connect and read
 * timeouts (`connectionTimeoutMillis`, `query_timeout`), knex's pool timeout.
 */
const UNREACHABLE_WORDS =
  /Connection terminated|terminating connection due to|Client has encountered a connection error|Client was closed and is not queryable|Timeout acquiring a connection|the database system is (starting up|shutting down|in recovery mode)|Connection ended unexpectedly|Query read timeout|(^|- )timeout expired$/i;

/**
 * Whether an error says the database cannot be reached right now (as opposed to refusing a statement):
 * the error itself, or any error it was caused by or aggregates (a tRPC error's cause, a connection
 * attempt to several addresses). A request that needs the database then answers 503, never 500.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Object) || depth > 5) return false;
  if (error instanceof ConnectionException) return true;
  const { code, name, message, cause, errors } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (name === 'KnexTimeoutError') return true;
  if (typeof message === 'string' && UNREACHABLE_WORDS.test(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** A portal call that failed because the database could not be reached: answered 503, not 500. */
export function unavailableInPortal(error: TRPCError): boolean {
  return error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(error.cause);
}

/** The portals' tRPC `responseMeta`: an answer with a 503 in it asks the client to wait (`Retry-After`). */
export function portalResponseMeta({ errors }: { errors: TRPCError[] }): {
  headers?: Record<string, string>;
} {
  return errors.some(unavailableInPortal) ? { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } : {};
}
