import { describeScope } from '@gatehouse/domain';
import { Badge, DataTable, type RouterOutputs } from '@gatehouse/ui';

type RouteRule = RouterOutputs['gateway']['upstreams']['routes'][number];

const COLUMNS = ['Methods', 'Path pattern', 'Scope needed'] as const;
const [METHODS, PATH, SCOPE] = COLUMNS;

/** The configured route rules in the order they are tried; the first that matches a call decides its scope. */
export function RouteRulesTable({ routes }: { routes: RouteRule[] }) {
  return (
    <div className="gateway-table">
      <DataTable
        caption="Route rules, tried in order before the catalog's default"
        columns={COLUMNS}
        ownPhoneLayout
      >
        {routes.map((route, index) => (
          // Rules may repeat a pattern for other methods; their order is what identifies them.
          <tr key={index}>
            <td data-label={METHODS}>
              {route.methods ? route.methods.join(', ') : <span className="muted">Any</span>}
            </td>
            <td data-label={PATH} className="wraps">
              <code>{route.path}</code>
            </td>
            <td data-label={SCOPE}>
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
    </div>
  );
}
