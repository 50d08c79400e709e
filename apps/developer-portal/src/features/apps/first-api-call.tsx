import {
  ENVIRONMENT_LABEL,
  ENVIRONMENTS,
  type Environment,
  resourcePath,
  scopeInfo,
} from '@gatehouse/domain';
import { CopyButton } from '@gatehouse/ui';
import { useApp } from './app-page';

/** Ready-to-paste curl commands for this deployment, this app's key and one of its scopes. */
export function FirstApiCall() {
  const app = useApp();
  const origin = window.location.origin;
  const tenant = app.firstTenantId ?? '<TENANT_ID>';
  const readable = app.scopes.map(scopeInfo).find((info) => info?.access === 'r');
  const path = readable
    ? resourcePath(readable.area.path, tenant, readable.resource.path)
    : resourcePath('crm', tenant, 'customers');
  return (
    <>
      <p>
        Your tenant's admin gives you a <strong>Client ID</strong> and <strong>Client Secret</strong> when
        they allow the app
        {app.credentialsMode === 'developer'
          ? ' (for connections allowed in your credentials mode, you generate the secret on View Connections)'
          : ''}
        . Trade them for a 15-minute access token, then call the API with the token and your app key.
        Integration is the sandbox; production is live data.
      </p>
      <p>
        In one shell, set <code>CLIENT_ID</code> and <code>CLIENT_SECRET</code> to your credentials, then run
        step 1 (it keeps the token in <code>ACCESS_TOKEN</code>) and step 2.
      </p>
      {ENVIRONMENTS.map((env: Environment) => {
        const token = `ACCESS_TOKEN=$(curl -s -X POST ${origin}/${env}/connect/token \\\n  -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \\\n  | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`;
        const call = `curl -s "${origin}/${env}/api/${path}?pageSize=5" \\\n  -H "Authorization: Bearer $ACCESS_TOKEN" \\\n  -H "ST-App-Key: ${app.appKey}"`;
        return (
          <section className="card" key={env} aria-labelledby={`first-call-${env}`}>
            <h2 id={`first-call-${env}`}>{ENVIRONMENT_LABEL[env]}</h2>
            <h3>1. Get an access token</h3>
            <pre className="code" data-testid={`curl-token-${env}`}>
              {token}
            </pre>
            <CopyButton value={token} label="Copy token command" />
            <h3 style={{ marginTop: '1rem' }}>2. Call the API</h3>
            <pre className="code" data-testid={`curl-call-${env}`}>
              {call}
            </pre>
            <CopyButton value={call} label="Copy API call" />
          </section>
        );
      })}
      <p className="muted">
        Each call needs a scope the tenant accepted; lists are paged (<code>page</code>, <code>pageSize</code>{' '}
        up to 500). The limit is 60 calls per second per tenant; over it you get 429 with{' '}
        <code>Retry-After</code>.
      </p>
    </>
  );
}
