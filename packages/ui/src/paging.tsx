import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useListPlace } from './list-address';
import { Button } from './primitives';
import { QueryResult } from './query-result';

/**
 * Where a keyset-paged list is: the cursor of the page shown (none on the
 * first) and the way back. The place lives in the address and the history
 * entry (see `useListFilters`, `useListSearch`), so opening a row and coming
 * Back, or reloading, shows the same page; each move to another page is a
 * history entry. `resetKey` names what the cursors belong to when that is not
 * all in the address: cursors walked under another key are dropped and the
 * first page shown.
 */
export interface CursorPages {
  cursor: string | undefined;
  pageNumber: number;
  /** Previous knows the page before; a page opened from a copied address knows only the first. */
  previousKnown: boolean;
  next(cursor: string): void;
  previous(): void;
  first(): void;
}

export function useCursorPages(resetKey = ''): CursorPages {
  const { cursor, pageNumber, trail, go } = useListPlace(resetKey);
  const previousKnown = pageNumber <= 2 || trail.length >= 2;
  return {
    cursor,
    pageNumber,
    previousKnown,
    next: (nextCursor) => go([...trail, nextCursor], pageNumber + 1),
    previous: () => (previousKnown ? go(trail.slice(0, -1), pageNumber - 1) : go([], 1)),
    first: () => go([], 1),
  };
}

/** Previous and Next under a keyset-paged list; nothing when the list fits on one page. */
export function CursorPager({
  pages,
  nextCursor,
  busy,
  label = 'Pages',
}: {
  pages: CursorPages;
  nextCursor: string | null;
  busy?: boolean;
  label?: string;
}) {
  if (pages.pageNumber === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={label}>
      <Button onClick={pages.previous} disabled={pages.pageNumber <= 1 || busy}>
        {pages.previousKnown ? 'Previous' : 'First page'}
      </Button>
      <span aria-live="polite">Page {pages.pageNumber}</span>
      <Button onClick={() => nextCursor && pages.next(nextCursor)} disabled={!nextCursor || busy}>
        Next
      </Button>
    </nav>
  );
}

/**
 * One page of a keyset-paged list: its `QueryResult` (the empty state only
 * for an empty first page), with Previous and Next under the page.
 */
export function CursorPagedResult<T extends { items: unknown[]; nextCursor: string | null }>({
  query,
  pages,
  loading,
  notFound,
  empty,
  children,
}: {
  query: UseQueryResult<T, unknown>;
  pages: CursorPages;
  loading: string;
  notFound?: ReactNode;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  return (
    <QueryResult
      query={query}
      loading={loading}
      notFound={notFound}
      empty={empty}
      isEmpty={(data) => data.items.length === 0 && pages.pageNumber === 1}
    >
      {(data) => (
        <>
          {children(data)}
          <CursorPager pages={pages} nextCursor={data.nextCursor} busy={query.isPlaceholderData} />
        </>
      )}
    </QueryResult>
  );
}
