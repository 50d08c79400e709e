import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkAccessible, openBrowser, type RunningApp, screenshot, signIn, startApp } from '../harness';

// An address no page answers is the SPAs' own business, the same on either database.
describe('an address no page answers (sqlite)', () => {
  let app: RunningApp;
  const browsers: BrowserContext[] = [];
  beforeAll(async () => {
    app = await startApp('sqlite');
  });
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await app?.close();
  });

  it('says so in the developer portal, under its top bar, with the way back to My Apps', async () => {
    const browser = await openBrowser();
    browsers.push(browser);
    const page = await browser.newPage();
    await signIn(page, app.url, 'dev@gatehouse.test', '/no/such/page');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await checkAccessible(page, 'portal-not-found');
    await screenshot(page, 'sqlite-portal-not-found');
    await page.getByRole('link', { name: 'Back to My Apps' }).click();
    await page.getByRole('heading', { level: 1, name: 'My Apps' }).waitFor();
  });

  it('says so in the admin console, under its top bar, with the way back', async () => {
    const browser = await openBrowser();
    browsers.push(browser);
    const page = await browser.newPage();
    await signIn(page, app.url, 'admin@gatehouse.test', '/admin/985798691/integration/no/such/page');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await checkAccessible(page, 'admin-not-found');
    await screenshot(page, 'sqlite-admin-not-found');
    await page.getByRole('link', { name: 'Back to the admin console' }).click();
    await page.getByRole('heading', { level: 1, name: 'API Application Access' }).waitFor();
  });
});
