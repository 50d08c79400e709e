import { controlCharacterErrors, DomainError, fieldErrorsOf } from '@gatehouse/domain';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import type { Context } from './context';
import { toTRPCError, UNAVAILABLE_MESSAGE, UNEXPECTED_MESSAGE, unavailableInPortal } from './errors';

/** What a procedure declares about itself. */
export interface ProcedureMeta {
  /**
   * `'unchanged'`: its changes never touch what the token endpoint and the gate cache (sessions,
   * notifications, access requests, passwords), so this instance need not read the change feed before
   * it answers.
   */
  access?: 'unchanged';
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      // The database is away: a clear 503 the portals show as it is (Retry-After comes with portalResponseMeta).
      if (unavailableInPortal(error))
        return {
          ...shape,
          message: UNAVAILABLE_MESSAGE,
          data: { code: 'SERVICE_UNAVAILABLE' as const, httpStatus: 503, fieldErrors: null },
        };
      const cause = error.cause;
      const fieldErrors =
        cause instanceof DomainError
          ? (cause.fieldErrors ?? null)
          : cause instanceof ZodError
            ? fieldErrorsOf(cause)
            : null;
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        ...shape,
        message: internal
          ? UNEXPECTED_MESSAGE
          : cause instanceof ZodError
            ? 'Please correct the highlighted fields.'
            : shape.message,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, fieldErrors },
      };
    },
  });

/**
 * No procedure ever sees a string with a control character: refused here, as
 * a field error, before any handler or database query runs (PostgreSQL cannot
 * even store NUL).
 */
const cleanText = t.middleware(async ({ getRawInput, next }) => {
  const fieldErrors = controlCharacterErrors(await getRawInput());
  if (fieldErrors)
    throw toTRPCError(
      new DomainError('INVALID_INPUT', 'Please correct the highlighted fields.', fieldErrors),
    );
  return next();
});

const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTRPCError(result.error.cause);
  return result;
});

/**
 * After a mutation, this instance reads the change feed before it answers, so
 * that what the change touched is dropped from its own caches at once (other
 * instances read it within a second; only the entries it touched are
 * dropped). A mutation that failed on the server's side catches up too (it may
 * have committed before it failed); one refused for the caller's input or
 * rights changed nothing and does not, and neither does one whose meta says
 * it leaves access unchanged. If the read fails, the change stands and the feed's own
 * polling delivers it.
 */
const catchUpOnChanges = t.middleware(async ({ ctx, type, meta, next }) => {
  const result = await next();
  if (
    type === 'mutation' &&
    meta?.access !== 'unchanged' &&
    (result.ok ||
      (result.error.code === 'INTERNAL_SERVER_ERROR' && !(result.error.cause instanceof DomainError)))
  )
    await ctx.db.feed.catchUp();
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;
export const baseProcedure = t.procedure.use(cleanText).use(domainErrors).use(catchUpOnChanges);
