import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  DEMO_PASSWORD,
  developerAndAdminPages,
  dialects,
  type RunningApp,
  screenshot,
  startApp,
} from '../harness';
import { PHONE, sticksOut } from '../phone';

describe.each(dialects)('the main screens of both portals on a phone (%s)', (dialect) => {
  let app: RunningApp;
  let browsers: Awaited<ReturnType<typeof developerAndAdminPages>>;
  let dev: Page;
  let admin: Page;
  let appUrl = '';

  /** The screen fits the phone (nothing scrolls sideways) and has no serious accessibility problem. */
  async function fits(page: Page, name: string) {
    await screenshot(page, `${dialect}-phone-${name}`);
    await expect(sticksOut(page)).resolves.toEqual([]);
    if (dialect === 'sqlite') await checkAccessible(page, `${name} on a phone`);
  }

  /** Signs in on the phone: the top bar shows the Menu button where a wide screen shows Sign out. */
  async function signInOnPhone(page: Page, at: string, email: string) {
    await page.goto(`${app.url}${at}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Menu' }).waitFor();
  }

  /** Opens the top bar's menu and follows one of its pages. */
  async function openFromMenu(page: Page, label: string) {
    await page.getByRole('button', { name: 'Menu' }).click();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: label, exact: true })
      .click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'hidden' });
  }

  beforeAll(async () => {
    app = await startApp(dialect);
    browsers = await developerAndAdminPages();
    ({ dev, admin } = browsers);
    await Promise.all([dev.setViewportSize(PHONE), admin.setViewportSize(PHONE)]);
  });
  afterAll(async () => {
    await browsers?.close();
    await app?.close();
  });

  it('the top bar folds into a menu that keeps the pages, Sign out and the bell in reach', async () => {
    await dev.goto(`${app.url}/signin`);
    await fits(dev, 'signin');
    await signInOnPhone(dev, '/', 'dev@gatehouse.test');
    await dev.getByRole('heading', { name: 'No apps yet' }).waitFor();
    // Closed, the menu hides its pages and Sign out; the bell stays in the bar.
    await expect(dev.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(false);
    await dev.getByRole('button', { name: /Notifications, 0 unread/ }).click();
    await dev.getByRole('region', { name: 'Notifications' }).getByText('Nothing yet.').waitFor();
    await fits(dev, 'notifications');
    await dev.keyboard.press('Escape');
    const menu = dev.getByRole('button', { name: 'Menu' });
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await menu.click();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
    await dev.getByRole('button', { name: 'Sign out' }).waitFor();
    await fits(dev, 'menu');
    // Escape closes it and hands the focus back to the Menu button.
    await dev.keyboard.press('Escape');
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(menu.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    await fits(dev, 'my-apps-empty');
  });

  it('the developer creates an app and reads its tabs', async () => {
    await openFromMenu(dev, 'New App');
    await dev.getByRole('heading', { name: 'New App' }).waitFor();
    await fits(dev, 'new-app');
    await dev.getByLabel('Application name').fill('Pocket Dispatch');
    await dev.getByLabel('Home page URL').fill('https://pocket-dispatch.example.com/a/rather/long/home/page');
    await dev.getByRole('textbox', { name: 'Tenant ID' }).fill('985798691');
    await dev.getByRole('button', { name: 'Add Tenant ID' }).click();
    await dev.getByLabel('Search API scopes').fill('customers');
    await dev.getByLabel('CRM Customers View').check();
    await dev.getByRole('button', { name: 'Save', exact: true }).click();
    await dev.getByText('Pocket Dispatch is registered.').waitFor();
    appUrl = dev.url().split('?')[0]!;
    await fits(dev, 'app');
    for (const [tab, shown] of [
      ['edit', 'Details'],
      ['versions', 'Version 1'],
      ['connections', 'Not Connected Yet'],
      ['first-call', 'Integration'],
    ] as const) {
      await dev.goto(`${appUrl}/${tab}`);
      await dev.getByRole('main').getByText(shown, { exact: true }).first().waitFor();
      await fits(dev, `app-${tab}`);
    }
    await dev.goto(`${appUrl}/usage`);
    await dev.getByRole('heading', { name: 'Pocket Dispatch' }).waitFor();
    await dev.getByRole('link', { name: 'Usage' }).first().waitFor();
    await fits(dev, 'app-usage');
    await dev.goto(`${appUrl}/webhooks`);
    await dev.getByRole('heading', { name: 'Pocket Dispatch' }).waitFor();
    await fits(dev, 'app-webhooks');
    await openFromMenu(dev, 'My Apps');
    await dev.getByRole('row', { name: /Pocket Dispatch/ }).waitFor();
    await fits(dev, 'my-apps');
    await openFromMenu(dev, 'Audit trail');
    await dev.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await fits(dev, 'audit');
  });

  it('the tenant admin connects the app and manages it', async () => {
    await signInOnPhone(admin, '/admin/', 'admin@gatehouse.test');
    await admin.getByRole('heading', { name: 'No apps in Integration yet' }).waitFor();
    await fits(admin, 'admin-access-empty');
    await admin.getByRole('link', { name: 'Connect New App' }).first().click();
    await admin.getByRole('link', { name: 'Connect Pocket Dispatch' }).waitFor();
    await fits(admin, 'admin-connect-new-app');
    await admin.getByRole('link', { name: 'Connect Pocket Dispatch' }).click();
    await admin.getByRole('heading', { name: 'Connect Pocket Dispatch' }).waitFor();
    await fits(admin, 'admin-connect');
    await admin.getByRole('button', { name: 'Allow' }).click();
    await admin.getByText('It will not be shown again').waitFor();
    await fits(admin, 'admin-credentials');
    await admin.getByRole('button', { name: 'I have stored the secret' }).click();
    await admin.getByRole('heading', { name: 'Scopes in play (version 1)' }).waitFor();
    await fits(admin, 'admin-connection');
    await admin.getByRole('link', { name: 'Requests' }).click();
    await admin.getByRole('heading', { name: 'Pocket Dispatch' }).waitFor();
    await fits(admin, 'admin-connection-requests');
    await openFromMenu(admin, 'API Application Access');
    await admin.getByRole('row', { name: /Pocket Dispatch/ }).waitFor();
    await fits(admin, 'admin-access');
    await openFromMenu(admin, 'Audit trail');
    await admin.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await fits(admin, 'admin-audit');
    await admin.getByRole('button', { name: 'Menu' }).click();
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('the reviewer reads the reviewer area', async () => {
    await signInOnPhone(admin, '/admin/review', 'reviewer@gatehouse.test');
    await admin.getByRole('heading', { name: 'Nothing to review' }).waitFor();
    await fits(admin, 'review-queue');
    for (const [label, heading] of [
      ['Access requests', 'Access requests'],
      ['Audit trail (all)', 'Audit trail'],
      ['Gateway', 'Gateway'],
    ] as const) {
      await openFromMenu(admin, label);
      await admin.getByRole('heading', { name: heading }).first().waitFor();
      await fits(admin, `review-${label.replace(/\W+/g, '-').toLowerCase()}`);
    }
  });
});
