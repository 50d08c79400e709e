import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { useDebounced } from './debounce';

/*
 * A list keeps its place in the address, so that opening one of its rows and
 * coming Back, or reloading, finds it as it was: its search and filters as
 * parameters, the page as `page` and the cursor the page starts after as
 * `after`. Moving to another page and applying filters each add an entry to
 * the browser's history, so Back steps back through them as through links;
 * typing a search adds one entry that further typing refines, so Back undoes
 * the search as a whole rather than key by key.
 */

/** The page number shown, from 2 on. */
const PAGE = 'page';
/** The cursor the page starts after; none on the first page. */
const AFTER = 'after';

/** What a list keeps in its history entry, next to its address. */
export interface ListEntry {
  /** The cursors of the pages walked to reach this one, this page's last: Previous steps back along them. */
  trail: string[];
  /** What the cursors were walked under, when that is not all in the address (`useCursorPages`' reset key). */
  walkedUnder: string | null;
  /** The entry was made by typing a search: more typing refines it instead of adding entries. */
  typed: boolean;
}

function entryOf(state: unknown): ListEntry {
  const fields: Record<string, unknown> = typeof state === 'object' && state !== null ? { ...state } : {};
  const { trail, walkedUnder, typed } = fields;
  return {
    trail: Array.isArray(trail) && trail.every((c) => typeof c === 'string') ? trail : [],
    walkedUnder: typeof walkedUnder === 'string' ? walkedUnder : null,
    typed: typed === true,
  };
}

/** Back to the first page: the parameters that say which page go. */
function startOver(params: URLSearchParams) {
  params.delete(PAGE);
  params.delete(AFTER);
}

/** The list's address parameters and history entry, and a way to move it to new ones. */
function useListAddress() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const move = (change: (next: URLSearchParams) => void, entry: Partial<ListEntry>, replace = false) => {
    const next = new URLSearchParams(params);
    change(next);
    const search = next.toString() ? `?${next}` : '';
    // The same address again (Apply with the same filters, say) adds no entry to go Back through.
    const same = search === (params.toString() ? `?${params}` : '');
    navigate({ pathname: location.pathname, search }, { replace: replace || same, state: entry });
  };
  return { params, entry: entryOf(location.state), move };
}

/** Where a keyset-paged list is, as the address says. */
export interface ListPlace {
  cursor: string | undefined;
  pageNumber: number;
  /** The cursors walked to this page, as far as this history entry knows them (this page's last). */
  trail: string[];
}

/**
 * The page of the list the address names, read back from its parameters and
 * history entry, and `go`, which moves to another page along `trail`. Cursors
 * walked under another `resetKey` are not this list's: its first page is shown.
 */
export function useListPlace(resetKey: string): ListPlace & {
  go(trail: string[], pageNumber: number): void;
} {
  const { params, entry, move } = useListAddress();
  const after = params.get(AFTER) || undefined;
  const stale = after !== undefined && entry.walkedUnder !== null && entry.walkedUnder !== resetKey;
  const cursor = stale ? undefined : after;
  const pageNumber = cursor ? Math.max(2, Number.parseInt(params.get(PAGE) ?? '', 10) || 2) : 1;
  // A page opened from a copied address knows only its own cursor.
  const trail =
    cursor === undefined ? [] : entry.trail.at(-1) === cursor ? entry.trail.slice(1 - pageNumber) : [cursor];
  // Cursors of another list are dropped for good: coming back to that list later starts at its first page.
  useEffect(() => {
    if (stale) move(startOver, {}, true);
  });
  return {
    cursor,
    pageNumber,
    trail,
    go: (to, page) =>
      move(
        (next) => {
          startOver(next);
          const last = to.at(-1);
          if (last !== undefined && page > 1) {
            next.set(PAGE, String(page));
            next.set(AFTER, last);
          }
        },
        { trail: to, walkedUnder: resetKey },
      ),
  };
}

/**
 * A list's filters as the address holds them (`''` for one not set), and
 * `apply`, which sets them all at once and starts again from the first page.
 */
export function useListFilters<K extends string>(
  names: readonly K[],
): { applied: Record<K, string>; apply(values: Partial<Record<K, string>>): void } {
  const { params, move } = useListAddress();
  const applied = Object.fromEntries(names.map((name) => [name, params.get(name) ?? ''])) as Record<
    K,
    string
  >;
  return {
    applied,
    apply: (values) =>
      move((next) => {
        for (const name of names) {
          const value = values[name]?.trim();
          if (value) next.set(name, value);
          else next.delete(name);
        }
        startOver(next);
      }, {}),
  };
}

export interface ListSearch {
  /** What the box shows: every key as it is typed. */
  text: string;
  setText(text: string): void;
  /** The search the list is filtered by: the text once the typing paused, trimmed. */
  searched: string;
  /** The box holds text the list does not show yet. */
  settling: boolean;
}

/**
 * A list's search box whose search lives in the address as `name`: the list
 * asks the server once the typing pauses, then starts again from its first
 * page; Back, Forward or a link that changes the search changes the box too.
 */
export function useListSearch(name = 'q'): ListSearch {
  const { params, entry, move } = useListAddress();
  const applied = params.get(name) ?? '';
  const [text, setText] = useState(applied);
  const [shown, setShown] = useState(applied);
  const settled = useDebounced(text);
  const written = useRef(settled);
  // The search changed under the box (Back, Forward, a link): the box follows it.
  if (applied !== shown) {
    setShown(applied);
    if (applied !== settled) setText(applied);
  }
  useEffect(() => {
    if (settled === written.current) return;
    written.current = settled;
    if (settled === applied) return;
    move(
      (next) => {
        if (settled) next.set(name, settled);
        else next.delete(name);
        startOver(next);
      },
      { typed: true },
      entry.typed,
    );
  });
  return { text, setText, searched: applied.trim(), settling: text !== applied };
}
