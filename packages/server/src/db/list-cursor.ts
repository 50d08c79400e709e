import { createHash } from 'node:crypto';
import { DomainError, type Page } from '@gatehouse/domain';
import { isUuid } from './ids';
import { decodeCursor, type KeyValue, pageFrom } from './keyset';

const OTHER_LIST =
  'This page link belongs to another list or is out of date. Start again from the first page.';

/** What a sort value of a list is: text, a number, a moment, or a row's id (checked as one, since PostgreSQL would refuse it). */
export type KeyKind = 'text' | 'number' | 'moment' | 'id';

/**
 * The list a cursor continues: its name and filters (the app, the tenant and
 * environment, the search), kept in the cursor as a short digest. A cursor made
 * by another list or for other filters is refused rather than read as a
 * position in this one.
 */
export function listTag(list: string, ...filters: (string | number | undefined)[]): string {
  return createHash('sha256')
    .update(JSON.stringify([list, ...filters.map((f) => f ?? null)]))
    .digest('base64url')
    .slice(0, 16);
}

/** The first `limit` of `rows` (read one past it), with a cursor of the list `tag` after the last one kept. */
export function listPage<R>(
  tag: string,
  rows: R[],
  limit: number,
  keyOfRow: (row: R) => KeyValue[],
): Page<R> {
  return pageFrom(rows, limit, (row) => [tag, ...keyOfRow(row)]);
}

function isKind(value: KeyValue, kind: KeyKind): boolean {
  if (kind === 'moment') return value instanceof Date;
  if (kind === 'id') return typeof value === 'string' && isUuid(value);
  return typeof value === (kind === 'text' ? 'string' : 'number');
}

/**
 * The sort values in a cursor of the list `tag`, one of each kind in `kinds`.
 * A cursor of another list, or values of the wrong kind (an id that is no id
 * would reach the database as one), are INVALID_INPUT before any query runs.
 */
export function readListCursor(tag: string, cursor: string, kinds: readonly KeyKind[]): KeyValue[] {
  const [madeFor, ...values] = decodeCursor(cursor, kinds.length + 1);
  if (madeFor !== tag || !kinds.every((kind, i) => isKind(values[i] as KeyValue, kind)))
    throw new DomainError('INVALID_INPUT', OTHER_LIST);
  return values;
}
