import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A table named for screen readers by `caption`, with one header cell per
 * column (and a last, unlabelled one for row actions when `actions` is set);
 * `children` are its rows. On a phone each row reads as a block, every cell
 * under its column's name, so the page never scrolls sideways (unless
 * `ownPhoneLayout`: the page lays its rows out itself).
 */
export function DataTable({
  caption,
  columns,
  actions,
  ownPhoneLayout,
  children,
}: {
  caption: string;
  columns: readonly string[];
  actions?: boolean;
  ownPhoneLayout?: boolean;
  children: ReactNode;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    const tbody = body.current;
    if (!tbody || ownPhoneLayout) return;
    const label = () => labelCells(tbody, columns);
    label();
    // Rows that open or change on their own (details, paging) are labelled as they appear.
    const observer = new MutationObserver(label);
    observer.observe(tbody, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [columns, ownPhoneLayout]);
  return (
    <div className={ownPhoneLayout ? 'table-wrap' : 'table-wrap stack-on-phone'}>
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
        <tbody ref={body}>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * Names each cell by its column (`data-label`, shown above it on a phone) unless
 * the row already did; a cell spanning columns, or the actions cell, gets a line of its own.
 */
function labelCells(tbody: HTMLTableSectionElement, columns: readonly string[]) {
  for (const row of Array.from(tbody.rows)) {
    Array.from(row.cells).forEach((cell, index) => {
      const column = columns[index];
      if (cell.colSpan > 1 || column === undefined) cell.classList.add('wide');
      else if (!cell.hasAttribute('data-label')) cell.setAttribute('data-label', column);
    });
  }
}
