import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  dialects,
  openBrowser,
  type RunningApp,
  SOON,
  screenshot,
  signIn,
  startApp,
  typeSearch,
} from '../harness';

const base = {
  homePageUrl: 'https://acme.example',
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};
const ADMIN_TENANT = '985798691';
/** 59 Tenant IDs that sort before the demo admin's, which comes last, on the third page. */
const TENANTS = [...Array.from({ length: 59 }, (_, i) => String(100_200_300 + i)), ADMIN_TENANT];

describe.each(dialects)('a developer pages through long lists (%s)', (dialect) => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let widelyListed = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    browser = await openBrowser();
    page = await browser.newPage();
    const dev = await app.t.as('dev@gatehouse.test');
    for (let n = 1; n <= 46; n++)
      await dev.apps.create({ ...base, name: `Fleet Tracker ${String(n).padStart(2, '0')}`, tenantIds: [] });
    widelyListed = (await dev.apps.create({ ...base, name: 'Widely Listed', tenantIds: TENANTS })).id;
    // Versions 2–22: each adds or takes away Accounting Invoices View.
    for (let n = 2; n <= 22; n++)
      await dev.apps.saveScopes({
        appId: widelyListed,
        scopes: n % 2 ? base.scopes : [...base.scopes, 'tn.acc.invoices:r'],
      });
    const admin = await app.t.as('admin@gatehouse.test');
    await admin.connections.allow({
      tenantId: ADMIN_TENANT,
      environment: 'integration',
      appId: widelyListed,
      credentialsIssuer: 'tenant_admin',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const rows = () => page.getByRole('table').locator('tbody tr');
  const pager = () => page.getByRole('navigation', { name: 'Pages' });

  it('My Apps shows 20 apps a page, newest first, with Next and Previous', async () => {
    await signIn(page, app.url, 'dev@gatehouse.test');
    await page.getByRole('heading', { name: 'My Apps' }).waitFor();
    await pager().getByText('Page 1').waitFor();
    await expect(rows().count()).resolves.toBe(20);
    await expect(rows().first().getByRole('link').textContent()).resolves.toBe('Widely Listed');
    await pager().getByRole('button', { name: 'Next' }).click();
    await page.getByRole('link', { name: 'Fleet Tracker 08' }).waitFor();
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 3').waitFor();
    await page.getByRole('link', { name: 'Fleet Tracker 01' }).waitFor();
    await expect(rows().count()).resolves.toBe(7);
    await expect(pager().getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, `${dialect}-my-apps-page-3`);
    await checkAccessible(page, 'my-apps-page-3', dialect);
    await pager().getByRole('button', { name: 'Previous' }).click();
    await pager().getByText('Page 2').waitFor();
    await page.getByRole('link', { name: 'Fleet Tracker 27' }).waitFor();
    await pager().getByRole('button', { name: 'Previous' }).click();
    await pager().getByText('Page 1').waitFor();
    await page.getByRole('link', { name: 'Widely Listed' }).waitFor();
  });

  it('a search on My Apps starts again from its first page', async () => {
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 2').waitFor();
    await page.getByLabel('Search apps').fill('tracker');
    await pager().getByText('Page 1').waitFor();
    await page.getByRole('link', { name: 'Fleet Tracker 46' }).waitFor();
    await expect(rows().count()).resolves.toBe(20);
    await page.getByLabel('Search apps').fill('Tracker 1');
    await page.getByRole('link', { name: 'Fleet Tracker 46' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Fleet Tracker 19' }).waitFor();
    await pager().waitFor({ state: 'detached' });
    await expect(rows().count()).resolves.toBe(10);
    await screenshot(page, `${dialect}-my-apps-search`);
    await checkAccessible(page, 'my-apps-search', dialect);
    await page.getByLabel('Search apps').fill('no such app');
    await page.getByRole('heading', { name: 'No apps match your search' }).waitFor();
  });

  it('typing a search on My Apps asks the server once, after the typing pauses', async () => {
    const box = page.getByLabel('Search apps');
    await box.fill('');
    await page.getByRole('link', { name: 'Widely Listed' }).waitFor();
    const typed = await typeSearch(page, box, 'tracker 2', 'apps.list', async () => {
      // The box shows every key at once; the list follows once the typing pauses.
      await expect(box.inputValue()).resolves.toBe('tracker 2');
      await page.getByRole('link', { name: 'Widely Listed' }).waitFor({ state: 'detached' });
      await expect.poll(() => rows().count(), SOON).toBe(10);
    });
    expect(typed.asked.length).toBeGreaterThanOrEqual(1);
    expect(typed.asked.length).toBeLessThanOrEqual(1 + typed.longPauses);
    expect(decodeURIComponent(typed.asked.at(-1)!)).toContain('tracker 2');
  });

  it('page 3 of a search on My Apps, a visit to an app and Back: the same page and search', async () => {
    const box = page.getByLabel('Search apps');
    await box.fill('fleet');
    await page.getByRole('link', { name: 'Fleet Tracker 46' }).waitFor();
    await pager().getByRole('button', { name: 'Next' }).click();
    await page.getByRole('link', { name: 'Fleet Tracker 26' }).waitFor();
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 3').waitFor();
    await page.getByRole('link', { name: 'Fleet Tracker 07' }).waitFor({ state: 'detached' });
    await expect(rows().count()).resolves.toBe(6);
    await page.getByRole('link', { name: 'Fleet Tracker 03' }).click();
    await page.getByRole('heading', { name: 'Fleet Tracker 03' }).waitFor();
    await page.goBack();
    await pager().getByText('Page 3').waitFor();
    await expect(box.inputValue()).resolves.toBe('fleet');
    await page.getByRole('link', { name: 'Fleet Tracker 01' }).waitFor();
    await expect(rows().count()).resolves.toBe(6);
    await screenshot(page, `${dialect}-my-apps-back-to-page-3`);
    await checkAccessible(page, 'my-apps-back-to-page-3', dialect);
    await pager().getByRole('button', { name: 'Previous' }).click();
    await page.getByRole('link', { name: 'Fleet Tracker 26' }).waitFor();
    await pager().getByText('Page 2').waitFor();

    // Clearing the search shows the first page of every app, not the page left.
    await box.fill('');
    await page.getByRole('link', { name: 'Widely Listed' }).waitFor();
    await pager().getByText('Page 1').waitFor();
    await expect(rows().count()).resolves.toBe(20);
  });

  it('Version history shows 20 versions a page, the oldest on the last', async () => {
    await page.goto(`${app.url}/apps/${widelyListed}/versions`);
    await page.getByRole('heading', { name: 'Version 22' }).waitFor();
    await expect(page.getByRole('heading', { name: /^Version \d+$/ }).count()).resolves.toBe(20);
    await pager().getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Version 1', exact: true }).waitFor();
    await expect(page.getByRole('heading', { name: /^Version \d+$/ }).count()).resolves.toBe(2);
    // Version 2 added Accounting Invoices View to version 1's scopes.
    const v2 = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Version 2' }) });
    await v2.getByText('Accounting · Invoices · View').waitFor();
  });

  it('View Connections shows 25 tenants a page in both environments, and finds a tenant by its Tenant ID', async () => {
    await page.goto(`${app.url}/apps/${widelyListed}/connections`);
    await page.getByTestId('connection-100200300:integration').waitFor();
    await expect(rows().count()).resolves.toBe(50);
    await pager().getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('connection-100200325:integration').waitFor();
    await expect(rows().count()).resolves.toBe(50);
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 3').waitFor();
    const connected = page.getByTestId(`connection-${ADMIN_TENANT}:integration`);
    await connected.getByText('Connected').waitFor();
    await expect(rows().count()).resolves.toBe(20);
    await screenshot(page, `${dialect}-view-connections-page-3`);
    await checkAccessible(page, 'view-connections-page-3', dialect);

    await page.getByLabel('Search by Tenant ID').fill('9857');
    await page.getByTestId('connection-100200350:integration').waitFor({ state: 'detached' });
    await pager().waitFor({ state: 'detached' });
    await expect(rows().count()).resolves.toBe(2);
    await connected.getByText('Connected').waitFor();
    await page.getByLabel('Search by Tenant ID').fill('1002003');
    await pager().getByText('Page 1').waitFor();
    await page.getByTestId('connection-100200300:production').waitFor();
    await screenshot(page, `${dialect}-view-connections-search`);
    await checkAccessible(page, 'view-connections-search', dialect);
    await page.getByLabel('Search by Tenant ID').fill('42');
    await page.getByRole('heading', { name: 'No Tenant ID starts with that number' }).waitFor();
  });

  it('the Tenant IDs card shows 50 a page with the count, finds one by its start, adds and deletes', async () => {
    const tags = () => page.getByRole('list', { name: 'Tenant IDs' }).getByRole('listitem');
    await page.goto(`${app.url}/apps/${widelyListed}`);
    await expect.poll(() => page.getByTestId('tenant-count').textContent()).toBe('Listed on 60 tenants');
    await tags().filter({ hasText: '100200349' }).waitFor();
    await expect(tags().count()).resolves.toBe(50);
    await expect(tags().first().textContent()).resolves.toContain('100200300');
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 2').waitFor();
    await tags().filter({ hasText: ADMIN_TENANT }).waitFor();
    await expect(tags().count()).resolves.toBe(10);
    await expect(pager().getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);

    // The card holds one page, so a Tenant ID listed on another is refused by the server, next to the field.
    await page.getByRole('textbox', { name: 'Tenant ID', exact: true }).fill('100200310');
    await page.getByRole('button', { name: 'Add Tenant ID' }).click();
    await page.getByText('Tenant ID 100200310 is already listed').waitFor();
    await page.getByRole('textbox', { name: 'Tenant ID', exact: true }).fill('100200400');
    await page.getByRole('button', { name: 'Add Tenant ID' }).click();
    await tags().filter({ hasText: '100200400' }).waitFor();
    await expect.poll(() => page.getByTestId('tenant-count').textContent()).toBe('Listed on 61 tenants');
    await screenshot(page, `${dialect}-tenant-ids-page-2`);
    await checkAccessible(page, 'tenant-ids-page-2', dialect);
    await page.getByRole('button', { name: 'Remove Tenant ID 100200400' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete Tenant ID' }).click();
    await page.getByRole('button', { name: 'Remove Tenant ID 100200400' }).waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('tenant-count').textContent()).toBe('Listed on 60 tenants');

    await page.getByLabel('Search Tenant IDs').fill('1002003');
    await pager().getByText('Page 1').waitFor();
    await tags().filter({ hasText: '100200300' }).waitFor();
    await expect(tags().count()).resolves.toBe(50);
    await page.getByLabel('Search Tenant IDs').fill('9857');
    await pager().waitFor({ state: 'detached' });
    await expect.poll(() => tags().count()).toBe(1);
    await expect(tags().first().textContent()).resolves.toContain(ADMIN_TENANT);
    await screenshot(page, `${dialect}-tenant-ids-search`);
    await checkAccessible(page, 'tenant-ids-search', dialect);
    await page.getByLabel('Search Tenant IDs').fill('42');
    await page.getByText('No Tenant ID starts with that number.').waitFor();
  });
});
