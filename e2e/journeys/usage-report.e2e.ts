import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  clientToken,
  connectedApp,
  dialects,
  GLENDALE,
  openBrowser,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from '../harness';

describe.each(dialects)('the usage report after real API calls (%s)', (dialect) => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let appId = '';
  let appKey = '';
  let connectionId = '';
  let credentials = { CLIENT_ID: '', CLIENT_SECRET: '' };
  // The report's own table of calls, not the latency table or the request log under it.
  const lines = () => page.getByRole('table', { name: /^Calls by tenant, environment and endpoint/ });
  const filters = () => page.getByRole('region', { name: 'Filter the report' });

  beforeAll(async () => {
    app = await startApp(dialect);
    browser = await openBrowser();
    page = await browser.newPage();
    const connected = await connectedApp(app.t, {
      name: 'Usage App',
      scopes: ['tn.crm.customers:r', 'tn.settings.technicians:r'],
    });
    ({ appId, appKey, connectionId } = connected);
    credentials = {
      CLIENT_ID: connected.credentials.clientId,
      CLIENT_SECRET: connected.credentials.clientSecret,
    };
    const token = await clientToken(app.url, connected.credentials);
    const call = (path: string, method = 'GET') =>
      fetch(`${app.url}/integration/api/${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'st-app-key': appKey },
      }).then((r) => r.status);
    const statuses = await Promise.all([
      ...Array.from({ length: 5 }, () => call(`crm/v2/tenant/${GLENDALE}/customers?pageSize=3`)),
      ...Array.from({ length: 3 }, () => call(`settings/v2/tenant/${GLENDALE}/technicians`)),
      call(`crm/v2/tenant/${GLENDALE}/customers`, 'POST'),
    ]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    expect(statuses).toContain(403);
    await app.server.runtime.usage.flush();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the calls as a chart and a table, filterable by endpoint', async () => {
    await signIn(page, app.url, 'dev@gatehouse.test', `/apps/${appId}/usage`);
    await page.getByTestId('usage-totals').getByText('9', { exact: true }).waitFor();
    await expect(page.getByTestId('usage-totals').textContent()).resolves.toContain(
      '8 success (2xx), 1 client errors (4xx)',
    );
    await page.locator('.usage-chart .recharts-bar-rectangle').first().waitFor();
    await lines().getByRole('cell', { name: 'GET /crm/v2/tenant/{tenant}/customers', exact: true }).waitFor();
    await expect(page.getByTestId('usage-lines-order').textContent()).resolves.toContain('by Tenant ID');
    await screenshot(page, `${dialect}-usage-report`);
    await checkAccessible(page, 'usage-report', dialect);
    // The server adds up the calls again for the endpoint chosen.
    await filters().getByLabel('Endpoint').selectOption('GET /settings/v2/tenant/{tenant}/technicians');
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^3 calls /);
    await lines()
      .getByRole('cell', { name: 'GET /crm/v2/tenant/{tenant}/customers' })
      .waitFor({ state: 'detached' });
    await expect(lines().locator('tbody tr').count()).resolves.toBe(1);
    await filters().getByLabel('Endpoint').selectOption({ label: 'All endpoints' });
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toContain('9 calls');
  });

  it('offers curl commands that, pasted into a shell with the Client ID and Secret, make a first API call', async () => {
    await page.getByRole('link', { name: 'First API Call' }).click();
    const tokenCommand = (await page.getByTestId('curl-token-integration').textContent()) ?? '';
    const callCommand = (await page.getByTestId('curl-call-integration').textContent()) ?? '';
    expect(tokenCommand).toContain(`${app.url}/integration/connect/token`);
    expect(callCommand).toContain(`ST-App-Key: ${appKey}`);
    // As the page says: both in one shell with the credentials set; the shell expands the variables. Not a sync call: the server runs in this process.
    const { stdout } = await promisify(execFile)('bash', ['-c', `${tokenCommand}\n${callCommand}`], {
      env: { ...process.env, ...credentials },
      timeout: 15_000,
    });
    const answer = JSON.parse(stdout) as { totalCount: number; data: { id: number }[] };
    expect(answer.data.length).toBeGreaterThan(0);
    expect(answer.totalCount).toBeGreaterThanOrEqual(answer.data.length);
  });

  it('the admin sees when the last token was issued and the last call made', async () => {
    const admin = await openBrowser();
    try {
      const adminPage = await admin.newPage();
      await signIn(
        adminPage,
        app.url,
        'admin@gatehouse.test',
        `/admin/${GLENDALE}/integration/connections/${connectionId}`,
      );
      await adminPage.getByRole('heading', { name: 'Usage App' }).waitFor();
      await expect(adminPage.getByTestId('last-token').textContent()).resolves.not.toBe('Never');
      await expect(adminPage.getByTestId('last-call').textContent()).resolves.not.toBe('Never');
    } finally {
      await admin.close();
    }
  });

  it('counts calls that prove no tenant as one "Unauthenticated calls" line, never under the tenants they name', async () => {
    const forged = await Promise.all(
      ['123456789', '223456789', '323456789'].map((tenant) =>
        fetch(`${app.url}/integration/api/crm/v2/tenant/${tenant}/customers`, {
          headers: { authorization: 'Bearer forged', 'st-app-key': appKey },
        }).then((r) => r.status),
      ),
    );
    expect(forged).toEqual([401, 401, 401]);
    await app.server.runtime.usage.flush();
    await page.goto(`${app.url}/apps/${appId}/usage`);
    await lines().getByRole('cell', { name: 'Unauthenticated calls', exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^13 calls /);
    // The forged tenants are nowhere: the unauthenticated calls come first, then the one real tenant.
    const tenantCells = () => lines().locator('tbody tr td:first-child').allTextContents();
    await expect.poll(tenantCells).toEqual(['Unauthenticated calls', '985798691', '985798691', '985798691']);

    // The Tenant ID field asks again once typing pauses: the start of the real Tenant ID keeps its calls only.
    const tenantField = filters().getByLabel('Tenant ID');
    await tenantField.pressSequentially('9857');
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^10 calls /);
    await expect.poll(tenantCells).toEqual(['985798691', '985798691', '985798691']);
    // A made-up tenant's start finds nothing.
    await tenantField.fill('123');
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^0 calls /);
    await page.getByTestId('usage-no-lines').waitFor();
    await tenantField.fill('');
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^13 calls /);

    // The unauthenticated calls alone, chosen from the keyboard.
    const only = page.getByLabel('Only unauthenticated calls');
    await only.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^3 calls /);
    await expect.poll(tenantCells).toEqual(['Unauthenticated calls']);
    await expect(tenantField.isDisabled()).resolves.toBe(true);
    // The filters are in the address: a reload shows the same report.
    await page.reload();
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^3 calls /);
    await expect(only.isChecked()).resolves.toBe(true);
    await screenshot(page, `${dialect}-usage-report-unauthenticated`);
    await checkAccessible(page, 'usage-report-unauthenticated', dialect);
    // The box follows the address, which the click changes a moment later: a plain click, then wait for it.
    await only.click();
    await expect.poll(() => only.isChecked()).toBe(false);
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^13 calls /);
  });

  it('pages the lines of an app called by many tenants, 50 a page in Tenant ID order', async () => {
    const { usage } = app.server.runtime;
    const tenants = Array.from({ length: 60 }, (_, i) => String(700_000_100 + i));
    for (const tenant of tenants)
      usage.recordCall(appId, tenant, 'production', 'GET /crm/v2/tenant/{tenant}/customers', 200);
    await usage.flush();
    await page.goto(`${app.url}/apps/${appId}/usage`);
    await expect.poll(() => page.getByTestId('usage-totals').textContent()).toMatch(/^73 calls /);
    const rows = lines().locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    await expect(rows.first().locator('td').first().textContent()).resolves.toBe('Unauthenticated calls');
    const pager = page.getByRole('navigation', { name: 'Pages of lines' });
    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByText('Page 2').waitFor();
    // After the unauthenticated calls, the new tenants' 60 lines, then 985798691's three: 14 on the second page.
    await expect.poll(() => rows.count()).toBe(14);
    await expect(rows.first().locator('td').first().textContent()).resolves.toBe(tenants[49]);
    await expect(rows.last().locator('td').first().textContent()).resolves.toBe('985798691');
    // The totals and the chart are the whole period's on every page.
    await expect(page.getByTestId('usage-totals').textContent()).resolves.toMatch(/^73 calls /);
    await screenshot(page, `${dialect}-usage-report-page-2`);
    await checkAccessible(page, 'usage-report-page-2', dialect);
    await pager.getByRole('button', { name: 'Previous' }).click();
    await pager.getByText('Page 1').waitFor();
    await expect.poll(() => rows.count()).toBe(50);
  });
});
