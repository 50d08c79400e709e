import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  checkAccessible,
  dialects,
  openBrowser,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from '../harness';

describe.each(dialects)('a request for access approved by the reviewer (%s)', (dialect) => {
  let app: RunningApp;
  const contexts: BrowserContext[] = [];
  let setupLink = '';

  beforeAll(async () => {
    app = await startApp(dialect);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await app?.close();
  });

  it('a visitor requests developer access without signing in', async () => {
    const visitor = await openBrowser();
    contexts.push(visitor);
    const page = await visitor.newPage();
    await page.goto(`${app.url}/signin`);
    await page.getByRole('link', { name: 'Request Access' }).click();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByText('Name is required').waitFor();
    await page.getByLabel('Name').fill('Pat Newcomer');
    await page.getByLabel('Work email').fill('pat@newco.example');
    await page.getByLabel('Organization').fill('NewCo Integrations');
    await page.getByLabel('Developer').check();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Request received' }).waitFor();
  });

  it('the reviewer approves it and gets a one-time link', async () => {
    const reviewerContext = await openBrowser();
    contexts.push(reviewerContext);
    const reviewer = await reviewerContext.newPage();
    await signIn(reviewer, app.url, 'reviewer@gatehouse.test', '/admin/review/requests');
    const entry = reviewer.getByRole('listitem', { name: 'Request from pat@newco.example' });
    await entry.getByText('new organization').waitFor();
    await entry.getByRole('button', { name: 'Approve' }).click();
    setupLink = (await reviewer.getByTestId('setup-link').textContent()) ?? '';
    await screenshot(reviewer, `${dialect}-access-approved`);
    await checkAccessible(reviewer, 'access-approved', dialect);
  });

  it('the new user sets a password through the link and is signed in', async () => {
    const userContext = await openBrowser();
    contexts.push(userContext);
    const page = await userContext.newPage();
    await page.goto(setupLink.replace(/^https?:\/\/[^/]+/, app.url));
    await page.getByText('Welcome, Pat Newcomer').waitFor();
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByText('Use at least 12 characters').waitFor();
    await page.getByLabel('New password').fill('newcomer-password-2026');
    await page.getByLabel('Confirm password').fill('newcomer-password-2026');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('heading', { name: 'My Apps' }).waitFor();
    await page.getByText('Pat Newcomer · NewCo Integrations').waitFor();
    await page.goto(setupLink.replace(/^https?:\/\/[^/]+/, app.url));
    await page.getByText('This link is not valid any more').waitFor();

    const again = await openBrowser();
    contexts.push(again);
    const fresh = await again.newPage();
    await fresh.goto(`${app.url}/signin`);
    await fresh.getByLabel('Email').fill('pat@newco.example');
    await fresh.getByLabel('Password').fill('newcomer-password-2026');
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.getByRole('heading', { name: 'My Apps' }).waitFor();
  });
});
