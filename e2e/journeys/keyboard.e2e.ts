import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, developerAndAdminPages, dialects, type RunningApp, startApp } from '../harness';

/** What has the keyboard focus: its role-ish kind, its name as a user hears it, and whether its focus shows. */
interface Focused {
  kind: string;
  name: string;
  visible: boolean;
}

function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { kind: 'body', name: '', visible: false };
    const labelledBy = element.getAttribute('aria-labelledby');
    const labels = (element as HTMLInputElement).labels;
    const name =
      element.getAttribute('aria-label') ??
      (labelledBy ? document.getElementById(labelledBy)?.textContent : null) ??
      (labels && labels.length > 0 ? labels[0]!.textContent : null) ??
      element.textContent ??
      '';
    const style = getComputedStyle(element);
    const outlined = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
    const shadowed = style.boxShadow !== 'none' && style.boxShadow !== '';
    const kind =
      element.getAttribute('role') ??
      (element.tagName === 'INPUT'
        ? `input:${(element as HTMLInputElement).type}`
        : element.tagName.toLowerCase());
    return { kind, name: name.replace(/\s+/g, ' ').trim(), visible: outlined || shadowed };
  });
}

/**
 * Presses Tab (or Shift+Tab) until the element named `name` has the focus, and
 * checks that every element passed on the way shows its focus.
 */
async function tabTo(page: Page, name: string | RegExp, options: { back?: boolean; max?: number } = {}) {
  const seen: string[] = [];
  for (let i = 0; i < (options.max ?? 80); i++) {
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (now.kind !== 'body' && !now.visible)
      throw new Error(`${now.kind} "${now.name}" has the focus but does not show it`);
    seen.push(`${now.kind} "${now.name}"`);
    if (typeof name === 'string' ? now.name === name : name.test(now.name)) return;
  }
  throw new Error(`Tab never reached "${name}"; passed:\n${seen.join('\n')}`);
}

/** Holds the page's next request to `url` until the returned function is called. */
function holdRequest(page: Page, url: RegExp): () => void {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  void page.route(
    url,
    async (route) => {
      await released;
      await route.continue();
    },
    { times: 1 },
  );
  return release;
}

async function signInByKeyboard(page: Page, url: string, email: string) {
  await page.goto(url);
  await page.getByLabel('Email').waitFor();
  // The email field has the focus when the page opens.
  await expect(focused(page)).resolves.toMatchObject({ name: 'Email', visible: true });
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(DEMO_PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe.each(dialects)(
  'create an app, connect it and upgrade it with the keyboard alone (%s)',
  (dialect) => {
    let app: RunningApp;
    let browsers: Awaited<ReturnType<typeof developerAndAdminPages>>;
    let dev: Page;
    let admin: Page;

    beforeAll(async () => {
      app = await startApp(dialect);
      browsers = await developerAndAdminPages();
      ({ dev, admin } = browsers);
    });
    afterAll(async () => {
      await browsers?.close();
      await app?.close();
    });

    it('the developer creates an app', async () => {
      await signInByKeyboard(dev, `${app.url}/signin`, 'dev@gatehouse.test');
      // The first Tab offers to skip the top bar.
      await dev.keyboard.press('Tab');
      await expect(focused(dev)).resolves.toMatchObject({ name: 'Skip to content', visible: true });
      await tabTo(dev, 'New App');
      await dev.keyboard.press('Enter');
      await dev.getByRole('heading', { name: 'New App' }).waitFor();
      await tabTo(dev, 'Application name');
      await dev.keyboard.type('Keyboard Crew');
      await tabTo(dev, 'Home page URL');
      await dev.keyboard.type('https://keys.example');
      await tabTo(dev, 'Tenant ID');
      await dev.keyboard.type('985798691');
      await dev.keyboard.press('Enter');
      await dev.getByRole('listitem').filter({ hasText: '985798691' }).waitFor();
      await tabTo(dev, 'Search API scopes');
      await dev.keyboard.type('customers');
      await tabTo(dev, 'CRM Customers View');
      await dev.keyboard.press('Space');
      await expect(dev.getByLabel('CRM Customers View').isChecked()).resolves.toBe(true);
      // Shift+Tab goes back the way it came.
      await tabTo(dev, 'Search API scopes', { back: true });
      await tabTo(dev, 'Save');
      // While the app is being created the button says so and cannot be pressed again.
      const release = holdRequest(dev, /\/trpc\/apps\.create/);
      await dev.keyboard.press('Enter');
      const saving = dev.getByRole('button', { name: 'Saving…' });
      await saving.waitFor();
      await expect(saving.isDisabled()).resolves.toBe(true);
      release();
      await dev.getByText('Keyboard Crew is registered.').waitFor();
    });

    it('the tenant admin connects it', async () => {
      await signInByKeyboard(admin, `${app.url}/admin/signin`, 'admin@gatehouse.test');
      await admin.getByRole('heading', { name: 'No apps in Integration yet' }).waitFor();
      await tabTo(admin, 'Connect New App');
      await admin.keyboard.press('Enter');
      await tabTo(admin, 'Connect Keyboard Crew');
      await admin.keyboard.press('Enter');
      await admin.getByRole('heading', { name: 'Connect Keyboard Crew' }).waitFor();
      await tabTo(admin, 'Allow');
      await admin.keyboard.press('Enter');
      await admin.getByText('It will not be shown again').waitFor();
      await tabTo(admin, 'I have stored the secret');
      await admin.keyboard.press('Enter');
      await admin.getByRole('heading', { name: 'Scopes in play (version 1)' }).waitFor();
    });

    it('the developer makes version 2 and the tenant admin upgrades to it', async () => {
      await tabTo(dev, 'Edit');
      await dev.keyboard.press('Enter');
      await tabTo(dev, 'Search API scopes');
      await dev.keyboard.type('customers');
      await tabTo(dev, 'CRM Customers Modify');
      await dev.keyboard.press('Space');
      await tabTo(dev, 'Save');
      await dev.keyboard.press('Enter');
      await dev.getByText('Saved as version 2').waitFor();

      await tabTo(admin, 'API Application Access', { back: true });
      await admin.keyboard.press('Enter');
      const row = admin.getByRole('row', { name: /Keyboard Crew/ });
      await row.getByText('New Version Available').waitFor();
      await tabTo(admin, 'Keyboard Crew');
      await admin.keyboard.press('Enter');
      const panel = admin.getByRole('region', { name: 'Upgrade to New Version' });
      await panel.locator('.scope-added').getByText('CRM · Customers · Modify').waitFor();
      await tabTo(admin, 'Allow');
      await admin.keyboard.press('Enter');
      await admin.getByRole('heading', { name: 'Scopes in play (version 2)' }).waitFor();
    });
  },
);
