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
const APP = 'Reference Explorer';

/** The page is never wider than the window: nothing to scroll sideways. */
const noSidewaysScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe.each(dialects)('API Reference and Try it (%s)', (dialect) => {
  let app: RunningApp;
  let browsers: Awaited<ReturnType<typeof developerAndAdminPages>>;
  let dev: Page;
  let admin: Page;
  let appId = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    browsers = await developerAndAdminPages();
    ({ dev, admin } = browsers);
  });
  afterAll(async () => {
    await browsers?.close();
    await app?.close();
  });

  it('the developer registers an app that generates its own client credentials, and the tenant admin allows it in Integration', async () => {
    await signIn(dev, app.url, 'dev@gatehouse.test', '/apps/new');
    await dev.getByLabel('Application name').fill(APP);
    await dev.getByLabel('Home page URL').fill('https://explorer.example');
    await dev.getByRole('textbox', { name: 'Tenant ID' }).fill(TENANT);
    await dev.getByRole('button', { name: 'Add Tenant ID' }).click();
    await dev.getByLabel('Developer generates the client credentials').check();
    await dev.getByLabel('Search API scopes').fill('customers');
    await dev.getByLabel('CRM Customers View').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText(`${APP} is registered.`).waitFor();
    appId = dev.url().split('/apps/')[1]!.split(/[/?]/)[0]!;

    await signIn(admin, app.url, 'admin@gatehouse.test', '/admin/');
    await admin.goto(`${app.url}/admin/${TENANT}/integration/connect/${appId}`);
    await admin.getByRole('heading', { name: `Connect ${APP}` }).waitFor();
    await admin.getByRole('button', { name: 'Allow' }).click();
    await admin.getByText('It will not be shown again').waitFor();
    await admin.getByRole('button', { name: 'I have stored the secret' }).click();
  });

  it('opens API Reference from the navigation: every operation names its scope', async () => {
    const scripts: string[] = [];
    dev.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    const referenceChunk = () => scripts.some((script) => /\/assets\/api-reference-[\w-]+\.js$/.test(script));
    await dev.goto(`${app.url}/`);
    await dev.getByRole('heading', { name: 'My Apps' }).waitFor();
    // Swagger UI is fetched with the page, never with the portal's first screen.
    expect(referenceChunk()).toBe(false);
    await dev.getByRole('link', { name: 'API Reference' }).click();
    await dev.getByRole('heading', { name: 'API Reference', level: 1 }).waitFor();
    expect(referenceChunk()).toBe(true);
    const customers = dev.locator('#operations-CRM-get-crm-customers');
    await customers.waitFor();
    await expect(customers.textContent()).resolves.toContain('tn.crm.customers:r');
    await expect(dev.locator('#operations-CRM-post-crm-customers').textContent()).resolves.toContain(
      'tn.crm.customers:w',
    );
    await dev.locator('.opblock-tag', { hasText: 'OAuth 2.0' }).waitFor();
  });

  it('gets a token from the app’s own connection and lists the tenant’s customers with Try it', async () => {
    await dev.getByLabel('App', { exact: true }).selectOption({ label: APP });
    await dev.getByText(/App key .* filled in as ST-App-Key/).waitFor();
    const connection = dev.getByLabel('Developer-managed connection');
    await expect.poll(() => connection.isEnabled()).toBe(true);
    await connection.selectOption(TENANT);
    await dev.getByRole('button', { name: 'Get token' }).click();
    await dev.getByText(`Token for tenant ${TENANT} filled in`).waitFor();
    await expect(dev.getByLabel('Access token').inputValue()).resolves.toMatch(/^ey/);

    const customers = dev.locator('#operations-CRM-get-crm-customers');
    await customers.locator('.opblock-summary-control').click();
    await customers.getByRole('button', { name: 'Try it out' }).click();
    await customers.locator('tr[data-param-name="tenant"] input').fill(TENANT);
    await customers.locator('tr[data-param-name="pageSize"] input').fill('3');
    await customers.getByRole('button', { name: 'Execute' }).click();
    const answer = customers.locator('.live-responses-table .response');
    await answer.locator('.response-col_status', { hasText: '200' }).waitFor();
    const body = JSON.parse(
      (await answer.locator('.highlight-code pre, pre.microlight').first().textContent()) ?? '',
    );
    expect(body).toMatchObject({ page: 1, pageSize: 3, hasMore: true });
    expect(body.data).toHaveLength(3);
    expect(body.data[0]).toHaveProperty('name');
    // What Try it sent: the app key and the token, to the integration environment.
    const curl = (await customers.locator('.curl-command').textContent()) ?? '';
    expect(curl).toContain(`/integration/api/crm/v2/tenant/${TENANT}/customers`);
    expect(curl).toMatch(/ST-App-Key: \S+/);
    expect(curl).toContain('Authorization: Bearer ey');
    await screenshot(dev, `${dialect}-api-reference-try-it`);
    await checkAccessible(dev, 'api-reference-try-it', dialect);
    expect(await noSidewaysScroll(dev)).toBe(true);
  });

  it('fits a phone: no sideways scroll at 390 px', async () => {
    await dev.setViewportSize({ width: 390, height: 844 });
    await dev.locator('#operations-CRM-get-crm-customers').scrollIntoViewIfNeeded();
    expect(await noSidewaysScroll(dev)).toBe(true);
    await screenshot(dev, `${dialect}-api-reference-phone`);
    await checkAccessible(dev, 'api-reference-phone', dialect);
    await dev.setViewportSize({ width: 1280, height: 900 });
  });
});
