import { Link } from 'react-router';
import { EmptyState } from '@gatehouse/ui';

export function NotFoundRoute() {
  return (
    <EmptyState title="Page not found">
      <p><Link to="/">Back to My Apps</Link></p>
    </EmptyState>
  );
}
