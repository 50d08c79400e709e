import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientCredentials,
  checkAccessible,
  clientToken,
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

const CUSTOMERS = '/crm/v2/tenant/{tenant}/customers';
const TECHNICIANS = '/settings/v2/tenant/{tenant}/technicians';

/** A token for `credentials`, then each call of `paths` (method and path under the environment's API), by HTTP; their statuses. */
async function callAs(
  baseUrl: string,
  environment: 'integration' | 'production',
  appKey: string,
  credentials: ClientCredentials,
  calls: [method: string, path: string][],
): Promise<number[]> {
  const token = await clientToken(baseUrl, credentials, environment);
  const statuses: number[] = [];
  for (const [method, path] of calls) {
    const response = await fetch(`${baseUrl}/${environment}/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'st-app-key': appKey },
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

describe.each(dialects)("a tenant admin reads a connection's requests and unused scopes (%s)", (dialect) => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let connectionUrl = '';
  let summitConnectionUrl = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    const dev = await app.t.as('dev@gatehouse.test');
    const admin = await app.t.as('admin@gatehouse.test');
    const admin2 = await app.t.as('admin2@gatehouse.test');
    const created = await dev.apps.create({
      name: 'Crew Log',
      homePageUrl: 'https://crew-log.example',
      tenantIds: [GLENDALE, SUMMIT],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r', 'tn.settings.technicians:r'],
    });
    const allow = async (
      who: typeof admin,
      tenantId: string,
      environment: 'integration' | 'production',
    ): Promise<{ id: string } & ClientCredentials> => {
      const granted = await who.connections.allow({
        tenantId,
        environment,
        appId: created.id,
        credentialsIssuer: 'tenant_admin',
      });
      return { id: granted.connection.id, clientId: granted.clientId, clientSecret: granted.clientSecret };
    };
    const glendale = await allow(admin, GLENDALE, 'integration');
    const glendaleProduction = await allow(admin, GLENDALE, 'production');
    const summit = await allow(admin2, SUMMIT, 'integration');
    connectionUrl = `${app.url}/admin/${GLENDALE}/integration/connections/${glendale.id}`;
    summitConnectionUrl = `/admin/${SUMMIT}/integration/connections/${summit.id}`;

    // Glendale in Integration: customers read three times, and one write its scopes do not allow.
    const customers = `crm/v2/tenant/${GLENDALE}/customers`;
    await expect(
      callAs(app.url, 'integration', created.appKey, glendale, [
        ['GET', `${customers}?pageSize=3`],
        ['GET', customers],
        ['GET', customers],
        ['POST', customers],
      ]),
    ).resolves.toEqual([200, 200, 200, 403]);
    // Technicians only elsewhere: in Glendale's Production, and in another tenant, whose calls need both scopes.
    await expect(
      callAs(app.url, 'production', created.appKey, glendaleProduction, [
        ['GET', `settings/v2/tenant/${GLENDALE}/technicians`],
      ]),
    ).resolves.toEqual([200]);
    await expect(
      callAs(app.url, 'integration', created.appKey, summit, [
        ['GET', `settings/v2/tenant/${SUMMIT}/technicians`],
        ['GET', `settings/v2/tenant/${SUMMIT}/technicians`],
        ['GET', `crm/v2/tenant/${SUMMIT}/customers`],
      ]),
    ).resolves.toEqual([200, 200, 200]);
    await app.server.runtime.requestLog.flush();

    browser = await openBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('names the scope no call on this tenant and environment needed, and whom to ask', async () => {
    await signIn(page, app.url, 'admin@gatehouse.test', connectionUrl.slice(app.url.length));
    const advisor = page.getByRole('region', { name: 'Scopes this app has not used in 30 days' });
    const unused = advisor.getByRole('list', { name: 'Scopes not used' });
    await unused.getByText('Settings · Technicians · View').waitFor();
    // Technicians were called, but in Production and by another tenant: not here.
    await expect(unused.getByRole('listitem').allTextContents()).resolves.toEqual([
      'Settings · Technicians · View tn.settings.technicians:r',
    ]);
    await advisor.getByText('ask its developer (Acme Field Apps) to remove them').waitFor();
    await advisor.getByText('Scopes the app used (1)').click();
    await advisor.getByRole('cell', { name: 'CRM · Customers · View tn.crm.customers:r' }).waitFor();
    await screenshot(page, `${dialect}-connection-unused-scopes`);
    await checkAccessible(page, 'connection-unused-scopes', dialect);
  });

  it("shows this tenant and environment's calls only, with status, error code and latency, on a tab opened from the keyboard", async () => {
    const tab = page.getByRole('navigation', { name: 'Connection' }).getByRole('link', { name: 'Requests' });
    await tab.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Request log' }).waitFor();
    const log = page.getByRole('table', { name: 'Requests, newest first' });
    const rows = log.locator('tbody tr');
    // The token request and four calls; the Production call and the other tenant's are not this connection's.
    await expect.poll(() => rows.count(), SOON).toBe(5);
    await expect(log.textContent()).resolves.not.toContain('technicians');
    const refused = rows.filter({ has: page.getByRole('cell', { name: '403', exact: true }) });
    await expect(refused.count()).resolves.toBe(1);
    await refused.getByText('insufficient_scope').waitFor();
    await refused.getByText(`POST ${CUSTOMERS}`).waitFor();
    await expect(refused.textContent()).resolves.toMatch(/\d ms/);
    await expect(rows.filter({ hasText: `GET ${CUSTOMERS}` }).count()).resolves.toBe(3);

    const latency = page.getByRole('table', { name: /^Latency per endpoint per day/ });
    const customersLatency = latency.getByRole('row').filter({ hasText: `GET ${CUSTOMERS}` });
    await expect(customersLatency.getByRole('cell').nth(2).textContent()).resolves.toBe('3');
    await expect(customersLatency.textContent()).resolves.toMatch(/\d ms.*\d ms/);
    await expect(latency.textContent()).resolves.not.toContain(TECHNICIANS);
    await screenshot(page, `${dialect}-connection-requests`);
    await checkAccessible(page, 'connection-requests', dialect);

    // Only the refusals, from the keyboard; the filter is in the address, so a reload keeps it.
    await page.getByLabel('Status').selectOption({ label: 'Client error (4xx)' });
    await page.getByLabel('Error code').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => rows.count(), SOON).toBe(1);
    await rows.getByText('insufficient_scope').waitFor();
    await page.reload();
    await expect.poll(() => rows.count(), SOON).toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count(), SOON).toBe(5);
  });

  it('fits a 390 px phone without scrolling sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.getByRole('heading', { name: 'Request log' }).waitFor();
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await expect.poll(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, `${dialect}-connection-requests-phone`);
      await checkAccessible(page, 'connection-requests-phone', dialect);
      await page
        .getByRole('navigation', { name: 'Connection' })
        .getByRole('link', { name: 'Access', exact: true })
        .click();
      await page.getByRole('heading', { name: 'Scopes this app has not used in 30 days' }).waitFor();
      await expect.poll(overflow).toBeLessThanOrEqual(0);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('says so while the log loads and when it cannot be read, and keeps the page around it', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/trpc\/[^?]*requests\.connectionLog/, async (route) => {
      await held;
      await route.abort('connectionrefused');
    });
    try {
      await page.goto(`${connectionUrl}/requests`);
      await page.getByText('Loading requests…').waitFor();
      release();
      await page.getByRole('alert').first().waitFor();
      await page.getByRole('heading', { name: 'Crew Log' }).waitFor();
      await page.getByRole('heading', { name: /^Latency per endpoint/ }).waitFor();
      await screenshot(page, `${dialect}-connection-requests-error`);
      await checkAccessible(page, 'connection-requests-error', dialect);
    } finally {
      await page.unroute(/\/trpc\/[^?]*requests\.connectionLog/);
    }
  });

  it("on another tenant, whose calls needed every scope, its admin reads that there is nothing to remove, and only that tenant's calls", async () => {
    const other = await openBrowser();
    try {
      const page2 = await other.newPage();
      await signIn(page2, app.url, 'admin2@gatehouse.test', summitConnectionUrl);
      const advisor = page2.getByRole('region', { name: 'Scopes this app has not used in 30 days' });
      await advisor.getByText('Nothing to remove.').waitFor();
      await expect(advisor.getByRole('list', { name: 'Scopes not used' }).count()).resolves.toBe(0);
      await advisor.getByText('Scopes the app used (2)').waitFor();
      await page2
        .getByRole('navigation', { name: 'Connection' })
        .getByRole('link', { name: 'Requests' })
        .click();
      const rows = page2.getByRole('table', { name: 'Requests, newest first' }).locator('tbody tr');
      // The token request and three reads; none of Glendale's calls.
      await expect.poll(() => rows.count(), SOON).toBe(4);
      await expect(rows.filter({ hasText: 'insufficient_scope' }).count()).resolves.toBe(0);
      await screenshot(page2, `${dialect}-connection-requests-other-tenant`);
      await checkAccessible(page2, 'connection-requests-other-tenant', dialect);
    } finally {
      await other.close();
    }
  });
});
