import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Banner, Loading } from './primitives';
import { isNotFound, messageFrom } from './trpc';

/** A list with nothing in it: an empty array. */
function isEmptyList(data: unknown): boolean {
  return Array.isArray(data) && data.length === 0;
}

interface QueryResultProps<T> {
  query: UseQueryResult<T, unknown>;
  loading: string;
  notFound?: ReactNode;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}

/**
 * A query's waiting and failing states, drawn the same way on every screen:
 * a spinner labelled `loading`, then `notFound` for a missing record or the
 * refusal in a banner, then `empty` for a list with nothing in it (or when
 * `isEmpty` says so); `children` draw the data otherwise.
 */
export function QueryResult<T>({
  query,
  loading,
  notFound,
  empty,
  isEmpty = isEmptyList,
  children,
}: QueryResultProps<T>) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError) {
    if (notFound !== undefined && isNotFound(query.error)) return notFound;
    return <Banner kind="error">{messageFrom(query.error)}</Banner>;
  }
  if (empty !== undefined && isEmpty(query.data)) return empty;
  return children(query.data);
}

/** A query's list as cards named `label` for screen readers, each drawn by `children`. */
export function CardList<T>({
  label,
  children,
  ...result
}: Omit<QueryResultProps<T[]>, 'children'> & { label: string; children: (item: T) => ReactNode }) {
  return (
    <QueryResult {...result}>
      {(items) => (
        <ul className="card-list" aria-label={label}>
          {items.map((item) => children(item))}
        </ul>
      )}
    </QueryResult>
  );
}
