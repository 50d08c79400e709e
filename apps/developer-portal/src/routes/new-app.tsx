import { NewApp } from '../features/apps/new-app';

export function NewAppRoute() {
  return <NewApp />;
}
