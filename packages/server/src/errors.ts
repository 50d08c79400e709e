import type { DomainError, DomainErrorCode, FieldErrors } from '@gatehouse/domain';
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
};

export function toProblem(error: DomainError): Problem {
  return {
    ...HTTP_PROBLEM[error.code],
    description: error.message,
    ...(error.fieldErrors ? { fields: error.fieldErrors } : {}),
  };
}

export const SERVER_ERROR: Problem = { status: 500, error: 'server_error', description: UNEXPECTED_MESSAGE };
