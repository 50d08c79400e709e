import { Route, Routes, useParams } from 'react-router';
import { AppOverview } from '../features/apps/app-overview';
import { AppPage } from '../features/apps/app-page';
import { EditDetails } from '../features/apps/edit-details';
import { EditScopes } from '../features/apps/edit-scopes';
import { FirstApiCall } from '../features/apps/first-api-call';
import { UsageReport } from '../features/apps/usage-report';
import { VersionHistory } from '../features/apps/version-history';
import { ViewConnections } from '../features/apps/view-connections';

export function AppRoute() {
  const { appId = '' } = useParams();
  return (
    <AppPage appId={appId}>
      {(app) => (
        <Routes>
          <Route index element={<AppOverview app={app} />} />
          <Route
            path="edit"
            element={
              <>
                <EditDetails app={app} />
                <EditScopes app={app} />
              </>
            }
          />
          <Route path="versions" element={<VersionHistory appId={app.id} />} />
          <Route path="connections" element={<ViewConnections app={app} />} />
          <Route path="usage" element={<UsageReport app={app} />} />
          <Route path="first-call" element={<FirstApiCall app={app} />} />
        </Routes>
      )}
    </AppPage>
  );
}
