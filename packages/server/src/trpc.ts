import { controlCharacterErrors, DomainError, fieldErrorsOf } from '@gatehouse/domain';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { announceAccessChange } from './access-epoch';
import type { Context } from './context';
import { toTRPCError, UNEXPECTED_MESSAGE } from './errors';

/** What a procedure declares about itself. */
export interface ProcedureMeta {
  /**
   * `'unchanged'`: its changes never touch what the token endpoint and the gate read (sessions,
   * notifications, access requests), so it announces nothing and their caches stay warm.
   */
  access?: 'unchanged';
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
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
 * After a mutation, the caches of the token endpoint and the gate start
 * afresh, here and on every instance. A mutation that failed on the server's
 * side announces too (it may have committed before it failed); one refused
 * for the caller's input or rights changed nothing and does not, and neither
 * does one whose meta says it leaves access unchanged.
 */
const announceChanges = t.middleware(async ({ ctx, type, meta, next }) => {
  const result = await next();
  if (
    type === 'mutation' &&
    meta?.access !== 'unchanged' &&
    (result.ok ||
      (result.error.code === 'INTERNAL_SERVER_ERROR' && !(result.error.cause instanceof DomainError)))
  )
    await announceAccessChange(ctx.db);
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;
export const baseProcedure = t.procedure.use(cleanText).use(domainErrors).use(announceChanges);
