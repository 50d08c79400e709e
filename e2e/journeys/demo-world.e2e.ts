import { seedWorld } from '@gatehouse/server/seed/world';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  dialects,
  GLENDALE,
  openBrowser,
  type RunningApp,
  SOON,
  SUMMIT,
  screenshot,
  signIn,
  startApp,
} from '../harness';

/** Every demo user's first look at the seeded world: each screen shows its data, none its empty state. */
describe.each(dialects)('the demo world, screen by screen (%s)', (dialect) => {
  let app: RunningApp;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    app = await startApp(dialect);
    await seedWorld(app.t.db);
  });
  // Each journey's browsers close when it ends: a few Chromium profiles at once are all a small machine takes.
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => app?.close());

  /** A page signed in as `email` in a browser profile of its own, at `at`. */
  async function pageOf(email: string, at: string): Promise<Page> {
    const browser = await openBrowser();
    closers.push(() => browser.close());
    const page = await browser.newPage();
    await signIn(page, app.url, email, at);
    return page;
  }

  const row = (page: Page, name: string) => page.getByRole('row').filter({ hasText: name });

  it("shows the developer Acme's apps, their versions, connections, usage and history", async () => {
    const dev = await pageOf('dev@gatehouse.test', '/');
    await dev.getByRole('heading', { name: 'My Apps' }).waitFor();
    await row(dev, 'Customer Portal Connector').getByText('Pending review').waitFor();
    await row(dev, 'Field Invoice Sync').getByText('Approved').waitFor();
    await row(dev, 'Field Invoice Sync').getByText('Version 3').waitFor();
    for (const name of ['Crew Scheduler', 'Warranty Lookup', 'Tech Timesheets'])
      await row(dev, name).waitFor();
    await expect(dev.getByRole('heading', { name: 'No apps yet' }).count()).resolves.toBe(0);
    await dev.getByRole('button', { name: /Notifications, 2 unread/ }).waitFor();
    await screenshot(dev, `${dialect}-world-my-apps`);
    await checkAccessible(dev, 'world-my-apps', dialect);

    await dev.getByRole('link', { name: 'Field Invoice Sync' }).click();
    await dev.getByRole('heading', { name: 'Current scopes (version 3)' }).waitFor();
    await dev.getByText('Scopes used in the last 30 days').waitFor();
    await screenshot(dev, `${dialect}-world-app`);
    await checkAccessible(dev, 'world-app', dialect);
    await dev.getByRole('link', { name: 'Version history' }).click();
    for (const n of [3, 2, 1]) await dev.getByRole('heading', { name: `Version ${n}` }).waitFor();

    await dev.getByRole('link', { name: '← My Apps' }).click();
    await dev.getByRole('link', { name: 'Crew Scheduler' }).click();
    await dev.getByRole('link', { name: 'View Connections' }).click();
    for (const key of [`${GLENDALE}:production`, `${GLENDALE}:integration`, `${SUMMIT}:production`])
      await dev.getByTestId(`connection-${key}`).getByText('Connected').waitFor();
    await screenshot(dev, `${dialect}-world-connections`);
    await checkAccessible(dev, 'world-connections', dialect);

    await dev.getByRole('link', { name: 'API Usage Report' }).click();
    await expect
      .poll(() => dev.getByTestId('usage-totals').textContent())
      .toMatch(/^\d{4,} calls in the last 30 days: .* client errors .* throttled .* server errors/);
    await dev.locator('.usage-chart .recharts-bar-rectangle').first().waitFor();
    const log = dev.getByRole('region', { name: 'Request log' });
    await expect.poll(() => log.getByRole('table').locator('tbody tr').count(), SOON).toBe(50);
    await screenshot(dev, `${dialect}-world-usage`);
    await checkAccessible(dev, 'world-usage', dialect);

    await dev.getByRole('link', { name: 'Audit trail' }).first().click();
    await dev.getByText('app.version_created').first().waitFor();
    await dev.getByText('app.approved').first().waitFor();
  });

  it("shows Glendale's admin connected, upgraded, paused and declined apps, with their calls and history", async () => {
    const admin = await pageOf('admin@gatehouse.test', `/admin/${GLENDALE}/production`);
    await row(admin, 'Crew Scheduler').getByText('Connected').waitFor();
    await row(admin, 'Field Invoice Sync').getByText('Version 3').waitFor();
    await row(admin, 'Warranty Lookup').getByText('Disabled').waitFor();
    await row(admin, 'Route Planner Pro').getByText('Declined').waitFor();
    await screenshot(admin, `${dialect}-world-admin-access`);
    await checkAccessible(admin, 'world-admin-access', dialect);

    await admin.getByRole('link', { name: 'Crew Scheduler' }).click();
    await admin.getByRole('heading', { name: 'Scopes in play (version 1)' }).waitFor();
    await admin.getByRole('link', { name: 'Requests' }).click();
    const rows = admin.getByRole('region', { name: 'Request log' }).getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count(), SOON).toBe(50);
    await screenshot(admin, `${dialect}-world-admin-requests`);
    await checkAccessible(admin, 'world-admin-requests', dialect);

    await admin.goto(`${app.url}/admin/${GLENDALE}/production`);
    await admin.getByRole('link', { name: 'Warranty Lookup' }).click();
    await admin.getByRole('button', { name: 'Restore' }).waitFor();

    await admin.getByRole('link', { name: 'Audit trail' }).first().click();
    for (const action of ['connection.disabled', 'connection.upgraded', 'connection.declined'])
      await admin.getByText(action, { exact: true }).first().waitFor();
  });

  it("shows Summit's admin a new version to upgrade to and an app waiting to connect", async () => {
    const admin2 = await pageOf('admin2@gatehouse.test', `/admin/${SUMMIT}/production`);
    await row(admin2, 'Field Invoice Sync').getByText('New Version Available').waitFor();
    await row(admin2, 'Route Planner Pro').getByText('Connected').waitFor();
    await admin2.getByRole('link', { name: 'Field Invoice Sync' }).click();
    await admin2.getByRole('heading', { name: 'Upgrade to New Version' }).waitFor();
    await admin2.getByText('tn.acc.invoices:w').waitFor();
    await screenshot(admin2, `${dialect}-world-admin-upgrade`);
    await checkAccessible(admin2, 'world-admin-upgrade', dialect);
    await admin2.goto(`${app.url}/admin/${SUMMIT}/production/connect`);
    await admin2.getByRole('link', { name: 'Connect Tech Timesheets' }).waitFor();
  });

  it('shows the reviewer the app waiting for review', async () => {
    const reviewer = await pageOf('reviewer@gatehouse.test', '/admin/review');
    await reviewer.getByRole('heading', { name: 'Customer Portal Connector' }).waitFor();
    await reviewer.getByText('waiting 2 days').waitFor();
    await screenshot(reviewer, `${dialect}-world-review-queue`);
    await checkAccessible(reviewer, 'world-review-queue', dialect);
  });

  it("still walks the README's first API call from a fresh app", async () => {
    const dev = await pageOf('dev@gatehouse.test', '/apps/new');
    await dev.getByLabel('Application name').fill('My First App');
    await dev.getByLabel('Home page URL').fill('https://acme-field.example/first');
    await dev.getByRole('textbox', { name: 'Tenant ID' }).fill(GLENDALE);
    await dev.getByRole('button', { name: 'Add Tenant ID' }).click();
    await dev.getByLabel('Search API scopes').fill('customers');
    await dev.getByLabel('CRM Customers View').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText('My First App is registered.').waitFor();
    await dev.getByRole('button', { name: 'Reveal' }).click();
    const appKey = (await dev.getByLabel('App key', { exact: true }).textContent()) ?? '';
    expect(appKey).toMatch(/^ghak_/);

    const admin = await pageOf('admin@gatehouse.test', '/admin/');
    await admin.getByRole('heading', { name: 'API Application Access' }).waitFor();
    await admin.getByRole('link', { name: 'Connect New App' }).first().click();
    await admin.getByRole('link', { name: 'Connect My First App' }).click();
    await admin.getByRole('button', { name: 'Allow' }).click();
    const clientId = (await admin.getByTestId('client-id').textContent()) ?? '';
    const clientSecret = (await admin.getByTestId('client-secret').textContent()) ?? '';

    const token = await fetch(`${app.url}/integration/connect/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const customers = await fetch(
      `${app.url}/integration/api/crm/v2/tenant/${GLENDALE}/customers?pageSize=5`,
      {
        headers: { authorization: `Bearer ${token.access_token}`, 'ST-App-Key': appKey },
      },
    );
    expect(customers.status).toBe(200);
    expect(((await customers.json()) as { data: unknown[] }).data).toHaveLength(5);
  });
});
