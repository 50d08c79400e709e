import { Route, Routes, useParams } from 'react-router';
import { AppPage } from '../features/apps/app-page';
import { AppOverview } from '../features/apps/app-overview';
import { EditScopes } from '../features/apps/edit-scopes';
import { VersionHistory } from '../features/apps/version-history';
import { ViewConnections } from '../features/apps/view-connections';

export function AppRoute() {
  const { appId = '' } = useParams();
  return (
    <AppPage appId={appId}>
      {(app) => (
        <Routes>
          <Route index element={<AppOverview app={app} />} />
          <Route path="edit" element={<EditScopes app={app} />} />
          <Route path="versions" element={<VersionHistory appId={app.id} />} />
          <Route path="connections" element={<ViewConnections app={app} />} />
        </Routes>
      )}
    </AppPage>
  );
}
