import { Banner, Button, messageFrom, useTRPC } from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import SwaggerUI, { type SwaggerSystem } from 'swagger-ui-react';
import 'swagger-ui-react/swagger-ui.css';
import './api-reference.css';

/** The environment Try it calls: the sandbox, never live data. */
const DOCUMENT_URL = '/integration/openapi.json';
/** The apps offered for Try it: the newest ones, as many as a page of apps holds. */
const APPS_OFFERED = 100;

/**
 * In place of Swagger UI's server drop-down, which has no accessible name and offers one choice only: the
 * environment Try it calls, said plainly.
 */
function IntegrationServer() {
  return (
    <p className="reference-server">
      Requests go to <code>/integration</code>, the Integration environment.
    </p>
  );
}
const PLUGINS = [{ components: { ServersContainer: IntegrationServer } }];

const timeOf = (date: Date) => date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The API reference: the integration environment's OpenAPI document (made by the server from the routes'
 * own schemas) in Swagger UI, each operation with the scope it needs. Try it sends real requests to the
 * integration environment with the chosen app's key filled in, and an access token the developer pastes
 * or gets here for one of the app's developer-managed connections.
 */
export function ApiReference() {
  const trpc = useTRPC();
  const ids = useId();
  const [appId, setAppId] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [token, setToken] = useState('');
  const [system, setSystem] = useState<SwaggerSystem | null>(null);
  const apps = useQuery(trpc.apps.list.queryOptions({ limit: APPS_OFFERED }));
  const app = useQuery({ ...trpc.apps.get.queryOptions({ appId }), enabled: appId !== '' });
  const connections = useQuery({
    ...trpc.apps.connections.queryOptions({ appId, limit: 100 }),
    enabled: appId !== '',
  });
  const ownConnections = (connections.data?.items ?? []).filter(
    (row) =>
      row.environment === 'integration' && row.state === 'connected' && row.credentialsIssuer === 'developer',
  );
  const issue = useMutation(
    trpc.apps.integrationToken.mutationOptions({ onSuccess: (issued) => setToken(issued.accessToken) }),
  );
  const appKey = app.data?.id === appId ? app.data.appKey : '';

  useEffect(() => {
    if (system && appKey) system.preauthorizeApiKey('appKey', appKey);
  }, [system, appKey]);
  useEffect(() => {
    if (system && token) system.preauthorizeApiKey('accessToken', token);
  }, [system, token]);

  const chooseApp = (id: string) => {
    setAppId(id);
    setTenantId('');
    issue.reset();
  };

  return (
    <>
      <h1>API Reference</h1>
      <p className="muted">
        Every operation of the OAuth endpoints and the resource API, with the scope it needs. Try it sends
        real requests to the <strong>Integration</strong> environment (the sandbox).
      </p>
      <section className="card reference-try" aria-labelledby={`${ids}-try`}>
        <h2 id={`${ids}-try`}>Try it with your app</h2>
        <div className="reference-fields">
          <div className="field">
            <label htmlFor={`${ids}-app`}>App</label>
            <select id={`${ids}-app`} value={appId} onChange={(e) => chooseApp(e.target.value)}>
              <option value="">Choose an app</option>
              {(apps.data?.items ?? []).map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-tenant`}>Developer-managed connection</label>
            <select
              id={`${ids}-tenant`}
              value={tenantId}
              disabled={ownConnections.length === 0}
              onChange={(e) => setTenantId(e.target.value)}
            >
              <option value="">
                {appId && connections.isSuccess && ownConnections.length === 0
                  ? 'None in Integration'
                  : 'Choose a tenant'}
              </option>
              {ownConnections.map((row) => (
                <option key={row.tenantId} value={row.tenantId}>
                  {row.tenantId}
                  {row.tenantName ? ` ${row.tenantName}` : ''}
                </option>
              ))}
            </select>
          </div>
          <Button
            variant="primary"
            disabled={!tenantId}
            busy={issue.isPending}
            onClick={() => issue.mutate({ appId, tenantId })}
          >
            Get token
          </Button>
        </div>
        {issue.isError ? <Banner kind="error">{messageFrom(issue.error)}</Banner> : null}
        {issue.data ? (
          <Banner kind="success">
            Token for tenant {tenantId} filled in, valid until {timeOf(issue.data.expiresAt)}: scopes{' '}
            {issue.data.scope || 'none'}.
          </Banner>
        ) : null}
        <div className="field">
          <label htmlFor={`${ids}-token`}>Access token</label>
          <input
            id={`${ids}-token`}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="Paste a token from /integration/connect/token, or get one above"
            value={token}
            onChange={(e) => setToken(e.target.value.trim())}
          />
        </div>
        <p className="muted">
          {appKey ? (
            <>
              App key <code>{appKey}</code> filled in as <code>ST-App-Key</code>.
            </>
          ) : (
            'Choose an app to fill in its app key.'
          )}{' '}
          Only connections whose client secret you generate can give a token here; for the others, ask the
          token endpoint with the tenant admin's credentials and paste the token.
        </p>
      </section>
      <div className="reference-doc">
        <SwaggerUI
          url={DOCUMENT_URL}
          docExpansion="list"
          defaultModelsExpandDepth={-1}
          displayRequestDuration
          deepLinking={false}
          plugins={PLUGINS}
          onComplete={setSystem}
        />
      </div>
    </>
  );
}
