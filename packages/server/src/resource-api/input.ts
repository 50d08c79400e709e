import { CONTROL_CHARACTER_CLASS, CONTROL_CHARACTER_RANGES } from '@gatehouse/domain';
import { z } from 'zod';
import type { DemoResource } from './demo-data';

/** What the resource API accepts, as its routes' schemas. */

export const listParams = z.object({ area: z.string(), tenant: z.string(), resource: z.string() });

/** A record id is a whole number of at most 15 digits; any other id names no record. */
export const itemParams = listParams.extend({
  id: z.string().regex(/^[0-9]{1,15}$/, { error: (issue) => `No record ${String(issue.input)}.` }),
});

export const pagingQuery = z.object({
  page: z.coerce
    .number({ error: 'page must be a number' })
    .int('page must be a whole number')
    .min(1, 'page starts at 1')
    .default(1),
  pageSize: z.coerce
    .number({ error: 'pageSize must be a number' })
    .int('pageSize must be a whole number')
    .min(1, 'pageSize is at least 1')
    .max(500, 'pageSize is at most 500')
    .default(50),
});

const customerInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  type: z.enum(['Residential', 'Commercial'], { error: 'type is Residential or Commercial' }),
  email: z.string().trim().email('email must be an email address').max(254).optional(),
  phone: z.string().trim().max(30).optional(),
  active: z.boolean().optional(),
});

/** What each demo resource supports beyond reading: only CRM customers take writes. */
export const WRITABLE: Partial<
  Record<
    DemoResource,
    { create: z.ZodType<Record<string, unknown>>; update: z.ZodType<Record<string, unknown>> }
  >
> = {
  'crm/customers': {
    create: customerInput.extend({ active: z.boolean().default(true) }),
    update: customerInput.partial().strict(),
  },
};

/**
 * A control character in the raw path or query, percent-encoded (C1 ones as UTF-8) or not: the domain's
 * refused characters, their encodings worked out from the same ranges (`%0[0-9a-f]|…|%c2%9[0-9a-f]`).
 */
export const CONTROL_IN_URL = (() => {
  const lastDigits = new Map<string, string>();
  for (const [from, to] of CONTROL_CHARACTER_RANGES) {
    for (let code = from; code <= to; code++) {
      const encoded = encodeURIComponent(String.fromCharCode(code)).toLowerCase();
      const head = encoded.slice(0, -1);
      lastDigits.set(head, (lastDigits.get(head) ?? '') + encoded.slice(-1));
    }
  }
  const encodings = [...lastDigits].map(([head, digits]) =>
    digits.length === 1 ? head + digits : `${head}[${digits}]`,
  );
  return new RegExp(`${encodings.join('|')}|[${CONTROL_CHARACTER_CLASS}]`, 'i');
})();
