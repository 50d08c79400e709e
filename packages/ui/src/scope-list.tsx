import { scopeInfo, SCOPE_CATALOG } from '@gatehouse/domain';

/** Scopes in plain words, grouped by area: "Invoices — View and Modify". */
export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  const set = new Set(scopes);
  const groups = SCOPE_CATALOG.map((area) => ({
    area,
    rows: area.resources
      .map((resource) => {
        const view = set.has(`tn.${area.key}.${resource.key}:r`);
        const modify = set.has(`tn.${area.key}.${resource.key}:w`);
        return { resource, access: view && modify ? 'View and Modify' : view ? 'View' : modify ? 'Modify' : null };
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
              <li key={resource.key}>{resource.name} — <span className={access !== 'View' ? 'scope-modify' : undefined}>{access}</span></li>
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
      {info.area.name} · {info.resource.name} · {info.access === 'r' ? 'View' : 'Modify'} <code className="muted">{scope}</code>
    </>
  );
}
