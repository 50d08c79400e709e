import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  dialects,
  openBrowser,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from '../harness';

describe.each(dialects)('a public app goes through review (%s)', (dialect) => {
  let app: RunningApp;
  const contexts: BrowserContext[] = [];
  let dev: Page;
  let admin: Page;
  let reviewer: Page;
  let appUrl = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    for (let i = 0; i < 3; i++) contexts.push(await openBrowser());
    [dev, admin, reviewer] = (await Promise.all(contexts.map((c) => c.newPage()))) as [Page, Page, Page];
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await app?.close();
  });

  it('the developer creates a public app; it waits for review', async () => {
    await signIn(dev, app.url, 'dev@gatehouse.test', '/apps/new');
    await dev.getByLabel('Application name').fill('Fleet Tracker');
    await dev.getByLabel('Home page URL').fill('https://example.com/todo');
    await dev.getByRole('textbox', { name: 'Tenant ID' }).fill('985798691');
    await dev.getByRole('button', { name: 'Add Tenant ID' }).click();
    await dev.getByLabel('Public App').check();
    await dev.getByLabel('Search API scopes').fill('technicians');
    await dev.getByLabel('Settings Technicians View').check();
    await dev.getByLabel('Settings Technicians Modify').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText('Fleet Tracker is registered.').waitFor();
    await dev.getByText('Tenants cannot see this Public App until a reviewer approves it').waitFor();
    appUrl = dev.url().split('?')[0]!;
    await dev.getByRole('link', { name: 'My Apps' }).first().click();
    await dev
      .getByRole('row', { name: /Fleet Tracker/ })
      .getByText('Pending review')
      .waitFor();
  });

  it('the tenant admin cannot find it', async () => {
    await signIn(admin, app.url, 'admin@gatehouse.test', '/admin/985798691/integration/connect');
    await admin.getByRole('heading', { name: 'No apps to connect' }).waitFor();
    const appId = appUrl.split('/').pop();
    await admin.goto(`${app.url}/admin/985798691/integration/connect/${appId}`);
    await admin.getByRole('heading', { name: 'App not found' }).waitFor();
  });

  it('the reviewer rejects it with a reason', async () => {
    await signIn(reviewer, app.url, 'reviewer@gatehouse.test', '/admin/review');
    const entry = reviewer.getByRole('listitem', { name: 'Fleet Tracker' });
    await entry.locator('.scope-modify').getByText('Settings · Technicians').waitFor();
    await entry.getByText('985798691').waitFor();
    await screenshot(reviewer, `${dialect}-review-queue`);
    await checkAccessible(reviewer, 'review-queue', dialect);
    await entry.getByRole('button', { name: 'Reject…' }).click();
    await entry.getByRole('button', { name: 'Reject', exact: true }).click();
    await entry.getByText('at least 3 characters').waitFor();
    await entry
      .getByLabel('Reason for the developer')
      .fill('The home page URL is a placeholder; link your real site.');
    await entry.getByRole('button', { name: 'Reject', exact: true }).click();
    await reviewer.getByRole('heading', { name: 'Nothing to review' }).waitFor();
  });

  it('the developer sees the reason, edits and resubmits', async () => {
    await dev.goto(appUrl);
    await expect(dev.getByTestId('review-reason').textContent()).resolves.toBe(
      'The home page URL is a placeholder; link your real site.',
    );
    await dev.getByRole('button', { name: /Notifications, 1 unread/ }).click();
    await dev
      .getByRole('region', { name: 'Notifications' })
      .getByText('Fleet Tracker was rejected')
      .waitFor();
    await dev.getByRole('button', { name: 'Mark all read' }).click();
    await dev.getByRole('button', { name: /Notifications, 0 unread/ }).waitFor();
    await dev.keyboard.press('Escape');
    await dev.getByRole('link', { name: 'Edit', exact: true }).click();
    await dev.getByLabel('Home page URL').fill('https://fleet.example');
    await dev.getByRole('button', { name: 'Save details' }).click();
    await dev.getByText('Details saved.').waitFor();
    await screenshot(dev, `${dialect}-rejected-app`);
    await checkAccessible(dev, 'rejected-app', dialect);
    await dev.getByRole('button', { name: 'Resubmit' }).click();
    await dev.getByText('Pending review').first().waitFor();
  });

  it('the reviewer approves it and the admin finds and connects it', async () => {
    await reviewer.reload();
    const entry = reviewer.getByRole('listitem', { name: 'Fleet Tracker' });
    await entry.getByText('https://fleet.example').waitFor();
    await entry.getByRole('button', { name: 'Approve' }).click();
    await reviewer.getByRole('heading', { name: 'Nothing to review' }).waitFor();

    await admin.goto(`${app.url}/admin/985798691/integration/connect`);
    await admin.getByRole('link', { name: 'Connect Fleet Tracker' }).click();
    await admin.getByRole('button', { name: 'Allow' }).click();
    await admin.getByTestId('client-secret').waitFor();

    await dev.reload();
    await expect(dev.getByText('Pending review').count()).resolves.toBe(0);
    await dev.getByRole('button', { name: /Notifications, 1 unread/ }).click();
    await dev
      .getByRole('region', { name: 'Notifications' })
      .getByText('Fleet Tracker was approved')
      .waitFor();
  });

  it('the developer renames the approved app; tenants keep the approved identity until a reviewer approves the change', async () => {
    await dev.goto(appUrl);
    await dev.getByRole('link', { name: 'Edit', exact: true }).click();
    await dev.getByLabel('Application name').fill('Fleet Tracker Pro');
    await dev.getByLabel('Home page URL').fill('https://fleet-pro.example');
    await dev.getByText('Tenants keep seeing Fleet Tracker until a reviewer approves it.').waitFor();
    await dev.getByRole('button', { name: 'Save details' }).click();
    await dev.getByText('Details saved.').waitFor();
    await expect(dev.getByTestId('listed-identity-notice').textContent()).resolves.toContain(
      'Tenants still see Fleet Tracker · https://fleet.example until a reviewer approves',
    );
    await screenshot(dev, `${dialect}-identity-change-pending`);
    await checkAccessible(dev, 'identity-change-pending', dialect);

    await admin.goto(`${app.url}/admin/985798691/integration`);
    await admin.getByRole('link', { name: 'Fleet Tracker', exact: true }).waitFor();
    await expect(admin.getByText('Fleet Tracker Pro').count()).resolves.toBe(0);
    await admin.goto(`${app.url}/admin/985798691/production/connect`);
    await admin.getByRole('link', { name: 'Connect Fleet Tracker', exact: true }).waitFor();
    await expect(admin.getByText('fleet-pro.example').count()).resolves.toBe(0);

    await reviewer.goto(`${app.url}/admin/review`);
    const entry = reviewer.getByRole('listitem', { name: 'Fleet Tracker Pro' });
    const change = entry.getByTestId('identity-change');
    await change.getByText('Tenants see: Fleet Tracker → Proposed: Fleet Tracker Pro').waitFor();
    await change
      .getByText('Tenants see: https://fleet.example → Proposed: https://fleet-pro.example')
      .waitFor();
    await screenshot(reviewer, `${dialect}-review-queue-identity-change`);
    await checkAccessible(reviewer, 'review-queue-identity-change', dialect);
    await entry.getByRole('button', { name: 'Approve' }).click();
    await reviewer.getByRole('heading', { name: 'Nothing to review' }).waitFor();

    await admin.reload();
    await admin.getByRole('link', { name: 'Connect Fleet Tracker Pro', exact: true }).waitFor();
    await admin.goto(`${app.url}/admin/985798691/integration`);
    await admin.getByRole('link', { name: 'Fleet Tracker Pro', exact: true }).waitFor();
    await dev.reload();
    await expect(dev.getByTestId('listed-identity-notice').count()).resolves.toBe(0);
  });

  it('the reviewer reads the trail of it all and exports it', async () => {
    await reviewer.goto(`${app.url}/admin/review/audit`);
    await reviewer.getByLabel('Action').fill('app.');
    await reviewer.getByRole('button', { name: 'Apply filters' }).click();
    // Approved twice: the app, then its new name and home page.
    await expect.poll(() => reviewer.getByRole('cell', { name: 'app.approved' }).count()).toBe(2);
    await reviewer.getByRole('cell', { name: 'app.rejected' }).waitFor();
    const [download] = await Promise.all([
      reviewer.waitForEvent('download'),
      reviewer.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^gatehouse-audit-.*\.csv$/);
    await screenshot(reviewer, `${dialect}-audit-trail`);
    await checkAccessible(reviewer, 'audit-trail', dialect);
  });
});
