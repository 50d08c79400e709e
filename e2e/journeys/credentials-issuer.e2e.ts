import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  developerAndAdminPages,
  dialects,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from '../harness';

const TENANT = '985798691';
const ADMIN_ISSUES = 'Tenant admin issues the client credentials';
const DEVELOPER_GENERATES = 'Developer generates the client credentials';

describe.each(dialects)('who issues a connection’s credentials (%s)', (dialect) => {
  let app: RunningApp;
  let browsers: Awaited<ReturnType<typeof developerAndAdminPages>>;
  let dev: Page;
  let admin: Page;
  let appUrl = '';
  let appId = '';
  let integrationUrl = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    browsers = await developerAndAdminPages();
    ({ dev, admin } = browsers);
  });
  afterAll(async () => {
    await browsers?.close();
    await app?.close();
  });

  /**
   * The admin reads on the consent screen who will issue the credentials (`shown`), allows the app in
   * `environment` and dismisses the credentials shown once; returns the connection page's address.
   */
  async function allow(environment: 'integration' | 'production', shown: string): Promise<string> {
    await admin.goto(`${app.url}/admin/${TENANT}/${environment}/connect/${appId}`);
    await admin.getByRole('heading', { name: 'Connect Route Planner' }).waitFor();
    await expect(admin.getByTestId('credentials-issuer').textContent()).resolves.toBe(shown);
    await admin.getByRole('button', { name: 'Allow' }).click();
    await admin.getByText('It will not be shown again').waitFor();
    await admin.getByRole('button', { name: 'I have stored the secret' }).click();
    await admin.getByRole('heading', { name: 'Route Planner' }).waitFor();
    return admin.url();
  }

  it('the developer registers an app whose credentials the tenant admin issues', async () => {
    await signIn(dev, app.url, 'dev@gatehouse.test', '/apps/new');
    await dev.getByLabel('Application name').fill('Route Planner');
    await dev.getByLabel('Home page URL').fill('https://routes.example');
    await dev.getByRole('textbox', { name: 'Tenant ID' }).fill(TENANT);
    await dev.getByRole('button', { name: 'Add Tenant ID' }).click();
    await dev.getByLabel('Search API scopes').fill('customers');
    await dev.getByLabel('CRM Customers View').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText('Route Planner is registered.').waitFor();
    appUrl = dev.url().split('?')[0]!;
    appId = appUrl.split('/apps/')[1]!.split('/')[0]!;
  });

  it('the admin allows it in Integration: the connection page says the tenant admin issues it, and who created the secret', async () => {
    await signIn(admin, app.url, 'admin@gatehouse.test', '/admin/');
    integrationUrl = await allow('integration', ADMIN_ISSUES);
    await expect(admin.getByTestId('credentials-issuer').textContent()).resolves.toBe(ADMIN_ISSUES);
    const secrets = admin.getByRole('table', { name: 'Client secrets' });
    await expect(secrets.getByRole('columnheader', { name: 'Created by' }).count()).resolves.toBe(1);
    await expect(secrets.getByRole('row').filter({ hasText: 'admin@gatehouse.test' }).count()).resolves.toBe(
      1,
    );
  });

  it('the developer switches the app to developer-generated credentials: the existing connection stays the admin’s', async () => {
    await dev.goto(`${appUrl}/edit`);
    await dev.getByText('Applies to new connections only').waitFor();
    await dev.getByLabel(DEVELOPER_GENERATES).check();
    await dev.getByRole('button', { name: 'Save details' }).click();
    await dev.getByText('Details saved.').waitFor();
    await dev.goto(`${appUrl}/connections`);
    const integration = dev.getByTestId(`connection-${TENANT}:integration`);
    await integration.getByText(ADMIN_ISSUES).waitFor();
    await expect(integration.getByRole('button', { name: /Generate/ }).count()).resolves.toBe(0);
  });

  it('a connection allowed after the switch is the developer’s: they generate its secret, and the admin sees both creators', async () => {
    const productionUrl = await allow('production', DEVELOPER_GENERATES);
    await expect(admin.getByTestId('credentials-issuer').textContent()).resolves.toContain(
      DEVELOPER_GENERATES,
    );

    await dev.reload();
    const production = dev.getByTestId(`connection-${TENANT}:production`);
    await production.getByText(DEVELOPER_GENERATES).waitFor();
    await screenshot(dev, `${dialect}-issuer-view-connections`);
    await checkAccessible(dev, 'issuer-view-connections', dialect);
    await production.getByRole('button', { name: /Generate/ }).click();
    await dev.getByText('It will not be shown again').waitFor();
    await dev.getByRole('button', { name: 'I have stored the secret' }).click();

    await admin.goto(productionUrl);
    const secrets = admin.getByRole('table', { name: 'Client secrets' });
    await secrets.getByRole('row').filter({ hasText: 'dev@gatehouse.test' }).waitFor();
    await expect(secrets.getByRole('row').filter({ hasText: 'admin@gatehouse.test' }).count()).resolves.toBe(
      1,
    );
    await screenshot(admin, `${dialect}-issuer-developer-connection`);
    await checkAccessible(admin, 'issuer-developer-connection', dialect);

    // The admin's Integration connection is untouched: one secret, theirs, still active.
    await admin.goto(integrationUrl);
    await expect(admin.getByTestId('credentials-issuer').textContent()).resolves.toBe(ADMIN_ISSUES);
    const integrationSecrets = admin.getByRole('table', { name: 'Client secrets' }).getByRole('row');
    await expect(integrationSecrets.count()).resolves.toBe(2);
    await integrationSecrets.filter({ hasText: 'admin@gatehouse.test' }).getByText('Active').waitFor();
    await screenshot(admin, `${dialect}-issuer-admin-connection`);
    await checkAccessible(admin, 'issuer-admin-connection', dialect);
  });
});
