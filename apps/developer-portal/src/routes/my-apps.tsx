import { MyApps } from '../features/apps/my-apps';

export function MyAppsRoute() {
  return <MyApps />;
}
