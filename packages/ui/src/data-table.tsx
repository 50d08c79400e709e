import type { ReactNode } from 'react';

/**
 * A table named for screen readers by `caption`, with one header cell per
 * column (and a last, unlabelled one for row actions when `actions` is set);
 * `children` are its rows.
 */
export function DataTable({
  caption,
  columns,
  actions,
  children,
}: {
  caption: string;
  columns: readonly string[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
