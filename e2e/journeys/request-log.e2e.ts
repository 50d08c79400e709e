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
  SOON,
  screenshot,
  signIn,
  startApp,
} from '../harness';
import { PHONE, sticksOut } from '../phone';

describe.each(dialects)('the request log, latency and scope advisor after real API calls (%s)', (dialect) => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let appId = '';
  let requestIds: string[] = [];
  let appKey = '';
  let token = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    browser = await openBrowser();
    page = await browser.newPage();
    // The calls below only ever need the customers scope: the technicians one goes unused.
    const connected = await connectedApp(app.t, {
      name: 'Logged App',
      scopes: ['tn.crm.customers:r', 'tn.settings.technicians:r'],
    });
    ({ appId, appKey } = connected);
    token = await clientToken(app.url, connected.credentials);
    const call = (headers: Record<string, string>) =>
      fetch(`${app.url}/integration/api/crm/v2/tenant/${GLENDALE}/customers?pageSize=2`, {
        headers: { 'st-app-key': appKey, ...headers },
      });
    const answers = [
      await call({ authorization: `Bearer ${token}` }),
      await call({ authorization: `Bearer ${token}` }),
      await call({ authorization: `Bearer ${token}` }),
      await call({ authorization: 'Bearer forged' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401]);
    requestIds = answers.map((a) => a.headers.get('x-request-id') ?? '');
    // Both are written off the hot path in batches: the report's counts and the log's lines.
    await app.server.runtime.usage.flush();
    await app.server.runtime.requestLog.flush();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('lists the calls newest first with their status, route, error code, latency and request id', async () => {
    await signIn(page, app.url, 'dev@gatehouse.test', `/apps/${appId}/usage`);
    const log = page.getByRole('region', { name: 'Request log' });
    const rows = log.getByRole('table').locator('tbody tr');
    const withStatus = (status: string) => rows.filter({ has: page.getByText(status, { exact: true }) });
    // The token request and the four calls.
    await expect.poll(() => rows.count(), SOON).toBe(5);
    const refused = withStatus('401');
    await expect(refused.count()).resolves.toBe(1);
    await refused.getByText('invalid_token').waitFor();
    await refused.getByText(/^GET .*customers$/).waitFor();
    await expect(withStatus('200').filter({ hasText: 'customers' }).count()).resolves.toBe(3);
    await expect(withStatus('200').filter({ hasText: 'token' }).count()).resolves.toBe(1);
    // Newest first: the refused call was the last one made.
    await expect(rows.first().textContent()).resolves.toContain('401');
    await expect(rows.first().textContent()).resolves.toMatch(/\d ms/);
    const lastId = requestIds.at(-1)!;
    expect(lastId).not.toBe('');
    await expect(rows.first().textContent()).resolves.toContain(lastId);
    await rows.first().getByRole('button', { name: 'Copy' }).waitFor();
    await screenshot(page, `${dialect}-request-log`);
    await checkAccessible(page, 'request-log', dialect);
  });

  it('shows latency per endpoint per day beside the call counts', async () => {
    const latency = page.getByRole('region', { name: 'Latency' });
    const row = latency.getByRole('row', { name: /customers/ }).first();
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number(cells[2])).toBeGreaterThanOrEqual(3);
    expect(cells[3]).toMatch(/ ms$/);
    expect(cells[4]).toMatch(/ ms$/);
  });

  it('filters by status class and error code, keeping the filters in the address', async () => {
    const log = page.getByRole('region', { name: 'Request log' });
    const rows = log.getByRole('table').locator('tbody tr');
    await log.getByLabel('Status').selectOption('4xx');
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count(), SOON).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('invalid_token');
    expect(new URL(page.url()).searchParams.get('log-statusClass')).toBe('4xx');
    await page.reload();
    await expect.poll(() => rows.count(), SOON).toBe(1);
    await expect(log.getByLabel('Status').inputValue()).resolves.toBe('4xx');

    // A malformed error code is refused next to its field, before the server is asked.
    await log.getByLabel('Error code').fill('Not A Code!');
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await log.getByText('An error code, like invalid_token').waitFor();
    await log.getByLabel('Error code').fill('insufficient_scope');
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await log.getByRole('heading', { name: 'No requests in this range' }).waitFor();
    await screenshot(page, `${dialect}-request-log-empty`);
    await checkAccessible(page, 'request-log-empty', dialect);
    await log.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count(), SOON).toBe(5);
  });

  it('loads older calls 50 at a time, newest first, until there are no more', async () => {
    // Under the rate limit (60 a second), so every one is answered and logged as a success.
    const answered = await Promise.all(
      Array.from({ length: 55 }, () =>
        fetch(`${app.url}/integration/api/crm/v2/tenant/${GLENDALE}/customers?pageSize=1`, {
          headers: { 'st-app-key': appKey, authorization: `Bearer ${token}` },
        }).then((r) => r.status),
      ),
    );
    expect(new Set(answered)).toEqual(new Set([200]));
    await app.server.runtime.requestLog.flush();
    const log = page.getByRole('region', { name: 'Request log' });
    const rows = log.getByRole('table').locator('tbody tr');
    await log.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => rows.count(), SOON).toBe(50);
    // The first calls made, the token request last of all, are on the older page.
    await expect(log.getByText(/connect\/token/).count()).resolves.toBe(0);
    await log.getByRole('button', { name: 'Load older requests' }).click();
    await expect.poll(() => rows.count(), SOON).toBe(60);
    await expect(rows.last().textContent()).resolves.toMatch(/POST \/\{environment\}\/connect\/token/);
    await log.getByText('No older requests in this range.').waitFor();
    await expect(log.getByRole('button', { name: 'Load older requests' }).count()).resolves.toBe(0);
    const times = await rows
      .locator('time')
      .evaluateAll((list) => list.map((t) => t.getAttribute('datetime') ?? ''));
    expect(times).toEqual([...times].sort().reverse());
  });

  it('fits a phone', async () => {
    await page.setViewportSize(PHONE);
    try {
      await screenshot(page, `${dialect}-request-log-390`);
      await checkAccessible(page, 'request-log-390', dialect);
      await expect(sticksOut(page)).resolves.toEqual([]);
      // Each call reads as a block: its request on a line of its own, under its time and status.
      const first = page.getByRole('region', { name: 'Request log' }).locator('tbody tr').first();
      const [time, request] = await Promise.all(
        [0, 2].map(async (i) => (await first.getByRole('cell').nth(i).boundingBox())!),
      );
      expect(request!.y).toBeGreaterThanOrEqual(time!.y + time!.height - 1);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('names the scope no call used, and Suggest removal opens the editor with it unticked', async () => {
    await page.goto(`${app.url}/apps/${appId}`);
    const advisor = page.getByTestId('scope-advisor');
    const used = advisor.getByRole('list', { name: 'Scopes used' });
    const unused = advisor.getByRole('list', { name: 'Scopes never used' });
    await used.getByText('tn.crm.customers:r').waitFor();
    await unused.getByText('tn.settings.technicians:r').waitFor();
    await expect(used.getByText('tn.settings.technicians:r').count()).resolves.toBe(0);
    await screenshot(page, `${dialect}-scope-advisor`);
    await checkAccessible(page, 'scope-advisor', dialect);

    await advisor.getByRole('link', { name: 'Suggest removal' }).click();
    await page.getByTestId('scope-suggestion').getByText('Suggested removal.').waitFor();
    await expect(page.getByLabel('Settings Technicians View').isChecked()).resolves.toBe(false);
    await expect(page.getByLabel('CRM Customers View').isChecked()).resolves.toBe(true);
    await screenshot(page, `${dialect}-scope-suggestion`);
    await checkAccessible(page, 'scope-suggestion', dialect);
    // Nothing is removed until the developer saves, which makes the next version as usual.
    await page.getByRole('button', { name: 'Save', exact: true }).last().click();
    await page.getByText('Saved as version 2.').waitFor();
    await page.getByRole('link', { name: 'Details' }).click();
    await page.getByTestId('nothing-to-suggest').waitFor();
  });
});
