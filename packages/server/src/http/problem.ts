import { DomainError, type FieldErrors, fieldErrorsOf } from '@gatehouse/domain';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { ZodError } from 'zod';
import {
  isDatabaseUnavailable,
  type Problem,
  RETRY_AFTER_SECONDS,
  SERVER_ERROR,
  toProblem,
  UNAVAILABLE,
} from '../errors';

declare module 'fastify' {
  interface FastifyReply {
    /** The error code of the problem this reply sent (`invalid_token`, `invalid_client`, …), for the request log; null for none. */
    problemCode: string | null;
  }
}

/** The one way an error body leaves the REST edge (OAuth endpoints and resource API alike). */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  reply.problemCode = problem.error;
  return reply.code(problem.status).send({
    error: problem.error,
    error_description: problem.description,
    ...(problem.fields ? { fields: problem.fields } : {}),
    ...(problem.scope ? { scope: problem.scope } : {}),
  });
}

/** A route schema's refusal as field errors, keyed as the portals key theirs (`fieldErrorsOf`). */
export function fieldsOf(errors: FastifySchemaValidationError[]): FieldErrors {
  return fieldErrorsOf(
    new ZodError(
      errors.map((error) => ({
        code: 'custom' as const,
        path: error.instancePath.split('/').slice(1),
        message: error.message ?? '',
        input: undefined,
      })),
    ),
  );
}

/**
 * A route's `schemaErrorFormatter`: input its schemas refuse becomes a DomainError, answered by the edge's
 * error handler. A path parameter that does not parse names a record that does not exist (NOT_FOUND, with
 * its schema's message); a refused query or body is INVALID_INPUT with `description` and the fields.
 */
export function refusedInput(description: string) {
  return (errors: FastifySchemaValidationError[], part: string): DomainError =>
    part === 'params'
      ? new DomainError('NOT_FOUND', errors[0]?.message ?? description)
      : new DomainError('INVALID_INPUT', description, fieldsOf(errors));
}

/** When the edge last logged that the database is away: once every ten seconds at most, not once a request. */
let unavailableLoggedAt = 0;

/**
 * What an error that reached the edge's error handler answers: a DomainError as errors.ts maps it; a body
 * Fastify could not read (too large, a foreign media type, malformed) as the client's `invalid_request`;
 * a database that cannot be reached as 503 `temporarily_unavailable` (what needed it cannot be answered
 * now, and a guess would be wrong); anything else is ours, logged and answered without internals.
 */
function problemOf(error: FastifyError, request: FastifyRequest): Problem {
  if (error instanceof DomainError) return toProblem(error);
  if (isDatabaseUnavailable(error)) {
    if (Date.now() - unavailableLoggedAt > 10_000) {
      unavailableLoggedAt = Date.now();
      request.log.warn({ err: error }, 'database unreachable: answering 503 to what needs it');
    }
    return UNAVAILABLE;
  }
  const status = error.statusCode ?? 500;
  if (status === 413)
    return { status, error: 'invalid_request', description: 'The request body is too large.' };
  if (status === 415)
    return { status, error: 'invalid_request', description: 'Send the body as application/json.' };
  if (status < 500)
    return { status: 400, error: 'invalid_request', description: 'The request body could not be read.' };
  request.log.error({ err: error }, 'request failed');
  return SERVER_ERROR;
}

/** The REST edge's error handler (see problemOf). */
export function edgeErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = problemOf(error, request);
  if (problem.status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
  return sendProblem(reply, problem);
}
