import { App } from '@gatehouse/server/db/entities';
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

describe.each(dialects)('developer registers and manages an app (%s)', (dialect) => {
  let app: RunningApp;
  let dev: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startApp(dialect);
    dev = await openBrowser();
    page = await dev.newPage();
  });
  afterAll(async () => {
    await dev?.close();
    await app?.close();
  });

  let appKey = '';
  let appUrl = '';

  it('signs in and sees the empty My Apps page', async () => {
    await signIn(page, app.url, 'dev@gatehouse.test');
    await page.getByRole('heading', { name: 'My Apps' }).waitFor();
    await page.getByRole('heading', { name: 'No apps yet' }).waitFor();
  });

  it('refuses bad input next to the field, then creates the app with version 1 and shows the app key', async () => {
    await page.getByRole('link', { name: 'New App' }).first().click();
    await page.getByRole('heading', { name: 'New App' }).waitFor();
    await page.getByLabel('Application name').fill('Dispatch Sync');
    await expect(page.getByTestId('verified-organization').textContent()).resolves.toBe(
      'Acme Field Apps (your verified organization)',
    );
    await page.getByLabel('Home page URL').fill('ftp://acme.example');
    await page.getByRole('textbox', { name: 'Tenant ID' }).fill('98x');
    await page.getByRole('button', { name: 'Add Tenant ID' }).click();
    await page.getByText('A Tenant ID is a number').waitFor();
    await page.getByRole('textbox', { name: 'Tenant ID' }).fill('985798691');
    await page.getByRole('button', { name: 'Add Tenant ID' }).click();
    await page.getByRole('list', { name: 'Tenant IDs' }).getByText('985798691').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Enter a full http:// or https:// address').waitFor();
    await page.getByText('Choose at least one API scope').waitFor();
    await screenshot(page, `${dialect}-new-app-errors`);
    await checkAccessible(page, 'new-app-errors', dialect);

    await page.getByLabel('Home page URL').fill('https://acme.example');
    await page.getByLabel('Private App').check();
    await page.getByLabel('Search API scopes').fill('customers');
    await page.getByLabel('CRM Customers View').check();
    await page.getByLabel('Search API scopes').fill('');
    await page.getByRole('button', { name: /Accounting/ }).click();
    await page.getByLabel('Accounting Invoices View').check();
    await page.getByText('2 scopes selected').waitFor();
    await screenshot(page, `${dialect}-new-app-filled`);
    await checkAccessible(page, 'new-app-filled', dialect);
    await page.getByRole('button', { name: 'Save', exact: true }).click();

    await page.getByText('Dispatch Sync is registered.').waitFor();
    appKey = (await page.getByTestId('new-app-key').textContent()) ?? '';
    expect(appKey).toMatch(/^ghak_[A-Za-z0-9_-]{32}$/);
    await expect(page.getByText('Version 1', { exact: true }).count()).resolves.toBeGreaterThan(0);
    appUrl = page.url().split('?')[0]!;
    await screenshot(page, `${dialect}-app-created`);
    await checkAccessible(page, 'app-created', dialect);
  });

  it('shows the masked key on the app page and reveals the same key', async () => {
    await page.goto(appUrl);
    const masked = page.getByLabel('App key', { exact: true });
    await expect(masked.textContent()).resolves.not.toBe(appKey);
    await page.getByRole('button', { name: 'Reveal' }).click();
    await expect(masked.textContent()).resolves.toBe(appKey);
  });

  it('adds and deletes a tenant ID without a new version', async () => {
    await page.getByRole('textbox', { name: 'Tenant ID' }).fill('985798691');
    await page.getByRole('button', { name: 'Add Tenant ID' }).click();
    await page.getByText('Tenant ID 985798691 is already listed').waitFor();
    await page.getByRole('textbox', { name: 'Tenant ID' }).fill('100200300');
    await page.getByRole('button', { name: 'Add Tenant ID' }).click();
    await page.getByRole('list', { name: 'Tenant IDs' }).getByText('100200300').waitFor();
    await page.getByRole('button', { name: 'Remove Tenant ID 100200300' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete Tenant ID' }).click();
    await page.getByRole('button', { name: 'Remove Tenant ID 100200300' }).waitFor({ state: 'detached' });
    await expect(page.getByText('Version 1', { exact: true }).count()).resolves.toBeGreaterThan(0);
  });

  it('edits scopes into version 2, and a save without changes makes no version', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('CRM Customers Modify').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved as version 2').waitFor();
    await page.getByText('Your app key stays the same').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('No changes to save').waitFor();
    await screenshot(page, `${dialect}-edit-no-change`);
    await checkAccessible(page, 'edit-no-change', dialect);
  });

  it('reads the version history with what was added', async () => {
    await page.getByRole('link', { name: 'Version history' }).click();
    const v2 = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Version 2' }) });
    await v2.getByText('CRM · Customers · Modify').waitFor();
    await v2.getByText('Dana Developer').waitFor();
    await page.getByRole('heading', { name: 'Version 1' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Version 3' }).count()).resolves.toBe(0);
    await screenshot(page, `${dialect}-version-history`);
    await checkAccessible(page, 'version-history', dialect);
    await page.getByRole('link', { name: 'Details' }).click();
    await page.getByRole('button', { name: 'Reveal' }).click();
    await expect(page.getByLabel('App key', { exact: true }).textContent()).resolves.toBe(appKey);
  });

  it('another organization cannot see the app, not even by its address', async () => {
    const other = await openBrowser();
    try {
      const otherPage = await other.newPage();
      await signIn(otherPage, app.url, 'dev2@gatehouse.test');
      await otherPage.getByRole('heading', { name: 'No apps yet' }).waitFor();
      await otherPage.goto(appUrl);
      await otherPage.getByRole('heading', { name: 'App not found' }).waitFor();
      await expect(otherPage.getByText(appKey).count()).resolves.toBe(0);
    } finally {
      await other.close();
    }
  });

  it('deletes the application after a confirmation that names it; the key is marked deleted', async () => {
    await page.goto(appUrl);
    await page.getByRole('button', { name: 'Delete application' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Delete Dispatch Sync?').waitFor();
    await expect(dialog.getByRole('button', { name: 'Delete application' }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type Dispatch Sync to confirm').fill('Dispatch Sync');
    await screenshot(page, `${dialect}-delete-confirm`);
    await checkAccessible(page, 'delete-confirm', dialect);
    await dialog.getByRole('button', { name: 'Delete application' }).click();
    await page.getByText('Dispatch Sync was deleted').waitFor();
    await page.getByRole('heading', { name: 'No apps yet' }).waitFor();
    const row = await app.t.db.em().findOneOrFail(App, { appKey });
    expect(row.deletedAt).toBeInstanceOf(Date);
    await page.goto(appUrl);
    await page.getByRole('heading', { name: 'App not found' }).waitFor();
  });
});
