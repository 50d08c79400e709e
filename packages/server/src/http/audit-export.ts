import { Readable } from 'node:stream';
import {
  auditTrailQuerySchema,
  CONTROL_CHARACTERS_MESSAGE,
  controlCharacterErrors,
  DomainError,
  type DomainErrorCode,
  type FieldErrors,
  fieldErrorsOf,
} from '@gatehouse/domain';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { SESSION_COOKIE, userForSession } from '../auth/sessions';
import type { Database } from '../db/orm';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../errors';
import { auditTrailReader, permissions } from '../procedures';
import { auditTrailCsv, exportFilename } from '../services/audit/csv';

/** Where the portals download the audit trail as CSV; everything under `/exports/` is the portals' API. */
export const AUDIT_EXPORT_PATH = '/exports/audit.csv';

const STATUS: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** A refusal, in the JSON the portals' own refusals answer (`{ error: { message } }`), with the fields at fault. */
function refuse(reply: FastifyReply, status: number, message: string, fieldErrors?: FieldErrors | null) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error: { message, ...(fieldErrors ? { fieldErrors } : {}) } });
}

/** What a refused query says: each field at fault and why, as a person reading the URL needs it. */
const invalidQuery = (fieldErrors: FieldErrors) =>
  `The export's filters are not valid: ${Object.entries(fieldErrors)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ')}.`;

/**
 * `GET /exports/audit.csv?view=…&…filters`: the audit trail as a CSV download,
 * for the session's user, with the filters and under the same permission as a
 * page of it in the portals (`audit.list`). Empty parameters do not narrow.
 * The file is streamed a batch at a time and holds the newest 10,000 events at
 * most. Registered in the portals' scope, which reads the session cookie.
 */
export const auditExport: FastifyPluginAsync<{ db: Database }> = async (portal, { db }) => {
  portal.get(AUDIT_EXPORT_PATH, async (request, reply) => {
    const query = Object.fromEntries(
      Object.entries(request.query as Record<string, unknown>).filter(([, value]) => value !== ''),
    );
    const dirty = controlCharacterErrors(query);
    if (dirty) return refuse(reply, 400, `${CONTROL_CHARACTERS_MESSAGE}.`, dirty);
    const parsed = auditTrailQuerySchema.safeParse(query);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      return refuse(reply, 400, invalidQuery(fieldErrors), fieldErrors);
    }
    const { view, ...filters } = parsed.data;
    const em = db.em();
    try {
      const user = permissions.signedIn(await userForSession(em, request.cookies[SESSION_COOKIE] ?? null));
      const reader = auditTrailReader(user, view, filters.tenantId);
      const lines = auditTrailCsv(em, reader, filters);
      // The first batch is read before the answer starts: a failure there is still answered as one.
      const first = await lines.next();
      const rest = async function* () {
        if (!first.done) yield first.value;
        yield* lines;
      };
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${exportFilename()}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(rest()));
    } catch (error) {
      if (error instanceof DomainError)
        return refuse(reply, STATUS[error.code], error.message, error.fieldErrors);
      if (!isDatabaseUnavailable(error)) throw error;
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      return refuse(reply, 503, UNAVAILABLE_MESSAGE);
    }
  });
};
