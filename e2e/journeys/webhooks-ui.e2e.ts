import type { BrowserContext, Locator, Page } from 'playwright-core';
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
} from '../harness';
import { PHONE, sticksOut } from '../phone';

describe.each(dialects)("the developer's Webhooks tab (%s)", (dialect) => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let appId = '';
  const url = 'https://hooks.example.com/gatehouse';
  const endpointCard = (): Locator => page.getByRole('listitem', { name: url });

  beforeAll(async () => {
    app = await startApp(dialect);
    browser = await openBrowser();
    page = await browser.newPage();
    const dev = await app.t.as('dev@gatehouse.test');
    const created = await dev.apps.create({
      name: 'Hook App',
      homePageUrl: 'https://hook.example',
      tenantIds: ['985798691'],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    appId = created.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('starts with no endpoints, its code fetched only when the tab opens', async () => {
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await signIn(page, app.url, 'dev@gatehouse.test', `/apps/${appId}`);
    await page.getByRole('heading', { name: 'Hook App' }).waitFor();
    // An app without calls gets no suggestion to remove every scope.
    await page.getByTestId('scope-advisor').getByTestId('no-calls-yet').waitFor();
    await expect(page.getByRole('link', { name: 'Suggest removal' }).count()).resolves.toBe(0);
    expect(scripts.some((s) => s.includes('webhooks-page'))).toBe(false);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'No webhook endpoints yet' }).waitFor();
    expect(scripts.some((s) => s.includes('webhooks-page'))).toBe(true);
  });

  it('refuses a plain-http address, a localhost one outside the demo and no event types, next to their fields', async () => {
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const form = page.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Endpoint URL').fill('http://hooks.example.com/gatehouse');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const urlField = form.locator('.field', { has: page.getByLabel('Endpoint URL') });
    await urlField.getByText('Use an https:// URL (plain http only for localhost in the demo)').waitFor();
    await form.getByText('Pick at least one event type').waitFor();
    await expect(form.getByLabel('Endpoint URL').getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot(page, `${dialect}-webhooks-add-errors`);
    await checkAccessible(page, 'webhooks-add-errors', dialect);

    // Outside the embedded demo the server refuses localhost: its refusal shows under the field too.
    await form.getByLabel('Endpoint URL').fill('http://localhost:9/hook');
    await expect(urlField.locator('.field-error').count()).resolves.toBe(0);
    await form.getByLabel('Connection allowed').check();
    await expect(form.getByText('Pick at least one event type').count()).resolves.toBe(0);
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await urlField.locator('.field-error').waitFor();
    await expect(page.getByRole('list', { name: 'Webhook endpoints' }).count()).resolves.toBe(0);
  });

  it('adds an endpoint, shows its signing secret once, then lists it', async () => {
    const form = page.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Endpoint URL').fill(url);
    // Select all ticks every type, from the keyboard too; one unticked leaves it half-ticked.
    await form.getByLabel('Select all').focus();
    await page.keyboard.press('Space');
    const boxes = form.getByRole('group', { name: 'Event types' }).getByRole('checkbox');
    await expect(boxes.count()).resolves.toBe(12);
    for (const box of await boxes.all()) await expect(box.isChecked()).resolves.toBe(true);
    await form.getByLabel('Rate limit first hit in a day').uncheck();
    await expect(form.getByLabel('Select all').isChecked()).resolves.toBe(false);
    await form.getByRole('button', { name: 'Add endpoint' }).click();

    const secret = page.getByTestId('signing-secret');
    await secret.waitFor();
    const shown = (await secret.textContent()) ?? '';
    expect(shown.length).toBeGreaterThan(20);
    await page.getByText('It will not be shown again').waitFor();
    await page.getByRole('button', { name: 'Copy signing secret' }).waitFor();
    await endpointCard().getByText('Active', { exact: true }).waitFor();
    await screenshot(page, `${dialect}-webhooks-secret-once`);
    await checkAccessible(page, 'webhooks-secret-once', dialect);

    await page.getByRole('button', { name: 'I have stored the secret' }).click();
    await secret.waitFor({ state: 'detached' });
    const card = endpointCard();
    await card.getByText('Connection allowed').waitFor();
    await expect(card.getByText('Rate limit first hit in a day').count()).resolves.toBe(0);
    await expect(card.getByTestId('last-delivery').textContent()).resolves.toBe('None yet');
    // The secret is nowhere once dismissed, not even after a reload: only its first characters.
    await page.reload();
    await endpointCard().waitFor();
    await expect(page.content()).resolves.not.toContain(shown);
    await expect(endpointCard().textContent()).resolves.toContain(`${shown.slice(0, 6)}`);
  });

  it('edits the event types, disables and enables the endpoint', async () => {
    const card = endpointCard();
    await card.getByRole('button', { name: 'Edit' }).click();
    // Half-ticked, Select all ticks every type first; a second click clears them all.
    await card.getByLabel('Select all').check();
    await card.getByLabel('Select all').uncheck();
    await expect(card.getByRole('checkbox', { checked: true }).count()).resolves.toBe(0);
    await card.getByLabel('App approved').check();
    await card.getByRole('button', { name: 'Save endpoint' }).click();
    await card.getByRole('button', { name: 'Edit' }).waitFor();
    await expect.poll(() => card.locator('.tag').allTextContents(), SOON).toEqual(['App approved']);

    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByText('Disabled by you').waitFor();
    await expect(card.getByRole('button', { name: 'Send test event' }).isDisabled()).resolves.toBe(true);
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByText('Active', { exact: true }).waitFor();
  });

  it('rotates the secret after asking for a grace period, and shows the new one once', async () => {
    const card = endpointCard();
    await card.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    const hours = dialog.getByLabel('Grace period for the current secret (hours)');
    await expect(hours.inputValue()).resolves.toBe('24');
    await hours.fill('');
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await dialog.getByText('Enter the grace period in hours').waitFor();
    await hours.fill('2');
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'New signing secret' }).waitFor();
    await expect(page.getByTestId('signing-secret').textContent()).resolves.toBeTruthy();
    await endpointCard()
      .getByText(/the previous secret also signs until/)
      .waitFor();
    await page.getByRole('button', { name: 'I have stored the secret' }).click();
  });

  it('sends a test event and lists it in the endpoint’s delivery log, its attempts a click away', async () => {
    const card = endpointCard();
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText('Test event sent.').waitFor();
    await card.getByRole('link', { name: 'Delivery log', exact: true }).click();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    const row = page.getByRole('row', { name: /Test event/ });
    await row.waitFor();
    await row.getByRole('button', { name: 'Show attempts' }).click();
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    await page.getByText('Body sent').click();
    await expect(page.locator('pre.json').last().textContent()).resolves.toContain('"webhook.test"');
    await row.getByRole('button', { name: 'Resend' }).waitFor();
    await screenshot(page, `${dialect}-webhooks-delivery-log`);
    await checkAccessible(page, 'webhooks-delivery-log', dialect);
    await page.getByRole('link', { name: '← Webhooks' }).click();
  });

  it('fits a phone', async () => {
    await page.setViewportSize(PHONE);
    try {
      await endpointCard().waitFor();
      await screenshot(page, `${dialect}-webhooks-390`);
      await checkAccessible(page, 'webhooks-390', dialect);
      await expect(sticksOut(page)).resolves.toEqual([]);
      await endpointCard().getByRole('link', { name: 'Delivery log', exact: true }).click();
      await page.getByRole('row', { name: /Test event/ }).waitFor();
      await screenshot(page, `${dialect}-webhooks-delivery-log-390`);
      await checkAccessible(page, 'webhooks-delivery-log-390', dialect);
      await expect(sticksOut(page)).resolves.toEqual([]);
      await page.goBack();
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('asks before deleting, naming the address, and deletes only when confirmed', async () => {
    const card = endpointCard();
    await card.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await dialog.getByText(url).waitFor();
    await screenshot(page, `${dialect}-webhooks-delete-confirm`);
    await checkAccessible(page, 'webhooks-delete-confirm', dialect);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await endpointCard().waitFor();

    await card.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByRole('heading', { name: 'No webhook endpoints yet' }).waitFor();
    await expect(endpointCard().count()).resolves.toBe(0);
  });
});
