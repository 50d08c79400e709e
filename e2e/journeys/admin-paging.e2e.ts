import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openBrowser, type RunningApp, screenshot, signIn, startApp } from '../harness';

const TENANT = '985798691';
const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: [TENANT],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};
const number = (n: number) => String(n).padStart(2, '0');

describe.each(dialects)('a tenant admin and a reviewer page through long lists (%s)', (dialect) => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startApp(dialect);
    browser = await openBrowser();
    page = await browser.newPage();
    const dev = await app.t.as('dev@gatehouse.test');
    const admin = await app.t.as('admin@gatehouse.test');
    // 55 connected apps (one list page and a bit), 56 more offered: 55 never decided, one declined.
    for (let n = 1; n <= 55; n++) {
      const crew = await dev.apps.create({ ...base, name: `Crew App ${number(n)}` });
      await admin.connections.allow({
        tenantId: TENANT,
        environment: 'integration',
        appId: crew.id,
        credentialsIssuer: 'tenant_admin',
      });
      await dev.apps.create({ ...base, name: `Dispatch App ${number(n)}` });
    }
    const declined = await dev.apps.create({ ...base, name: 'Dispatch App 99' });
    await admin.connections.decline({ tenantId: TENANT, environment: 'integration', appId: declined.id });
    // 52 public apps waiting for review.
    for (let n = 1; n <= 52; n++)
      await dev.apps.create({ ...base, kind: 'public', name: `Queued App ${number(n)}`, tenantIds: [] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const rows = () => page.getByRole('table').locator('tbody tr');
  const pager = () => page.getByRole('navigation', { name: 'Pages' });
  const cards = (label: string) => page.getByRole('list', { name: label }).locator(':scope > li');

  it('API Application Access shows 50 apps a page, last changed first, with Next and Previous', async () => {
    await signIn(page, app.url, 'admin@gatehouse.test', '/admin/');
    await page.getByRole('heading', { name: 'API Application Access' }).waitFor();
    await pager().getByText('Page 1').waitFor();
    await expect(rows().count()).resolves.toBe(50);
    // The declined app changed last.
    await expect(rows().first().getByRole('link').textContent()).resolves.toBe('Dispatch App 99');
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 2').waitFor();
    await page.getByRole('link', { name: 'Crew App 01' }).waitFor();
    await expect(rows().count()).resolves.toBe(6);
    await expect(pager().getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, `${dialect}-access-list-page-2`);
    await pager().getByRole('button', { name: 'Previous' }).click();
    await pager().getByText('Page 1').waitFor();
    await page.getByRole('link', { name: 'Dispatch App 99' }).waitFor();
  });

  it('a search on API Application Access starts again from its first page', async () => {
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 2').waitFor();
    await page.getByLabel('Search apps').fill('crew app 1');
    await page.getByRole('link', { name: 'Crew App 19' }).waitFor();
    await pager().waitFor({ state: 'detached' });
    await expect(rows().count()).resolves.toBe(10);
    await page.getByLabel('Search apps').fill('no such app');
    await page.getByRole('heading', { name: 'No apps match your search' }).waitFor();
  });

  it('Connect New App shows the unconnected apps by name, 50 a page, the declined one marked', async () => {
    await page.goto(`${app.url}/admin/${TENANT}/integration/connect`);
    await page.getByRole('heading', { name: 'Connect New App' }).waitFor();
    const offered = () => cards('Apps offered to this tenant');
    await pager().getByText('Page 1').waitFor();
    await expect(offered().count()).resolves.toBe(50);
    await expect(offered().first().getByRole('heading').textContent()).resolves.toBe('Dispatch App 01');
    await expect(page.getByRole('link', { name: 'Connect Crew App 01' }).count()).resolves.toBe(0);
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 2').waitFor();
    await expect(offered().count()).resolves.toBe(6);
    const declined = offered().filter({ has: page.getByRole('heading', { name: 'Dispatch App 99' }) });
    await declined.getByText('Declined').waitFor();
    await screenshot(page, `${dialect}-connect-new-app-page-2`);
  });

  it('a search on Connect New App narrows it and starts again from the first page', async () => {
    await page.getByLabel('Search apps to connect').fill('DISPATCH APP 5');
    await pager().waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Dispatch App 50' }).waitFor();
    await expect(cards('Apps offered to this tenant').count()).resolves.toBe(6);
    await screenshot(page, `${dialect}-connect-new-app-search`);
    await page.getByLabel('Search apps to connect').fill('crew');
    await page.getByRole('heading', { name: 'No apps match your search' }).waitFor();
  });

  it('after Allow, the app leaves Connect New App and joins the access list', async () => {
    await page.getByLabel('Search apps to connect').fill('Dispatch App 50');
    await page.getByRole('link', { name: 'Connect Dispatch App 50' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('button', { name: 'I have stored the secret' }).click();
    await page.getByRole('heading', { name: 'Dispatch App 50' }).waitFor();
    await page.goto(`${app.url}/admin/${TENANT}/integration`);
    await expect(rows().first().getByRole('link').textContent()).resolves.toBe('Dispatch App 50');
    await page.goto(`${app.url}/admin/${TENANT}/integration/connect`);
    await page.getByLabel('Search apps to connect').fill('Dispatch App 5');
    await page.getByRole('heading', { name: 'Dispatch App 51' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Dispatch App 50' }).count()).resolves.toBe(0);
  });

  it('the review queue shows 50 apps a page, oldest first, and refreshes after a decision', async () => {
    const reviewer = await (await openBrowser()).newPage();
    try {
      await signIn(reviewer, app.url, 'reviewer@gatehouse.test', '/admin/review');
      const queue = () =>
        reviewer.getByRole('list', { name: 'Apps waiting for review' }).locator(':scope > li');
      const pages = () => reviewer.getByRole('navigation', { name: 'Pages' });
      await pages().getByText('Page 1').waitFor();
      await expect(queue().count()).resolves.toBe(50);
      await expect(queue().first().getByRole('heading').first().textContent()).resolves.toBe('Queued App 01');
      await pages().getByRole('button', { name: 'Next' }).click();
      await pages().getByText('Page 2').waitFor();
      await expect(queue().count()).resolves.toBe(2);
      const last = queue().filter({ has: reviewer.getByRole('heading', { name: 'Queued App 52' }) });
      await last.getByRole('button', { name: 'Approve' }).click();
      await last.waitFor({ state: 'detached' });
      await expect(queue().count()).resolves.toBe(1);
      await screenshot(reviewer, `${dialect}-review-queue-page-2`);
    } finally {
      await reviewer.context().close();
    }
  });
});
