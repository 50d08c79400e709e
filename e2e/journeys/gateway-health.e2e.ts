import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readGatewayConfig } from '@gatehouse/server/gateway/config';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessible,
  clientToken,
  connectedApp,
  DEMO_PASSWORD,
  GLENDALE,
  openBrowser,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from '../harness';

const TENANT = GLENDALE;

/** A port nothing listens on: bound once by the system, then let go. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A gateway config file as an operator writes one (GATEHOUSE_GATEWAY_CONFIG). */
function configFile(config: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-gateway-'));
  const file = path.join(dir, 'gateway.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

// The circuits and counts live in the server's memory, whatever the database: one dialect will do.
describe('the reviewer sees the gateway upstreams and their health (sqlite)', () => {
  let upstream: FastifyInstance;
  let app: RunningApp;
  let file = '';
  const contexts: BrowserContext[] = [];
  let reviewer: Page;
  let call: (apiPath: string, method?: string) => Promise<number>;

  beforeAll(async () => {
    upstream = Fastify();
    upstream.get('/crm/v2/tenant/:tenant/customers', async () => ({ data: [{ id: 1, name: 'Ada' }] }));
    await upstream.listen({ port: 0, host: '127.0.0.1' });
    const { port } = upstream.server.address() as net.AddressInfo;
    file = configFile({
      upstreams: {
        crm: `http://127.0.0.1:${port}`,
        jpm: {
          url: `http://127.0.0.1:${await closedPort()}`,
          timeoutMs: 1500,
          breaker: { failures: 2, cooldownMs: 600_000 },
        },
      },
      routes: [
        { method: 'POST', path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'tn.crm.customers:w' },
        { path: '/jpm/v2/tenant/{tenant}/exports/**', scope: 'deny' },
      ],
    });
    app = await startApp('sqlite', { gateway: readGatewayConfig({ file }) });

    const connected = await connectedApp(app.t, {
      name: 'Gateway App',
      scopes: ['tn.crm.customers:r', 'tn.jpm.jobs:r'],
    });
    const token = await clientToken(app.url, connected.credentials);
    call = async (apiPath, method = 'GET') => {
      const response = await fetch(`${app.url}/integration/api/${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'st-app-key': connected.appKey },
      });
      await response.arrayBuffer();
      return response.status;
    };

    for (let i = 0; i < 2; i++) contexts.push(await openBrowser());
    reviewer = await contexts[0]!.newPage();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await app?.close();
    await upstream?.close();
    if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('the calls go through the gateway: the live upstream answers, the dead one fails twice and then its circuit opens', async () => {
    expect(await call(`crm/v2/tenant/${TENANT}/customers`)).toBe(200);
    const dead = `jpm/v2/tenant/${TENANT}/jobs`;
    expect([await call(dead), await call(dead)]).toEqual([502, 502]);
    expect(await call(dead)).toBe(503);
  });

  it('the Gateway page shows the live upstream Closed and the dead one Open with its last error', async () => {
    await signIn(reviewer, app.url, 'reviewer@gatehouse.test', '/admin/review');
    await reviewer.getByRole('link', { name: 'Gateway' }).click();
    await reviewer.getByRole('heading', { name: 'Gateway', level: 1 }).waitFor();
    expect(new URL(reviewer.url()).pathname).toBe('/admin/review/gateway');

    const upstreams = reviewer.getByRole('table', { name: /Upstreams by API area/ });
    const crm = upstreams.getByRole('row', { name: /CRM/ });
    const jpm = upstreams.getByRole('row', { name: /Job Planning/ });
    await crm.getByText('Closed', { exact: true }).waitFor();
    await crm.getByText('0 of 5 failures in a row').waitFor();
    await crm.getByText('1 call', { exact: true }).waitFor();
    await jpm.getByText(/^Open — retrying at \d/).waitFor();
    await jpm.getByText('2 of 2 failures in a row').waitFor();
    await jpm.getByText('2 failed').waitFor();
    expect(await jpm.getByRole('cell').nth(1).textContent()).toMatch(/ECONNREFUSED|refused/i);
    await jpm.getByText('Timeout 1.5 s').waitFor();

    const rules = reviewer.getByRole('table', { name: /Route rules/ });
    const merge = rules.getByRole('row', { name: /customers\/\*\/merge/ });
    await merge.getByText('POST', { exact: true }).waitFor();
    await merge.getByText('tn.crm.customers:w').waitFor();
    const exports = rules.getByRole('row', { name: /exports/ });
    await exports.getByText('Any', { exact: true }).waitFor();
    await exports.getByText('Refused', { exact: true }).waitFor();
    await reviewer.getByText("These figures are this server instance's").waitFor();
    await screenshot(reviewer, 'gateway-health-1280');
    await checkAccessible(reviewer, 'gateway-health-1280');
  });

  it('Refresh, from the keyboard, and the 5-second refresh both show new calls', async () => {
    const crm = reviewer
      .getByRole('table', { name: /Upstreams by API area/ })
      .getByRole('row', { name: /CRM/ });
    expect(await call(`crm/v2/tenant/${TENANT}/customers`)).toBe(200);
    await reviewer.getByRole('button', { name: 'Refresh' }).focus();
    await reviewer.keyboard.press('Enter');
    await crm.getByText('2 calls', { exact: true }).waitFor({ timeout: 4000 });
    await reviewer.getByRole('status').getByText('Figures refreshed.').waitFor();

    expect(await call(`crm/v2/tenant/${TENANT}/customers`)).toBe(200);
    await crm.getByText('3 calls', { exact: true }).waitFor({ timeout: 12_000 });
  });

  it('keeps the last figures and says so when a refresh fails', async () => {
    const upstreamsCall = /\/trpc\/gateway\.upstreams/;
    await reviewer.route(upstreamsCall, (route) => route.abort('connectionrefused'));
    await reviewer.getByRole('button', { name: 'Refresh' }).click();
    await reviewer.getByText(/^The figures could not be refreshed \(/).waitFor();
    await reviewer
      .getByRole('table', { name: /Upstreams by API area/ })
      .getByRole('row', { name: /CRM/ })
      .waitFor();
    await reviewer.unroute(upstreamsCall);
    await reviewer.getByRole('button', { name: 'Refresh' }).click();
    await reviewer.getByText(/^The figures could not be refreshed \(/).waitFor({ state: 'detached' });
  });

  it('fits a phone: each upstream and rule reads as a block within the screen', async () => {
    await reviewer.setViewportSize({ width: 390, height: 844 });
    const jpm = reviewer
      .getByRole('table', { name: /Upstreams by API area/ })
      .getByRole('row', { name: /Job Planning/ });
    await jpm.getByText(/^Open — retrying at \d/).waitFor();
    // The content, not the shared top bar: its menu is wider than a phone on every page.
    const overflow = await reviewer.evaluate(() => {
      const main = document.querySelector('main')!;
      const tables = Array.from(
        main.querySelectorAll('table'),
        (table) => table.getBoundingClientRect().right,
      );
      return { main: main.scrollWidth - main.clientWidth, right: Math.max(...tables) - window.innerWidth };
    });
    expect(overflow.main).toBeLessThanOrEqual(0);
    expect(overflow.right).toBeLessThanOrEqual(0);
    // Each cell on a line of its own, under the one before it, rather than a row squeezed into columns.
    const [circuit, lastError] = await Promise.all(
      [0, 1].map(async (i) => (await jpm.getByRole('cell').nth(i).boundingBox())!),
    );
    expect(lastError!.y).toBeGreaterThanOrEqual(circuit!.y + circuit!.height - 1);
    await screenshot(reviewer, 'gateway-health-390');
    await checkAccessible(reviewer, 'gateway-health-390');
    await reviewer.setViewportSize({ width: 1280, height: 900 });
  });

  it('turns a tenant admin and a developer away from the page, which never asks for the upstreams', async () => {
    const other = await contexts[1]!.newPage();
    const asked: string[] = [];
    other.on('request', (request) => {
      if (request.url().includes('gateway.upstreams')) asked.push(request.url());
    });
    await signIn(other, app.url, 'admin@gatehouse.test', '/admin/review/gateway');
    await other.getByText('Only platform reviewers can open the reviewer area.').waitFor();
    expect(await other.getByRole('link', { name: 'Gateway' }).count()).toBe(0);
    expect(await other.getByRole('table').count()).toBe(0);
    await other.getByRole('button', { name: 'Sign out' }).click();

    // A developer has no way into the admin console at all: no menu, no Sign out, just the refusal.
    await other.goto(`${app.url}/admin/review/gateway`);
    await other.getByLabel('Email').fill('dev@gatehouse.test');
    await other.getByLabel('Password').fill(DEMO_PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByText('The admin console is for tenant admins and platform reviewers.').waitFor();
    expect(await other.getByRole('table').count()).toBe(0);
    expect(asked).toEqual([]);
  });
});

describe('the Gateway page without gateway mode (sqlite)', () => {
  let app: RunningApp;
  let browser: BrowserContext;

  beforeAll(async () => {
    app = await startApp('sqlite');
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('says gateway mode is off and how to turn it on', async () => {
    const page = await browser.newPage();
    await signIn(page, app.url, 'reviewer@gatehouse.test', '/admin/review/gateway');
    await page.getByRole('heading', { name: 'Gateway mode is off' }).waitFor();
    await page.getByText('{"crm":"http://10.0.0.5:8080"}').waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    await screenshot(page, 'gateway-off-1280');
    await checkAccessible(page, 'gateway-off-1280');
  });
});
