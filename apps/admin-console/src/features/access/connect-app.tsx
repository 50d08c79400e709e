import { CREDENTIALS_MODE_LABEL, canConnectionDo, ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Banner,
  Button,
  CredentialsOnce,
  EmptyState,
  ExternalLink,
  messageFrom,
  QueryResult,
  ScopeList,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useRefreshConnections, useTenant } from './tenant-scope';

/** The Connect screen: the app and every scope it asks for, then Allow or Decline. */
export function ConnectApp() {
  const { tenantId, environment, base } = useTenant();
  const { appId = '' } = useParams();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const query = useQuery(trpc.connections.app.queryOptions({ tenantId, environment, appId }));
  const refresh = useRefreshConnections();
  // A refused Allow (e.g. the credentials setting changed meanwhile) reloads the screen so the admin reviews what is true now.
  const allow = useMutation(trpc.connections.allow.mutationOptions({ onSuccess: refresh, onError: refresh }));
  const decline = useMutation(
    trpc.connections.decline.mutationOptions({
      onSuccess: async () => {
        await refresh();
        navigate(base);
      },
    }),
  );

  const error = allow.error ?? decline.error;
  if (allow.data) {
    return (
      <>
        <h1>{allow.data.connection.appName} connected</h1>
        <Banner kind="success">
          <strong>{allow.data.connection.appName}</strong> is connected in {ENVIRONMENT_LABEL[environment]} on
          version {allow.data.connection.acceptedVersion}.
        </Banner>
        <p>
          Share these client credentials with the app's developer over a secure channel. They work only in{' '}
          {ENVIRONMENT_LABEL[environment]}.
        </p>
        <CredentialsOnce
          clientId={allow.data.clientId}
          clientSecret={allow.data.clientSecret}
          onDone={() => navigate(`${base}/connections/${allow.data.connection.id}`)}
        />
      </>
    );
  }
  return (
    <QueryResult
      query={query}
      loading="Loading app…"
      notFound={
        <EmptyState title="App not found">
          <Link to={`${base}/connect`}>Back to Connect New App</Link>
        </EmptyState>
      }
    >
      {(app) => {
        const alreadyConnected = app.connection && !canConnectionDo(app.connection.status, 'allow');
        return (
          <>
            <p>
              <Link to={`${base}/connect`}>← Connect New App</Link>
            </p>
            <h1>Connect {app.name}</h1>
            {error ? <Banner kind="error">{messageFrom(error)}</Banner> : null}
            {app.declined ? (
              <Banner kind="info">You declined this app before. You can still allow it.</Banner>
            ) : null}
            <div className="card">
              <dl className="dl">
                <dt>Application</dt>
                <dd>{app.name}</dd>
                <dt>Organization</dt>
                <dd>{app.organizationName}</dd>
                <dt>Home page URL</dt>
                <dd>
                  <ExternalLink href={app.homePageUrl} />
                </dd>
                <dt>Version</dt>
                <dd>Version {app.latestVersion}</dd>
                <dt>Environment</dt>
                <dd>{ENVIRONMENT_LABEL[environment]}</dd>
                <dt>Client credentials</dt>
                <dd data-testid="credentials-issuer">{CREDENTIALS_MODE_LABEL[app.credentialsIssuer]}</dd>
              </dl>
            </div>
            <div className="card">
              <h2>Requested scopes</h2>
              <p className="muted">
                If you allow, the app may do exactly this with {tenantId}'s data in{' '}
                {ENVIRONMENT_LABEL[environment]}. <span className="scope-modify">Modify</span> lets it change
                data.
              </p>
              <ScopeList scopes={app.scopes} />
            </div>
            {alreadyConnected ? (
              <Banner kind="info">
                This app is already connected here.{' '}
                <Link to={`${base}/connections/${app.connection!.id}`}>Open its connection</Link>.
              </Banner>
            ) : (
              <div className="actions">
                <Button
                  variant="primary"
                  busy={allow.isPending}
                  busyLabel="Allowing…"
                  disabled={decline.isPending}
                  onClick={() =>
                    allow.mutate({ tenantId, environment, appId, credentialsIssuer: app.credentialsIssuer })
                  }
                >
                  Allow
                </Button>
                {!app.declined ? (
                  <Button
                    busy={decline.isPending}
                    busyLabel="Declining…"
                    disabled={allow.isPending}
                    onClick={() => decline.mutate({ tenantId, environment, appId })}
                  >
                    Decline
                  </Button>
                ) : null}
              </div>
            )}
          </>
        );
      }}
    </QueryResult>
  );
}
