import { DomainError, type Page } from '@gatehouse/domain';
import type { EntityName, FilterQuery, FindOptions, Loaded } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';

/** A value a list is sorted by: text, a number or a moment. */
export type KeyValue = string | number | Date;

export type Direction = 'asc' | 'desc';

/** The sort of a keyset list: entity properties in order, the last one unique (an id). */
export type KeysetOrder = readonly (readonly [property: string, direction: Direction])[];

/** Why a cursor that cannot be read is refused. */
export const STALE = 'This page link is out of date or malformed. Start again from the first page.';

type Encoded = string | number | { d: string };

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The sort values of a page's last row as an opaque, URL-safe cursor. */
export function encodeCursor(values: readonly KeyValue[]): string {
  const encoded: Encoded[] = values.map((v) => (v instanceof Date ? { d: v.toISOString() } : v));
  return Buffer.from(JSON.stringify(encoded)).toString('base64url');
}

/** The sort values in `cursor`, `arity` of them; anything else is refused as INVALID_INPUT. */
export function decodeCursor(cursor: string, arity: number): KeyValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new DomainError('INVALID_INPUT', STALE);
  }
  if (!Array.isArray(parsed) || parsed.length !== arity) throw new DomainError('INVALID_INPUT', STALE);
  return parsed.map((value: unknown) => {
    if (typeof value === 'string' && value.length <= 512) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'object' && value !== null && 'd' in value && typeof value.d === 'string') {
      const date = new Date(value.d);
      // Only moments both databases hold: PostgreSQL refuses a year past 294276 or before 4713 BC.
      if (date.getTime() >= EARLIEST && date.getTime() <= LATEST) return date;
    }
    throw new DomainError('INVALID_INPUT', STALE);
  });
}

/**
 * Rows strictly after `values` in `order`, written so that the leading column
 * bounds an index range on both databases: `a <= x and (a < x or (b after y))`.
 */
export function afterKey(order: KeysetOrder, values: readonly KeyValue[]): Record<string, unknown> {
  const [first, ...rest] = order;
  const [value, ...restValues] = values;
  if (!first || value === undefined) throw new Error('afterKey: order and values must match');
  const [property, direction] = first;
  const strictly = { [property]: { [direction === 'asc' ? '$gt' : '$lt']: value } };
  if (rest.length === 0) return strictly;
  return {
    $and: [
      { [property]: { [direction === 'asc' ? '$gte' : '$lte']: value } },
      { $or: [strictly, afterKey(rest, restValues)] },
    ],
  };
}

/** A row's value of a sort property; a relation sorts by its id. */
function keyOf(row: object, property: string): KeyValue {
  const value = (row as Record<string, unknown>)[property];
  if (typeof value === 'object' && value !== null && !(value instanceof Date) && 'id' in value)
    return String(value.id);
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  throw new Error(`keyset: ${property} is not a sortable value`);
}

/**
 * One page of `entity` rows matching `where`, sorted by `order`, after the
 * input's cursor: `limit + 1` rows are read to know whether a next page exists.
 */
export async function keysetPage<E extends object, P extends string = never>(
  em: EntityManager,
  entity: EntityName<E>,
  where: FilterQuery<E>,
  order: KeysetOrder,
  input: { cursor?: string | undefined; limit: number },
  options: Omit<FindOptions<E, P>, 'orderBy' | 'limit' | 'offset'> = {},
): Promise<Page<Loaded<E, P>>> {
  const after = input.cursor ? afterKey(order, decodeCursor(input.cursor, order.length)) : null;
  const rows = await em.find<E, P>(entity, (after ? { $and: [where, after] } : where) as FilterQuery<E>, {
    ...options,
    orderBy: Object.fromEntries(order) as FindOptions<E, P>['orderBy'],
    limit: input.limit + 1,
  });
  return pageFrom(rows, input.limit, (row) => order.map(([property]) => keyOf(row, property)));
}

/** The first `limit` of `rows` (read one past it) and the cursor after the last one kept. */
export function pageFrom<R>(rows: R[], limit: number, keyOfRow: (row: R) => KeyValue[]): Page<R> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOfRow(last)) : null };
}
