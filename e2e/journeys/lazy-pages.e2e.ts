import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type RunningApp, signIn, startApp } from '../harness';

// Which scripts a page fetches, and when, is the browser's and the static files' business: one database will do.
describe('pages whose code loads when they open (sqlite)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let appId = '';
  const scripts: string[] = [];
  const usageChunk = /\/assets\/usage-report-[\w-]+\.js$/;

  beforeAll(async () => {
    app = await startApp('sqlite');
    const dev = await app.t.as('dev@gatehouse.test');
    const created = await dev.apps.create({
      name: 'Lazy App',
      homePageUrl: 'https://lazy.example',
      tenantIds: ['985798691'],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    appId = created.id;
    browser = await openBrowser();
    page = await browser.newPage();
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('fetches the usage report and its charts only when the report opens', async () => {
    await signIn(page, app.url, 'dev@gatehouse.test', `/apps/${appId}`);
    await page.getByRole('heading', { name: 'Lazy App' }).waitFor();
    const fetchedUsageChunk = () => scripts.some((script) => usageChunk.test(script));
    expect(scripts.length).toBeGreaterThan(0);
    expect(fetchedUsageChunk()).toBe(false);
    await page.getByRole('link', { name: 'API Usage Report' }).click();
    await page.getByRole('heading', { name: 'No API calls in the last 30 days' }).waitFor();
    expect(fetchedUsageChunk()).toBe(true);
  });

  it('says in place that a page could not be loaded, keeps the portal around it, and shows it loading after a reload', async () => {
    // As after a deploy that replaced the files this tab's build refers to.
    await page.route(usageChunk, (route) => route.fulfill({ status: 404, body: 'Not Found' }));
    await page.goto(`${app.url}/apps/${appId}`);
    await page.getByRole('heading', { name: 'Lazy App' }).waitFor();
    await page.getByRole('link', { name: 'API Usage Report' }).click();
    await page.getByText('This page could not be loaded.').waitFor();
    await page.getByRole('heading', { name: 'Lazy App' }).waitFor();
    await page.getByRole('link', { name: 'Details' }).waitFor();

    await page.unroute(usageChunk);
    // The reloaded page's code is held back until its loading state has shown under the app's header.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(usageChunk, async (route) => {
      await released;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Reload the page' }).click();
    await page.getByRole('heading', { name: 'Lazy App' }).waitFor();
    await page.getByRole('status').getByText('Loading…', { exact: true }).waitFor();
    release();
    await page.getByRole('heading', { name: 'No API calls in the last 30 days' }).waitFor();
    await page.unroute(usageChunk);
  });

  it('does not publish the build manifest that lists the chunks', async () => {
    for (const path of ['/.vite/manifest.json', '/admin/.vite/manifest.json']) {
      const body = await (await fetch(`${app.url}${path}`)).text();
      expect(body).not.toContain('isEntry');
    }
  });
});
