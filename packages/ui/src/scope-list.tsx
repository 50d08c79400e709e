import { SCOPE_CATALOG, scopeInfo } from '@gatehouse/domain';

/** Scopes in plain words, grouped by area: "Invoices — View and Modify". */
export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  const set = new Set(scopes);
  const groups = SCOPE_CATALOG.map((area) => ({
    area,
    rows: area.resources
      .map((resource) => {
        const view = set.has(`tn.${area.key}.${resource.key}:r`);
        const modify = set.has(`tn.${area.key}.${resource.key}:w`);
        return {
          resource,
          access: view && modify ? 'View and Modify' : view ? 'View' : modify ? 'Modify' : null,
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
                <span className={access !== 'View' ? 'scope-modify' : undefined}>{access}</span>
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
  const info = scopeInfo(scope);
  if (!info) return <code>{scope}</code>;
  return (
    <>
      {info.area.name} · {info.resource.name} · {info.access === 'r' ? 'View' : 'Modify'}{' '}
      <code className="muted">{scope}</code>
    </>
  );
}

/** What a version adds (highlighted) and removes (struck through), side by side. */
export function ScopeChanges({ added, removed }: { added: readonly string[]; removed: readonly string[] }) {
  return (
    <div className="grid-2">
      <div>
        <h3>Added</h3>
        {added.length ? (
          <ul className="scope-list">
            {added.map((s) => (
              <li key={s} className="scope-added">
                + <ScopeName scope={s} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">Nothing added.</p>
        )}
      </div>
      <div>
        <h3>Removed</h3>
        {removed.length ? (
          <ul className="scope-list">
            {removed.map((s) => (
              <li key={s} className="scope-removed">
                − <ScopeName scope={s} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">Nothing removed.</p>
        )}
      </div>
    </div>
  );
}
