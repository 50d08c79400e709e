import { z } from 'zod';
import { tenantIdSchema } from './app';
import { oneLineTextSchema } from './text';

/** Whose audit trail: a reviewer's (everything), a developer's (their organization) or a tenant admin's (their tenants). */
export const AUDIT_VIEWS = ['reviewer', 'developer', 'tenant'] as const;
export type AuditView = (typeof AUDIT_VIEWS)[number];

/** At most this many events, the newest, go into one CSV export of the trail. */
export const AUDIT_EXPORT_LIMIT = 10_000;

/** An id a filter names; left empty, it does not narrow. */
const idFilter = z
  .string()
  .trim()
  .max(100, 'At most 100 characters')
  .transform((id) => id || undefined);

/**
 * The start of a text a filter matches, in any letter case: stored actor emails
 * and actions are lower-case (work emails are lower-cased when an account is
 * made), so the prefix is lower-cased once and compared as it is, which an
 * index can serve. Left empty, it does not narrow.
 */
const prefixFilter = (max: number) =>
  oneLineTextSchema(max).transform((text) => text.toLowerCase() || undefined);

/** Whether `text` starts with a day of the calendar: no 30 February. */
function isCalendarDay(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  return date.getUTCFullYear() === year && date.getUTCMonth() + 1 === month && date.getUTCDate() === day;
}

/** A day (`2026-12-31`), or a day and time with its offset (`2026-12-31T23:59:59.999Z`). */
const MOMENT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The moments a filter may name: the databases hold every one of them, PostgreSQL not all a JS date can. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const DAY_MS = 86_400_000;

/**
 * A moment bounding the trail: a date from the portals, or its ISO 8601 text
 * (a day, or a day and time with its offset) in the export's URL. A day alone
 * means its first moment as a start and its last as an end, so `to=2026-12-31`
 * keeps the 31st.
 */
const momentFilter = (bound: 'from' | 'to') =>
  z
    .union([z.custom<Date>((value) => value instanceof Date), z.string()], {
      error: 'Enter a date like 2026-12-31',
    })
    .transform((value, ctx) => {
      const valid = typeof value !== 'string' || (MOMENT.test(value) && isCalendarDay(value));
      const date = !valid ? null : typeof value !== 'string' ? value : new Date(value);
      const time = date?.getTime() ?? Number.NaN;
      if (Number.isNaN(time) || time < EARLIEST || time > LATEST) {
        ctx.addIssue({ code: 'custom', message: 'Enter a date like 2026-12-31' });
        return z.NEVER;
      }
      const dayOnly = typeof value === 'string' && value.length === 10;
      return dayOnly && bound === 'to' ? new Date(time + DAY_MS - 1) : (date as Date);
    });

/**
 * What narrows a view of the audit trail. The organization narrows only the
 * reviewer's view, the others being one organization's or its tenants' already.
 * The actor and the action match by their start ("dev@" or "connection."), and
 * both time bounds are inclusive.
 */
export const auditFiltersSchema = z.object({
  organizationId: idFilter.optional(),
  appId: idFilter.optional(),
  tenantId: tenantIdSchema.optional(),
  actor: prefixFilter(254).optional(),
  action: prefixFilter(64).optional(),
  from: momentFilter('from').optional(),
  to: momentFilter('to').optional(),
});
export type AuditFilters = z.output<typeof auditFiltersSchema>;

/**
 * One view of the trail and its filters: what a page of the trail and its CSV
 * export (whose URL carries them as text) are both asked for.
 */
export const auditTrailQuerySchema = auditFiltersSchema.extend({
  view: z.enum(AUDIT_VIEWS, { error: 'Choose the reviewer, developer or tenant view' }),
});
export type AuditTrailQuery = z.output<typeof auditTrailQuerySchema>;
