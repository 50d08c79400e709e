import { describeScope } from '@gatehouse/domain';
import { Badge, DataTable, type RouterOutputs } from '@gatehouse/ui';

type RouteRule = RouterOutputs['gateway']['upstreams']['routes'][number];

/** The configured route rules in the order they are tried; the first that matches a call decides its scope. */
export function RouteRulesTable({ routes }: { routes: RouteRule[] }) {
  return (
    <DataTable
      caption="Route rules, tried in order before the catalog's default"
      columns={['Methods', 'Path pattern', 'Scope needed']}
    >
      {routes.map((route, index) => (
        // Rules may repeat a pattern for other methods; their order is what identifies them.
        <tr key={index}>
          <td>{route.methods ? route.methods.join(', ') : <span className="muted">Any</span>}</td>
          <td style={{ overflowWrap: 'anywhere' }}>
            <code>{route.path}</code>
          </td>
          <td>
            {route.scope === null ? (
              <Badge tone="bad">Refused</Badge>
            ) : (
              <>
                <code>{route.scope}</code>
                <div className="muted">{describeScope(route.scope)}</div>
              </>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
