import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  clientToken,
  developerAndAdminPages,
  dialects,
  GLENDALE,
  type RunningApp,
  SOON,
  screenshot,
  signIn,
  startApp,
} from '../harness';
import { type ReceivedRequest, startReceiver, type WebhookReceiver } from '../webhook-receiver';

const CUSTOMERS = '/crm/v2/tenant/{tenant}/customers';

/** A delivery's body once its signature checks out with `secret`; throws otherwise. */
function verified(secret: string, request: ReceivedRequest): { type: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(request.body, request.headers) as {
    type: string;
    data: Record<string, unknown>;
  };
}

/*
 * The issue's whole journey, in Chromium: a developer subscribes a local
 * receiver to their app's events, a tenant admin allows the app, the receiver
 * gets a delivery signed with the secret the page showed once; deliveries to
 * a receiver that is down are retried and logged, and Resend delivers once it
 * is back; the app's real API calls show in both portals' request logs, and
 * the advisor names the scope they never needed.
 */
describe.each(dialects)('webhooks, the request log and the advisor, end to end (%s)', (dialect) => {
  let app: RunningApp;
  let browsers: Awaited<ReturnType<typeof developerAndAdminPages>>;
  let dev: Page;
  let admin: Page;
  let receiver: WebhookReceiver;
  let appId = '';
  let appKey = '';
  let signingSecret = '';
  let connectionUrl = '';
  let credentials = { clientId: '', clientSecret: '' };

  beforeAll(async () => {
    receiver = await startReceiver();
    app = await startApp(dialect, {
      // The demo's localhost rule, and retries a journey can wait for: 0.3 s, 0.6 s, then a minute.
      webhooks: { allowLoopback: true, retryScheduleMs: [300, 600, 60_000], pollMs: 100 },
    });
    const developer = await app.t.as('dev@gatehouse.test');
    const created = await developer.apps.create({
      name: 'Hooked App',
      homePageUrl: 'https://hooked.example',
      tenantIds: [GLENDALE],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      // Its calls below only read customers: the technicians scope goes unused.
      scopes: ['tn.crm.customers:r', 'tn.settings.technicians:r'],
    });
    appId = created.id;
    appKey = created.appKey;
    browsers = await developerAndAdminPages();
    ({ dev, admin } = browsers);
  });
  afterAll(async () => {
    await browsers?.close();
    await app?.close();
    await receiver?.stop().catch(() => {});
  });

  it('the developer adds an endpoint for the local receiver and sees its signing secret once', async () => {
    await signIn(dev, app.url, 'dev@gatehouse.test', `/apps/${appId}/webhooks`);
    await dev.getByRole('heading', { name: 'No webhook endpoints yet' }).waitFor();
    await dev.getByRole('button', { name: 'Add endpoint' }).click();
    const form = dev.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Endpoint URL').fill(receiver.url);
    await form.getByLabel('Connection allowed').check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await dev.getByText('It will not be shown again').waitFor();
    signingSecret = (await dev.getByTestId('signing-secret').textContent()) ?? '';
    expect(signingSecret).toMatch(/^whsec_/);
    await screenshot(dev, `${dialect}-webhooks-secret`);
    await checkAccessible(dev, 'webhooks-secret', dialect);
    await dev.getByRole('button', { name: 'I have stored the secret' }).click();
    const endpoint = dev.getByRole('list', { name: 'Webhook endpoints' }).getByRole('listitem').first();
    await endpoint.getByRole('heading', { name: receiver.url }).waitFor();
    await expect(dev.getByText(signingSecret).count()).resolves.toBe(0);
  });

  it('the tenant admin allows the app; the receiver gets a delivery signed with that secret, naming the event, app, tenant and environment', async () => {
    await signIn(admin, app.url, 'admin@gatehouse.test', '/admin/');
    await admin.getByRole('link', { name: 'Connect New App' }).first().click();
    await admin.getByRole('link', { name: 'Connect Hooked App' }).click();
    await admin.getByRole('button', { name: 'Allow' }).click();
    await admin.getByText('It will not be shown again').waitFor();
    credentials = {
      clientId: (await admin.getByTestId('client-id').textContent()) ?? '',
      clientSecret: (await admin.getByTestId('client-secret').textContent()) ?? '',
    };
    await admin.getByRole('button', { name: 'I have stored the secret' }).click();
    await admin.getByRole('heading', { name: 'Hooked App' }).waitFor();
    connectionUrl = admin.url();
    const connectionId = connectionUrl.split('/connections/')[1];

    await expect.poll(() => receiver.received.length, SOON).toBe(1);
    const [delivery] = receiver.received as [ReceivedRequest];
    expect(delivery.method).toBe('POST');
    expect(delivery.path).toBe('/hook');
    const body = verified(signingSecret, delivery);
    expect(body.type).toBe('connection.allowed');
    expect(body.data).toMatchObject({
      appId,
      tenantId: GLENDALE,
      environment: 'integration',
      connectionId,
      clientId: credentials.clientId,
    });
    // Signed with that secret and no other, and carrying no secret of any kind.
    const otherSecret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')}`;
    expect(() => verified(otherSecret, delivery)).toThrow();
    expect(delivery.body).not.toContain(credentials.clientSecret);
    expect(delivery.body).not.toContain(signingSecret.slice('whsec_'.length));
  });

  it('the delivery log shows it as succeeded, under the message id the receiver got', async () => {
    await dev.goto(`${app.url}/apps/${appId}/webhooks`);
    await dev.getByTestId('last-delivery').getByText('Succeeded').waitFor();
    await dev.getByRole('link', { name: 'Delivery log' }).click();
    const allowed = deliveryRow(dev, 'Connection allowed');
    await allowed.getByText('Succeeded').waitFor();
    await expect(allowed.getByRole('cell').nth(3).textContent()).resolves.toBe('1');
    await expect(allowed.getByRole('cell').nth(4).textContent()).resolves.toBe('200');
    const details = await openAttempts(dev, allowed);
    await details.getByText('HTTP 200').waitFor();
    await details.getByText('Body sent').click();
    await details.getByText(receiver.received[0]!.headers['webhook-id']!, { exact: true }).waitFor();
    await screenshot(dev, `${dialect}-webhooks-delivered`);
    await checkAccessible(dev, 'webhooks-delivered', dialect);
  });

  it('with the receiver stopped a test event is retried, each failed attempt logged; Resend after a restart succeeds', async () => {
    await receiver.stop();
    await dev.getByRole('button', { name: 'Send test event' }).click();
    const test = deliveryRow(dev, 'Test event');
    await test.waitFor();
    // The first try and two retries fail; the next waits a minute.
    const attempts = async () => Number(await test.getByRole('cell').nth(3).textContent());
    await expect.poll(attempts, { timeout: 20_000 }).toBe(3);
    await test.getByText('Pending').waitFor();
    const details = await openAttempts(dev, test);
    await expect.poll(() => details.getByText('No answer').count(), SOON).toBe(3);
    await expect(details.locator('.field-error').count()).resolves.toBe(3);
    await screenshot(dev, `${dialect}-webhooks-retries`);
    await checkAccessible(dev, 'webhooks-retries', dialect);
    expect(receiver.received).toHaveLength(1);

    await receiver.start();
    await test.getByRole('button', { name: 'Resend' }).click();
    await test.getByText('Sent again.').waitFor();
    await test.getByText('Succeeded').waitFor();
    await expect(attempts()).resolves.toBe(4);
    await details.getByText('HTTP 200').waitFor();
    await screenshot(dev, `${dialect}-webhooks-resent`);
    await checkAccessible(dev, 'webhooks-resent', dialect);
    expect(receiver.received).toHaveLength(2);
    const resent = receiver.received[1]!;
    expect(verified(signingSecret, resent).type).toBe('webhook.test');
  });

  it("the app's real API calls show in the developer's and the tenant admin's request logs, and the advisor names the scope they never used", async () => {
    const accessToken = await clientToken(app.url, credentials);
    const call = (method: string) =>
      fetch(`${app.url}/integration/api/crm/v2/tenant/${GLENDALE}/customers`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, 'st-app-key': appKey },
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
    await expect(Promise.all([call('GET'), call('GET'), call('POST')])).resolves.toEqual([200, 200, 403]);
    // Both are written in batches off the calls' path: written now rather than waited for.
    await Promise.all([app.server.runtime.requestLog.flush(), app.server.runtime.usage.flush()]);

    // The developer's API Usage Report.
    await dev.goto(`${app.url}/apps/${appId}/usage`);
    await expectLoggedCalls(dev);
    await screenshot(dev, `${dialect}-webhooks-developer-request-log`);
    await checkAccessible(dev, 'webhooks-developer-request-log', dialect);

    // The tenant admin's connection page.
    await admin.goto(`${connectionUrl}/requests`);
    await expectLoggedCalls(admin);
    await screenshot(admin, `${dialect}-webhooks-admin-request-log`);
    await checkAccessible(admin, 'webhooks-admin-request-log', dialect);

    // The advisor, on the app's Details.
    await dev.goto(`${app.url}/apps/${appId}`);
    const advisor = dev.getByRole('region', { name: 'Scopes in use' });
    await advisor.getByRole('list', { name: 'Scopes used' }).getByText('CRM · Customers · View').waitFor();
    const unused = advisor.getByRole('list', { name: 'Scopes never used' });
    await expect(unused.getByRole('listitem').allTextContents()).resolves.toEqual([
      'Settings · Technicians · View tn.settings.technicians:r',
    ]);
    await screenshot(dev, `${dialect}-webhooks-advisor`);
    await checkAccessible(dev, 'webhooks-advisor', dialect);
  });
});

/** The delivery log's row of the delivery of `eventLabel` (one of each in this journey). */
function deliveryRow(page: Page, eventLabel: string) {
  return page
    .getByRole('table', { name: 'Deliveries, newest first' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: eventLabel, exact: true }) });
}

/** Opens a delivery's attempts and body, drawn in a row of their own under it; that row. */
async function openAttempts(page: Page, row: ReturnType<typeof deliveryRow>) {
  await row.getByRole('button', { name: 'Show attempts' }).click();
  const id = await row.getByRole('button', { name: 'Hide attempts' }).getAttribute('aria-controls');
  return page.locator(`[id="${id}"]`);
}

/** The token request, two reads and a refused write, each with its status and latency, in a request log on `page`. */
async function expectLoggedCalls(page: Page) {
  const log = page.getByRole('table', { name: 'Requests, newest first' });
  const rows = log.getByRole('row').filter({ has: page.getByRole('cell', { name: /\d ms$/ }) });
  const reads = rows.filter({ hasText: `GET ${CUSTOMERS}` });
  await expect.poll(() => reads.count(), SOON).toBe(2);
  for (const row of await reads.all()) await row.getByRole('cell', { name: '200', exact: true }).waitFor();
  const refused = rows.filter({ hasText: `POST ${CUSTOMERS}` });
  await refused.getByRole('cell', { name: '403', exact: true }).waitFor();
  await refused.getByText('insufficient_scope').waitFor();
  await rows.filter({ hasText: 'connect/token' }).getByRole('cell', { name: '200', exact: true }).waitFor();
}
