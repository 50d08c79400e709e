import { ClientSecret } from '@gatehouse/server/db/entities';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  developerAndAdminPages,
  dialects,
  openBrowser,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from '../harness';

describe.each(dialects)('tenant admin connects an app and upgrades it (%s)', (dialect) => {
  let app: RunningApp;
  let browsers: Awaited<ReturnType<typeof developerAndAdminPages>>;
  let dev: Page;
  let admin: Page;
  let appUrl = '';
  let connectionUrl = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    browsers = await developerAndAdminPages();
    ({ dev, admin } = browsers);
  });
  afterAll(async () => {
    await browsers?.close();
    await app?.close();
  });

  it('the developer creates an app listing tenant 985798691', async () => {
    await signIn(dev, app.url, 'dev@gatehouse.test', '/apps/new');
    await dev.getByLabel('Application name').fill('Crew Scheduler');
    await dev.getByLabel('Home page URL').fill('https://crew.example');
    await dev.getByRole('textbox', { name: 'Tenant ID' }).fill('985798691');
    await dev.getByRole('button', { name: 'Add Tenant ID' }).click();
    await dev.getByLabel('Search API scopes').fill('customers');
    await dev.getByLabel('CRM Customers View').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText('Crew Scheduler is registered.').waitFor();
    appUrl = dev.url().split('?')[0]!;
  });

  it('the admin connects it in Integration and sees the credentials once', async () => {
    await signIn(admin, app.url, 'admin@gatehouse.test', '/admin/');
    await admin.getByRole('heading', { name: 'API Application Access' }).waitFor();
    await admin.getByRole('heading', { name: 'No apps in Integration yet' }).waitFor();
    await admin.getByRole('link', { name: 'Connect New App' }).first().click();
    await admin.getByRole('link', { name: 'Connect Crew Scheduler' }).click();
    await admin.getByRole('heading', { name: 'Connect Crew Scheduler' }).waitFor();
    await admin.getByText('Customers — View').waitFor();
    await admin.getByText('https://crew.example').waitFor();
    await screenshot(admin, `${dialect}-admin-connect`);
    await checkAccessible(admin, 'admin-connect', dialect);
    await admin.getByRole('button', { name: 'Allow' }).click();
    await admin.getByText('It will not be shown again').waitFor();
    const clientId = await admin.getByTestId('client-id').textContent();
    const secret = (await admin.getByTestId('client-secret').textContent()) ?? '';
    expect(clientId).toMatch(/^ghc_/);
    expect(secret).toMatch(/^ghcs_[A-Za-z0-9_-]{54}$/);
    await screenshot(admin, `${dialect}-admin-credentials`);
    await checkAccessible(admin, 'admin-credentials', dialect);
    await admin.getByRole('button', { name: 'I have stored the secret' }).click();
    await admin.getByRole('heading', { name: 'Crew Scheduler' }).waitFor();
    connectionUrl = admin.url();
    await expect(admin.getByText(secret).count()).resolves.toBe(0);
    await admin.reload();
    await admin.getByRole('heading', { name: 'Scopes in play (version 1)' }).waitFor();
    await expect(admin.content()).resolves.not.toContain(secret);
    const stored = await app.t.db.em().find(ClientSecret, {});
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('View Connections shows Connected on version 1 in Integration only', async () => {
    await dev.goto(`${appUrl}/connections`);
    const integration = dev.getByTestId('connection-985798691:integration');
    await integration.getByText('Connected').waitFor();
    await integration.getByText('Version 1').waitFor();
    await dev.getByTestId('connection-985798691:production').getByText('Not Connected Yet').waitFor();
  });

  it('the developer saves version 2; the admin sees New Version Available, reviews the diff and upgrades', async () => {
    await dev.goto(`${appUrl}/edit`);
    await dev.getByLabel('CRM Customers Modify').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText('Saved as version 2').waitFor();
    await dev.goto(`${appUrl}/connections`);
    await dev.getByTestId('connection-985798691:integration').getByText('Version 1').waitFor();

    await admin.goto(`${app.url}/admin/`);
    const row = admin.getByRole('row', { name: /Crew Scheduler/ });
    await row.getByText('New Version Available').waitFor();
    await row.getByRole('link', { name: 'Crew Scheduler' }).click();
    const panel = admin.getByRole('region', { name: 'Upgrade to New Version' });
    await panel.locator('.scope-added').getByText('CRM · Customers · Modify').waitFor();
    await screenshot(admin, `${dialect}-admin-upgrade`);
    await checkAccessible(admin, 'admin-upgrade', dialect);
    await panel.getByRole('button', { name: 'Allow' }).click();
    await admin.getByRole('heading', { name: 'Scopes in play (version 2)' }).waitFor();
    await expect(admin.getByText('New Version Available').count()).resolves.toBe(0);

    await dev.reload();
    await dev.getByTestId('connection-985798691:integration').getByText('Version 2').waitFor();
  });

  it('the admin disables and restores the app', async () => {
    await admin.goto(connectionUrl);
    await admin.getByRole('button', { name: 'Disable' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Confirm and Continue' }).click();
    await admin.getByRole('button', { name: 'Restore' }).waitFor();
    await dev.reload();
    await dev.getByTestId('connection-985798691:integration').getByText('Disabled').waitFor();
    await admin.getByRole('button', { name: 'Restore' }).click();
    await admin.getByRole('button', { name: 'Disable' }).waitFor();
    await dev.reload();
    await dev.getByTestId('connection-985798691:integration').getByText('Connected').waitFor();
    await screenshot(admin, `${dialect}-admin-connection`);
    await checkAccessible(admin, 'admin-connection', dialect);
  });

  it('admin2 never sees that connection', async () => {
    const other = await openBrowser();
    try {
      const page = await other.newPage();
      await signIn(page, app.url, 'admin2@gatehouse.test', '/admin/');
      await page.getByRole('heading', { name: 'No apps in Integration yet' }).waitFor();
      await page.getByRole('link', { name: 'Connect New App' }).first().click();
      await page.getByRole('heading', { name: 'No apps to connect' }).waitFor();
      await page.goto(connectionUrl);
      await page.getByRole('heading', { name: 'Tenant not found' }).waitFor();
      await page.goto(connectionUrl.replace('/985798691/', '/100200300/'));
      await page.getByRole('heading', { name: 'Connection not found' }).waitFor();
      await expect(page.getByText('Crew Scheduler').count()).resolves.toBe(0);
    } finally {
      await other.close();
    }
  });
});
