import type { UseQueryResult } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Button } from './primitives';
import { QueryResult } from './query-result';

/**
 * Where a keyset-paged list is: the cursor of the page shown (none on the
 * first) and the way back. Going back pops the cursors walked so far; a new
 * `resetKey` (the list's filters, say) starts again from the first page.
 */
export interface CursorPages {
  cursor: string | undefined;
  pageNumber: number;
  next(cursor: string): void;
  previous(): void;
  first(): void;
}

export function useCursorPages(resetKey = ''): CursorPages {
  const [state, setState] = useState<{ key: string; stack: string[] }>({ key: resetKey, stack: [] });
  const stack = state.key === resetKey ? state.stack : [];
  return {
    cursor: stack.at(-1),
    pageNumber: stack.length + 1,
    next: (cursor) => setState({ key: resetKey, stack: [...stack, cursor] }),
    previous: () => setState({ key: resetKey, stack: stack.slice(0, -1) }),
    first: () => setState({ key: resetKey, stack: [] }),
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
        Previous
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
