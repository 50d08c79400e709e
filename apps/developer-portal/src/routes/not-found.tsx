import { EmptyState } from '@gatehouse/ui';
import { Link } from 'react-router';

export function NotFoundRoute() {
  return (
    <EmptyState title="Page not found">
      <p>
        <Link to="/">Back to My Apps</Link>
      </p>
    </EmptyState>
  );
}
