import { z } from 'zod';

/**
 * Keyset paging, one contract for every list the portals show: a page asks for
 * `limit` rows after an opaque `cursor` (none for the first page) and answers
 * its rows with the cursor of the next page, or null on the last one. No list
 * counts or skips rows it does not show.
 */
export const pageCursorSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9_-]+$/, 'This page link is malformed. Start again from the first page.');

/** The paging part of a list's input; `defaultLimit` is the page the screen shows. */
export function pageInputSchema(defaultLimit = 50, maxLimit = 200) {
  return z.object({
    cursor: pageCursorSchema.optional(),
    limit: z.number().int().min(1).max(maxLimit).default(defaultLimit),
  });
}

/** A page of `item`s and the cursor of the next page. */
export function pageOutputSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
