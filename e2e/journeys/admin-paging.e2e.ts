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
    // 101 connected apps (two list pages and one more), 56 more offered: 55 never decided, one declined.
    for (let n = 1; n <= 101; n++) {
      const crew = await dev.apps.create({ ...base, name: `Crew App ${number(n)}` });
      await admin.connections.allow({
        tenantId: TENANT,
        environment: 'integration',
        appId: crew.id,
        credentialsIssuer: 'tenant_admin',
      });
      if (n <= 55) await dev.apps.create({ ...base, name: `Dispatch App ${number(n)}` });
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
    await page.getByRole('link', { name: 'Crew App 03' }).waitFor();
    await expect(rows().count()).resolves.toBe(50);
    await pager().getByRole('button', { name: 'Next' }).click();
    await page.getByRole('link', { name: 'Crew App 01' }).waitFor();
    await expect(rows().count()).resolves.toBe(2);
    await expect(pager().getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, `${dialect}-access-list-page-3`);
    await checkAccessible(page, 'access-list-page-3', dialect);
    await pager().getByRole('button', { name: 'Previous' }).click();
    await pager().getByText('Page 2').waitFor();
    await page.getByRole('link', { name: 'Crew App 52' }).waitFor();
  });

  it('a search on API Application Access starts again from its first page', async () => {
    await page.getByLabel('Search apps').fill('crew app 1');
    await page.getByRole('link', { name: 'Crew App 101' }).waitFor();
    await pager().waitFor({ state: 'detached' });
    // 1x, 100 and 101.
    await expect(rows().count()).resolves.toBe(12);
    await page.getByLabel('Search apps').fill('no such app');
    await page.getByRole('heading', { name: 'No apps match your search' }).waitFor();
  });

  it('typing a search asks the server once, after the typing pauses', async () => {
    const box = page.getByLabel('Search apps');
    await box.fill('');
    await page.getByRole('link', { name: 'Dispatch App 99' }).waitFor();
    const typed = await typeSearch(page, box, 'crew app 4', 'connections.list', async () => {
      // The box shows every key at once; the list follows once the typing pauses.
      await expect(box.inputValue()).resolves.toBe('crew app 4');
      await page.getByRole('link', { name: 'Dispatch App 99' }).waitFor({ state: 'detached' });
      await expect.poll(() => rows().count(), SOON).toBe(10);
    });
    expect(typed.asked.length).toBeGreaterThanOrEqual(1);
    expect(typed.asked.length).toBeLessThanOrEqual(1 + typed.longPauses);
    expect(decodeURIComponent(typed.asked.at(-1)!)).toContain('crew app 4');
  });

  it('page 3 of a search, a visit to a connection and Back: the same page and search; a changed search starts at page 1', async () => {
    const box = page.getByLabel('Search apps');
    await box.fill('crew');
    await page.getByRole('link', { name: 'Crew App 101' }).waitFor();
    await pager().getByRole('button', { name: 'Next' }).click();
    await page.getByRole('link', { name: 'Crew App 51' }).waitFor();
    await pager().getByRole('button', { name: 'Next' }).click();
    await pager().getByText('Page 3').waitFor();
    await page.getByRole('link', { name: 'Crew App 02' }).waitFor({ state: 'detached' });
    await expect(rows().count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'Crew App 01' }).click();
    await page.getByRole('heading', { name: 'Crew App 01' }).waitFor();
    await page.goBack();
    await pager().getByText('Page 3').waitFor();
    await expect(box.inputValue()).resolves.toBe('crew');
    await page.getByRole('link', { name: 'Crew App 01' }).waitFor();
    await expect(rows().count()).resolves.toBe(1);
    await screenshot(page, `${dialect}-access-list-back-to-page-3`);
    await checkAccessible(page, 'access-list-back-to-page-3', dialect);

    // A reload keeps the page too, and Previous still steps back one page.
    await page.reload();
    await pager().getByText('Page 3').waitFor();
    await expect(box.inputValue()).resolves.toBe('crew');
    await pager().getByRole('button', { name: 'Previous' }).click();
    await pager().getByText('Page 2').waitFor();
    await page.getByRole('link', { name: 'Crew App 51' }).waitFor();

    // Another search and back to this one: page 1 of it, not the page left.
    await box.fill('crewx');
    await page.getByRole('heading', { name: 'No apps match your search' }).waitFor();
    await box.fill('crew');
    await page.getByRole('link', { name: 'Crew App 101' }).waitFor();
    await pager().getByText('Page 1').waitFor();
    await box.fill('');
    await page.getByRole('link', { name: 'Dispatch App 99' }).waitFor();
    await pager().getByText('Page 1').waitFor();
    await expect(rows().count()).resolves.toBe(50);
    // Back undoes the search as a whole: the page before it, with its search.
    await page.goBack();
    await pager().getByText('Page 2').waitFor();
    await expect(box.inputValue()).resolves.toBe('crew');
    await page.getByRole('link', { name: 'Crew App 51' }).waitFor();
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
    const declined = offered().filter({ has: page.getByRole('heading', { name: 'Dispatch App 99' }) });
    await declined.getByText('Declined').waitFor();
    await expect(offered().count()).resolves.toBe(6);
    await screenshot(page, `${dialect}-connect-new-app-page-2`);
    await checkAccessible(page, 'connect-new-app-page-2', dialect);
  });

  it('a search on Connect New App narrows it and starts again from the first page', async () => {
    await page.getByLabel('Search apps to connect').fill('DISPATCH APP 5');
    await pager().waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Dispatch App 50' }).waitFor();
    await expect(cards('Apps offered to this tenant').count()).resolves.toBe(6);
    await screenshot(page, `${dialect}-connect-new-app-search`);
    await checkAccessible(page, 'connect-new-app-search', dialect);
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
      const last = queue().filter({ has: reviewer.getByRole('heading', { name: 'Queued App 52' }) });
      await last.waitFor();
      await expect(queue().count()).resolves.toBe(2);
      await last.getByRole('button', { name: 'Approve' }).click();
      await last.waitFor({ state: 'detached' });
      await expect(queue().count()).resolves.toBe(1);
      await screenshot(reviewer, `${dialect}-review-queue-page-2`);
      await checkAccessible(reviewer, 'review-queue-page-2', dialect);
    } finally {
      await reviewer.context().close();
    }
  });
});
