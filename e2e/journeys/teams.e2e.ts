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
import { PHONE, sticksOut } from '../phone';

const TENANT = '985798691';
const COLLEAGUE = { name: 'Sam Colleague', email: 'sam@acme.example', password: 'colleague-password-2026' };

/** The link a page shows once, pointed at this run's server. */
const linkOn = (app: RunningApp, link: string) => link.replace(/^https?:\/\/[^/]+/, app.url);

describe.each(dialects)('an organization and a tenant invite their team (%s)', (dialect) => {
  let app: RunningApp;
  const contexts: BrowserContext[] = [];
  let owner: Page;
  let colleague: Page;
  let invitation = '';

  beforeAll(async () => {
    app = await startApp(dialect);
    const dev = await app.t.as('dev@gatehouse.test');
    const crew = await dev.apps.create({
      name: 'Crew Dispatch',
      homePageUrl: 'https://acme.example',
      tenantIds: [TENANT],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    const admin = await app.t.as('admin@gatehouse.test');
    await admin.connections.allow({
      tenantId: TENANT,
      environment: 'integration',
      appId: crew.id,
      credentialsIssuer: 'tenant_admin',
    });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await app?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await openBrowser();
    contexts.push(context);
    return context.newPage();
  }

  it('the Owner invites a colleague as a Developer and gets the one-time link', async () => {
    owner = await newPage();
    await signIn(owner, app.url, 'dev@gatehouse.test');
    await owner.getByRole('link', { name: 'Team' }).click();
    await owner.getByRole('heading', { name: 'Team', exact: true }).waitFor();
    const members = owner.getByRole('table', { name: 'Members of your organization' });
    await members.getByRole('cell', { name: 'dev@gatehouse.test', exact: true }).waitFor();
    await owner.getByRole('heading', { name: 'No pending invitations' }).waitFor();

    await owner.getByRole('button', { name: 'Invite member' }).click();
    await owner.getByRole('button', { name: 'Create invitation' }).click();
    await owner.getByText('Work email is required').waitFor();
    await owner.getByLabel('Email').fill('not an email');
    await owner.getByRole('button', { name: 'Create invitation' }).click();
    await owner.getByText('Enter a valid email').waitFor();
    await owner.getByLabel('Email').fill(COLLEAGUE.email);
    await owner.getByRole('radio', { name: /^Developer/ }).check();
    await owner.getByRole('button', { name: 'Create invitation' }).click();
    invitation = (await owner.getByTestId('invitation-link').textContent()) ?? '';
    expect(invitation).toMatch(/\/invitation#.+/);
    await owner
      .getByRole('table', { name: 'Pending invitations' })
      .getByRole('cell', { name: COLLEAGUE.email, exact: true })
      .waitFor();
    await screenshot(owner, `${dialect}-team-invited`);
    await checkAccessible(owner, 'Team');
  });

  it('the Owner cannot leave the organization without an Owner', async () => {
    await owner.getByRole('button', { name: 'Done' }).click();
    await owner.getByRole('button', { name: 'Remove Dana Developer' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Remove Dana Developer?' });
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await dialog.getByRole('alert').waitFor();
    await screenshot(owner, `${dialect}-team-last-owner`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('the colleague accepts with a name and password and sees the organization’s apps', async () => {
    colleague = await newPage();
    await colleague.goto(linkOn(app, invitation));
    await colleague.getByRole('heading', { name: 'Join Acme Field Apps' }).waitFor();
    await colleague.getByText('as Developer').waitFor();
    await colleague.getByRole('button', { name: 'Create account and accept' }).click();
    await colleague.getByText('Name is required').waitFor();
    await colleague.getByLabel('Name').fill(COLLEAGUE.name);
    await colleague.getByLabel('Password', { exact: true }).fill('short');
    await colleague.getByRole('button', { name: 'Create account and accept' }).click();
    await colleague.getByText('Use at least 12 characters').waitFor();
    await screenshot(colleague, `${dialect}-team-accept-errors`);
    await checkAccessible(colleague, 'Accept an invitation');
    await colleague.setViewportSize(PHONE);
    await expect(sticksOut(colleague)).resolves.toEqual([]);
    await colleague.setViewportSize({ width: 1280, height: 900 });
    await colleague.getByLabel('Password', { exact: true }).fill(COLLEAGUE.password);
    await colleague.getByLabel('Confirm password').fill(COLLEAGUE.password);
    await colleague.getByRole('button', { name: 'Create account and accept' }).click();
    await colleague.getByRole('heading', { name: 'My Apps' }).waitFor();
    await colleague.getByRole('link', { name: 'Crew Dispatch' }).waitFor();
    await colleague.getByText(`${COLLEAGUE.name} · Acme Field Apps`).waitFor();

    // A Developer reads the team and changes nothing.
    await colleague.getByRole('link', { name: 'Team' }).click();
    await colleague.getByRole('cell', { name: COLLEAGUE.email, exact: true }).waitFor();
    await expect(colleague.getByRole('button', { name: 'Invite member' }).count()).resolves.toBe(0);
    await expect(colleague.getByRole('button', { name: /^Remove / }).count()).resolves.toBe(0);
    await screenshot(colleague, `${dialect}-team-developer`);

    // The link worked once.
    const again = await newPage();
    await again.goto(linkOn(app, invitation));
    await again.getByRole('alert').waitFor();
  });

  it('the Owner makes the colleague an Owner, then removes them, and they lose access at once', async () => {
    await owner.reload();
    await owner.getByRole('cell', { name: COLLEAGUE.email, exact: true }).waitFor();
    await owner.getByRole('heading', { name: 'No pending invitations' }).waitFor();
    await owner.getByRole('button', { name: `Change role of ${COLLEAGUE.name}` }).click();
    const roleDialog = owner.getByRole('dialog', { name: `Make ${COLLEAGUE.name} an Owner?` });
    await roleDialog.getByRole('button', { name: 'Make Owner' }).click();
    await roleDialog.waitFor({ state: 'hidden' });
    const row = owner.getByRole('row').filter({ hasText: COLLEAGUE.email });
    await row.getByText('Owner', { exact: true }).waitFor();
    await owner.setViewportSize(PHONE);
    await expect(sticksOut(owner)).resolves.toEqual([]);
    await screenshot(owner, `${dialect}-team-phone`);
    await owner.setViewportSize({ width: 1280, height: 900 });

    await owner.getByRole('button', { name: `Remove ${COLLEAGUE.name}` }).click();
    const dialog = owner.getByRole('dialog', { name: `Remove ${COLLEAGUE.name}?` });
    await screenshot(owner, `${dialect}-team-remove-dialog`);
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await owner.getByRole('cell', { name: COLLEAGUE.email, exact: true }).waitFor({ state: 'detached' });

    // The colleague's next step in the open tab ends on the sign-in page.
    await colleague.getByRole('link', { name: 'Audit trail' }).click();
    await colleague.getByRole('heading', { name: 'Sign in to the Developer Portal' }).waitFor();
    await screenshot(colleague, `${dialect}-team-removed`);
  });

  it('a tenant admin invites an existing account, who signs in on the link and sees the tenant', async () => {
    const admin = await newPage();
    await signIn(admin, app.url, 'admin@gatehouse.test', '/admin/');
    await admin.getByRole('link', { name: 'Admins' }).click();
    await admin.getByRole('heading', { name: 'Admins', exact: true }).waitFor();
    await admin.getByText(`Glendale Plumbing (${TENANT})`).first().waitFor();
    await admin.getByRole('cell', { name: 'admin@gatehouse.test', exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Invite admin' }).click();
    await admin.getByRole('button', { name: 'Create invitation' }).click();
    await admin.getByText('Work email is required').waitFor();
    await admin.getByLabel('Email').fill('admin2@gatehouse.test');
    await admin.getByRole('button', { name: 'Create invitation' }).click();
    const link = (await admin.getByTestId('invitation-link').textContent()) ?? '';
    expect(link).toMatch(/\/admin\/invitation#.+/);
    await admin
      .getByRole('table', { name: 'Pending invitations' })
      .getByRole('cell', { name: 'admin2@gatehouse.test', exact: true })
      .waitFor();
    await screenshot(admin, `${dialect}-admins-invited`);

    const invited = await newPage();
    await invited.goto(linkOn(app, link));
    await invited.getByRole('heading', { name: 'Become an admin of Glendale Plumbing' }).waitFor();
    await checkAccessible(invited, 'Accept an admin invitation');
    await invited.getByLabel('Password').fill('wrong-password');
    await invited.getByRole('button', { name: 'Sign in' }).click();
    await invited.getByRole('alert').waitFor();
    await invited.getByLabel('Password').fill('gatehouse-demo');
    await invited.getByRole('button', { name: 'Sign in' }).click();
    await invited.getByRole('button', { name: 'Accept invitation' }).click();
    await invited.getByRole('heading', { name: 'API Application Access' }).waitFor();
    await invited.getByRole('link', { name: 'Crew Dispatch' }).waitFor();
    await screenshot(invited, `${dialect}-admins-accepted`);

    await admin.reload();
    await admin.getByRole('cell', { name: 'admin2@gatehouse.test', exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Remove Avery Admin' }).click();
    await admin
      .getByRole('dialog', { name: 'Remove Avery Admin?' })
      .getByRole('button', { name: 'Remove admin' })
      .click();
    await admin
      .getByRole('cell', { name: 'admin2@gatehouse.test', exact: true })
      .waitFor({ state: 'detached' });

    // An invitation sent by mistake is revoked; its link stops working.
    await admin.getByRole('button', { name: 'Invite admin' }).click();
    await admin.getByLabel('Email').fill('typo@glendale.example');
    await admin.getByRole('button', { name: 'Create invitation' }).click();
    const mistaken = (await admin.getByTestId('invitation-link').textContent()) ?? '';
    await admin.getByRole('button', { name: 'Revoke the invitation for typo@glendale.example' }).click();
    await admin.getByRole('heading', { name: 'No pending invitations' }).waitFor();
    await admin.getByTestId('invitation-link').waitFor({ state: 'detached' });
    await checkAccessible(admin, 'Admins');
    await invited.goto(linkOn(app, mistaken));
    await invited.getByRole('alert').waitFor();
    await admin.setViewportSize(PHONE);
    await expect(sticksOut(admin)).resolves.toEqual([]);
    await screenshot(admin, `${dialect}-admins-phone`);
  });
});
