import fs from 'node:fs';
import { AuditEvent, Organization } from '@gatehouse/server/db/entities';
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

/** More steps than a page shows (50), a minute apart, the newest last. */
const STEPS = 120;
const step = (n: number) => `journey.step_${String(n).padStart(3, '0')}`;

describe.each(dialects)('the audit trail pages, filters and exports (%s)', (dialect) => {
  let app: RunningApp;
  const contexts: BrowserContext[] = [];
  let reviewer: Page;
  let dev: Page;

  beforeAll(async () => {
    app = await startApp(dialect);
    const em = app.t.db.em();
    const acme = await em.findOneOrFail(Organization, { name: 'Acme Field Apps' });
    const developer = await app.t.as('dev@gatehouse.test');
    const newApp = (name: string) =>
      developer.apps.create({
        name,
        homePageUrl: 'https://example.com',
        tenantIds: ['985798691'],
        kind: 'private',
        credentialsMode: 'tenant_admin',
        scopes: ['tn.crm.customers:r'],
      });
    await newApp('Fleet Tracker');
    const planner = await newApp('Route Planner');
    const start = Date.UTC(2030, 5, 1, 9, 0);
    await em.insertMany(
      AuditEvent,
      Array.from({ length: STEPS }, (_, i) => ({
        id: crypto.randomUUID(),
        at: new Date(start + i * 60_000),
        actorEmail: 'walker@example.test',
        action: step(i + 1),
        organizationId: acme.id,
        appId: planner.id,
        tenantId: '985798691',
        after: { step: i + 1 },
      })),
    );
    for (let i = 0; i < 2; i++) contexts.push(await openBrowser());
    [reviewer, dev] = (await Promise.all(contexts.map((c) => c.newPage()))) as [Page, Page];
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await app?.close();
  });

  const firstAction = (page: Page) => page.getByRole('row').nth(1).getByRole('cell').nth(2).locator('code');

  it('the reviewer pages through the trail with Previous and Next', async () => {
    await signIn(reviewer, app.url, 'reviewer@gatehouse.test', '/admin/review/audit');
    await reviewer.getByLabel('Actor email starts with').fill('WALKER@');
    await reviewer.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(120));
    const pager = reviewer.getByRole('navigation', { name: 'Pages' });
    await expect.poll(() => pager.getByText('Page 1').count()).toBe(1);
    expect(await pager.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(70));
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(20));
    expect(await reviewer.getByRole('row').count()).toBe(21);
    expect(await pager.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await screenshot(reviewer, `${dialect}-audit-trail-last-page`);
    await checkAccessible(reviewer, 'audit-trail-last-page', dialect);
    await pager.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(70));
  });

  it('new filters start again from the first page', async () => {
    await reviewer.getByLabel('Action starts with').fill('journey.step_0');
    await reviewer.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(99));
    await reviewer.getByRole('navigation', { name: 'Pages' }).getByText('Page 1').waitFor();
  });

  it('the filters and the page are still there after a visit elsewhere and Back', async () => {
    const pager = reviewer.getByRole('navigation', { name: 'Pages' });
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(49));
    await reviewer.getByRole('link', { name: 'Review queue' }).click();
    await reviewer.getByRole('heading', { name: 'Review queue' }).waitFor();
    await reviewer.goBack();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(49));
    await pager.getByText('Page 2').waitFor();
    expect(await reviewer.getByLabel('Actor email starts with').inputValue()).toBe('WALKER@');
    expect(await reviewer.getByLabel('Action starts with').inputValue()).toBe('journey.step_0');
    await pager.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(99));
    // Back past the action filter: the form shows the filters of then, and their page.
    await reviewer.goBack();
    await reviewer.goBack();
    await reviewer.goBack();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(70));
    await pager.getByText('Page 2').waitFor();
    expect(await reviewer.getByLabel('Action starts with').inputValue()).toBe('');
    await reviewer.goForward();
    await expect.poll(() => firstAction(reviewer).textContent()).toBe(step(99));
    expect(await reviewer.getByLabel('Action starts with').inputValue()).toBe('journey.step_0');
  });

  it('Export CSV downloads the filtered trail, newest first', async () => {
    const link = reviewer.getByRole('link', { name: 'Export CSV' });
    expect(await link.getAttribute('aria-describedby')).toBe('audit-export-note');
    await reviewer
      .getByText('The CSV file holds the newest 10,000 events that match the applied filters.')
      .waitFor();
    const [download] = await Promise.all([reviewer.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^gatehouse-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(lines[0]).toBe('at,actor,action,organization,app,app_id,tenant,before,after');
    expect(lines[1]).toContain(`"walker@example.test","${step(99)}","Acme Field Apps","Route Planner"`);
    expect(lines[2]).toContain(`"${step(98)}"`);
    expect(lines).toHaveLength(99 + 2);
    await screenshot(reviewer, `${dialect}-audit-trail-filtered`);
    await checkAccessible(reviewer, 'audit-trail-filtered', dialect);
  });

  it('a developer filters by an app found by its name', async () => {
    await signIn(dev, app.url, 'dev@gatehouse.test', '/audit');
    const picker = dev.getByRole('combobox', { name: 'App' });
    await picker.fill('route');
    await dev.getByRole('option', { name: 'Route Planner' }).waitFor();
    await expect.poll(() => dev.getByRole('option', { name: 'Fleet Tracker' }).count()).toBe(0);
    await screenshot(dev, `${dialect}-audit-trail-app-picker`);
    await checkAccessible(dev, 'audit-trail-app-picker', dialect);
    await picker.press('ArrowDown');
    await picker.press('Enter');
    expect(await picker.inputValue()).toBe('Route Planner');
    await dev.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => firstAction(dev).textContent()).toBe(step(120));
    const apps = await dev.getByRole('row').locator('td:nth-child(4)').allTextContents();
    expect(new Set(apps)).toEqual(new Set(['Route Planner']));
    const href = await dev.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toMatch(/^\/exports\/audit\.csv\?view=developer&appId=[0-9a-f-]{36}$/);
  });

  it('a reload keeps the app filter and shows its name', async () => {
    await dev.reload();
    const picker = dev.getByRole('combobox', { name: 'App' });
    await expect.poll(() => picker.inputValue()).toBe('Route Planner');
    await expect.poll(() => firstAction(dev).textContent()).toBe(step(120));
    expect(new URL(dev.url()).searchParams.get('appId')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the app picker chooses only from an answer to what is typed, and says when nothing matches', async () => {
    const picker = dev.getByRole('combobox', { name: 'App' });
    await picker.fill('route');
    await dev.getByRole('option', { name: 'Route Planner' }).waitFor();
    // Enter straight after typing: the apps offered still answer "route", so nothing is chosen.
    await picker.fill('fleet');
    await picker.press('Enter');
    expect(await picker.inputValue()).toBe('fleet');
    await dev.getByRole('option', { name: 'Fleet Tracker' }).waitFor();
    await expect.poll(() => dev.getByRole('option', { name: 'Route Planner' }).count()).toBe(0);
    expect(await picker.inputValue()).toBe('fleet');
    expect(await picker.getAttribute('aria-expanded')).toBe('true');
    expect(await picker.getAttribute('aria-activedescendant')).toBe('audit-appId-option-0');
    await picker.press('Enter');
    expect(await picker.inputValue()).toBe('Fleet Tracker');
    expect(await picker.getAttribute('aria-expanded')).toBe('false');

    await picker.fill('zeta');
    await dev.getByRole('status').filter({ hasText: 'No apps match' }).waitFor();
    expect(await picker.getAttribute('aria-expanded')).toBe('false');
    await screenshot(dev, `${dialect}-audit-trail-app-picker-no-match`);
    await checkAccessible(dev, 'audit-trail-app-picker-no-match', dialect);
  });

  it('Apply with an app name typed but not chosen takes the app of that exact name, or asks to pick one', async () => {
    const picker = dev.getByRole('combobox', { name: 'App' });
    const before = dev.url();
    await picker.fill('route plan');
    await picker.press('Escape');
    await dev.getByRole('button', { name: 'Apply filters' }).click();
    await dev.getByRole('alert').filter({ hasText: 'Pick an app from the list' }).waitFor();
    expect(await picker.getAttribute('aria-invalid')).toBe('true');
    expect(dev.url()).toBe(before);
    await screenshot(dev, `${dialect}-audit-trail-app-picker-not-chosen`);
    await checkAccessible(dev, 'audit-trail-app-picker-not-chosen', dialect);

    // The whole name in another letter case, Enter with the list closed: that app.
    await picker.fill('FLEET TRACKER');
    await picker.press('Escape');
    await picker.press('Enter');
    await expect.poll(() => picker.inputValue()).toBe('Fleet Tracker');
    await expect.poll(() => dev.getByText('Pick an app from the list').count()).toBe(0);
    await expect.poll(() => dev.url()).not.toBe(before);
    await dev.getByRole('cell', { name: 'Route Planner' }).first().waitFor({ state: 'detached' });
    const apps = await dev.getByRole('row').locator('td:nth-child(4)').allTextContents();
    expect(new Set(apps)).toEqual(new Set(['Fleet Tracker']));
  });
});
