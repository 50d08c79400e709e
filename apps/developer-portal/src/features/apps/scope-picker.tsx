import { ACCESS_LABEL, ACCESSES, type CatalogArea, SCOPE_CATALOG, scopeString } from '@gatehouse/domain';
import { FieldError } from '@gatehouse/ui';
import { useId, useMemo, useState } from 'react';

/**
 * The API scopes an app asks for: every area's resources with View and
 * Modify (both = View and Modify), searchable, with a running count. The
 * areas of the scopes ticked, and of `alsoOpen` (scopes a suggestion
 * unticked, say), start open.
 */
export function ScopePicker({
  value,
  onChange,
  error,
  alsoOpen = [],
}: {
  value: readonly string[];
  onChange: (scopes: string[]) => void;
  error?: string | undefined;
  alsoOpen?: readonly string[];
}) {
  const selected = useMemo(() => new Set(value), [value]);
  const [query, setQuery] = useState('');
  const [expanded, setExpanded] = useState<Set<string>>(() => {
    const open = new Set([...value, ...alsoOpen]);
    return new Set(SCOPE_CATALOG.filter((a) => countIn(a, open) > 0).map((a) => a.key));
  });
  const searchId = useId();
  const q = query.trim().toLowerCase();
  const areas = SCOPE_CATALOG.map((area) => ({
    area,
    resources: area.resources.filter(
      (r) => !q || area.name.toLowerCase().includes(q) || r.name.toLowerCase().includes(q),
    ),
  })).filter((a) => a.resources.length > 0);

  const toggle = (scope: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(scope);
    else next.delete(scope);
    onChange([...next]);
  };

  return (
    <section className="picker" aria-labelledby={`${searchId}-title`}>
      <div className="picker-head">
        <h3 id={`${searchId}-title`}>API scopes</h3>
        <label className="sr-only" htmlFor={searchId}>
          Search API scopes
        </label>
        <input
          id={searchId}
          className="search"
          type="search"
          placeholder="Search areas and resources"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="badge badge-info" aria-live="polite">
          {value.length} {value.length === 1 ? 'scope' : 'scopes'} selected
        </span>
      </div>
      <FieldError message={error} />
      <div className="picker-areas">
        {areas.length === 0 ? <p className="muted">No area or resource matches “{query}”.</p> : null}
        {areas.map(({ area, resources }) => {
          const open = q.length > 0 || expanded.has(area.key);
          const count = countIn(area, selected);
          return (
            <div className="picker-area" key={area.key}>
              <button
                type="button"
                className="btn btn-ghost"
                style={{ width: '100%', justifyContent: 'space-between', border: 'none' }}
                aria-expanded={open}
                onClick={() =>
                  setExpanded((prev) => {
                    const next = new Set(prev);
                    if (next.has(area.key)) next.delete(area.key);
                    else next.add(area.key);
                    return next;
                  })
                }
              >
                <strong>{area.name}</strong>
                <span className="muted">
                  {count > 0 ? `${count} selected` : `${area.resources.length} resources`} {open ? '▾' : '▸'}
                </span>
              </button>
              {open
                ? resources.map((resource) => (
                    <div className="picker-row" key={resource.key}>
                      <span>{resource.name}</span>
                      {ACCESSES.map((access) => {
                        const scope = scopeString(area.key, resource.key, access);
                        return (
                          <label key={access}>
                            <input
                              type="checkbox"
                              checked={selected.has(scope)}
                              onChange={(e) => toggle(scope, e.target.checked)}
                              aria-label={`${area.name} ${resource.name} ${ACCESS_LABEL[access]}`}
                            />
                            {ACCESS_LABEL[access]}
                          </label>
                        );
                      })}
                    </div>
                  ))
                : null}
            </div>
          );
        })}
      </div>
    </section>
  );
}

function countIn(area: CatalogArea, selected: ReadonlySet<string>): number {
  return area.resources.reduce(
    (n, r) => n + ACCESSES.filter((access) => selected.has(scopeString(area.key, r.key, access))).length,
    0,
  );
}
