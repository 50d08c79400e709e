import { ACCESS_LABEL, describeScope, SCOPE_CATALOG, scopeInfo, scopeString } from '@gatehouse/domain';

const VIEW_AND_MODIFY = `${ACCESS_LABEL.r} and ${ACCESS_LABEL.w}`;

/** Scopes in plain words, grouped by area: "Invoices — View and Modify". */
export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  const set = new Set(scopes);
  const groups = SCOPE_CATALOG.map((area) => ({
    area,
    rows: area.resources
      .map((resource) => {
        const view = set.has(scopeString(area.key, resource.key, 'r'));
        const modify = set.has(scopeString(area.key, resource.key, 'w'));
        return {
          resource,
          access: view && modify ? VIEW_AND_MODIFY : view ? ACCESS_LABEL.r : modify ? ACCESS_LABEL.w : null,
        };
      })
      .filter((row) => row.access),
  })).filter((g) => g.rows.length > 0);
  if (groups.length === 0) return <p className="muted">No scopes.</p>;
  return (
    <div className="grid-2">
      {groups.map(({ area, rows }) => (
        <div key={area.key}>
          <h3>{area.name}</h3>
          <ul className="scope-list">
            {rows.map(({ resource, access }) => (
              <li key={resource.key}>
                {resource.name} —{' '}
                <span className={access !== ACCESS_LABEL.r ? 'scope-modify' : undefined}>{access}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

/** One scope in words with its string: "CRM · Customers · Modify (tn.crm.customers:w)". */
export function ScopeName({ scope }: { scope: string }) {
  if (!scopeInfo(scope)) return <code>{scope}</code>;
  return (
    <>
      {describeScope(scope)} <code className="muted">{scope}</code>
    </>
  );
}

/** Scopes a change adds (highlighted) or removes (struck through). */
export function ScopeChangeList({
  scopes,
  change,
}: {
  scopes: readonly string[];
  change: 'added' | 'removed';
}) {
  return (
    <ul className="scope-list">
      {scopes.map((s) => (
        <li key={s} className={`scope-${change}`}>
          {change === 'added' ? '+' : '−'} <ScopeName scope={s} />
        </li>
      ))}
    </ul>
  );
}

/** What a version adds and removes, side by side. */
export function ScopeChanges({ added, removed }: { added: readonly string[]; removed: readonly string[] }) {
  const columns = [
    { change: 'added', title: 'Added', scopes: added },
    { change: 'removed', title: 'Removed', scopes: removed },
  ] as const;
  return (
    <div className="grid-2">
      {columns.map(({ change, title, scopes }) => (
        <div key={change}>
          <h3>{title}</h3>
          {scopes.length ? (
            <ScopeChangeList scopes={scopes} change={change} />
          ) : (
            <p className="muted">Nothing {change}.</p>
          )}
        </div>
      ))}
    </div>
  );
}
