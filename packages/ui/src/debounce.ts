import { useEffect, useState } from 'react';

/** How long a search box waits after the last key before it asks the server. */
export const SEARCH_PAUSE_MS = 250;

/**
 * `value` once it has stayed the same for `ms`: a search box asks the server
 * once the typing pauses, not for every key, while the box itself follows
 * every key.
 */
export function useDebounced<T>(value: T, ms = SEARCH_PAUSE_MS): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
