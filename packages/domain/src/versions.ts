import { normalizeScopes } from './catalog';

export interface ScopeDiff {
  readonly added: string[];
  readonly removed: string[];
}

/** What `next` adds to and removes from `previous`, in catalog order. */
export function diffScopes(previous: readonly string[], next: readonly string[]): ScopeDiff {
  const before = new Set(previous);
  const after = new Set(next);
  return {
    added: normalizeScopes(next.filter((s) => !before.has(s))),
    removed: normalizeScopes(previous.filter((s) => !after.has(s))),
  };
}

export type ScopeSaveDecision =
  | { readonly kind: 'unchanged' }
  | {
      readonly kind: 'new-version';
      readonly number: number;
      readonly scopes: string[];
      readonly diff: ScopeDiff;
    };

/**
 * A save that changes the scopes makes the next version; one that changes
 * nothing makes none. Versions are contiguous: the next is always latest + 1.
 */
export function decideScopeSave(
  latest: { number: number; scopes: readonly string[] },
  requested: readonly string[],
): ScopeSaveDecision {
  const scopes = normalizeScopes(requested);
  const diff = diffScopes(latest.scopes, scopes);
  if (diff.added.length === 0 && diff.removed.length === 0) return { kind: 'unchanged' };
  return { kind: 'new-version', number: latest.number + 1, scopes, diff };
}

/** Version history, newest first: each version with what it added and removed against the one before. */
export function versionHistory<V extends { readonly scopes: readonly string[] }>(
  oldestFirst: readonly V[],
): (V & ScopeDiff)[] {
  return oldestFirst
    .map((version, index) => ({
      ...version,
      ...diffScopes(oldestFirst[index - 1]?.scopes ?? [], version.scopes),
    }))
    .reverse();
}
