import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { buildServer, type ServerOptions } from '@gatehouse/server/http/server';
import { openTestDatabase, type TestDatabase } from '@gatehouse/server/testing';
import type { FastifyInstance } from 'fastify';
import { type BrowserContext, chromium, type Locator, type Page, type Request } from 'playwright-core';

export { dialects } from '@gatehouse/server/testing';
export const DEMO_PASSWORD = 'gatehouse-demo';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const artifacts = path.join(import.meta.dirname, 'artifacts');

export interface RunningApp {
  url: string;
  t: TestDatabase;
  server: FastifyInstance;
  close(): Promise<void>;
}

/** The whole product on a fresh demo database, listening on a free port; `options` go to the server (gateway mode, …). */
export async function startApp(
  dialect: 'sqlite' | 'postgresql',
  options: Omit<ServerOptions, 'db'> = {},
): Promise<RunningApp> {
  const t = await openTestDatabase(dialect);
  const server = await buildServer({ db: t.db, logLevel: 'warn', usageFlushMs: 0, ...options });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('server did not bind');
  return {
    url: `http://127.0.0.1:${address.port}`,
    t,
    server,
    async close() {
      await server.close();
      await t.close();
    },
  };
}

/** A connection's client credentials, as Allow hands them out. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** A token for `credentials` from the environment's token endpoint, asked for by HTTP as an app does; fails unless it is granted. */
export async function clientToken(
  baseUrl: string,
  credentials: ClientCredentials,
  environment: 'integration' | 'production' = 'integration',
): Promise<string> {
  const response = await fetch(`${baseUrl}/${environment}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }),
  });
  if (response.status !== 200)
    throw new Error(`token request answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The Glendale demo tenant, which the demo admin administers. */
export const GLENDALE = '985798691';
/** The Summit demo tenant, which the second demo admin administers. */
export const SUMMIT = '100200300';

/**
 * expect.poll's patience for what a screen shows once its code and queries
 * have loaded, or a request the server handles in the background: more than
 * its default second on a busy machine.
 */
export const SOON = { timeout: 15_000 };

/**
 * A private app of the demo developer's with `scopes`, allowed by the demo
 * admin on Glendale's integration environment: what a journey about an app's
 * API calls starts from.
 */
export async function connectedApp(
  t: TestDatabase,
  app: { name: string; scopes: string[] },
): Promise<{ appId: string; appKey: string; connectionId: string; credentials: ClientCredentials }> {
  const [dev, admin] = await Promise.all([t.as('dev@gatehouse.test'), t.as('admin@gatehouse.test')]);
  const created = await dev.apps.create({
    name: app.name,
    homePageUrl: 'https://apps.example',
    tenantIds: [GLENDALE],
    kind: 'private',
    credentialsMode: 'tenant_admin',
    scopes: app.scopes,
  });
  const granted = await admin.connections.allow({
    tenantId: GLENDALE,
    environment: 'integration',
    appId: created.id,
    credentialsIssuer: 'tenant_admin',
  });
  return {
    appId: created.id,
    appKey: created.appKey,
    connectionId: granted.connection.id,
    credentials: { clientId: granted.clientId, clientSecret: granted.clientSecret },
  };
}

/** Chromium with a fresh profile; one per user so sessions never mix. */
export async function openBrowser(): Promise<BrowserContext> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15_000);
  const violations = await recordPolicyViolations(context);
  const close = context.close.bind(context);
  // Closing is where a journey learns that a screen it visited broke the Content-Security-Policy.
  context.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
    if (violations.length > 0)
      throw new Error(`Content-Security-Policy violations:\n${[...new Set(violations)].join('\n')}`);
  };
  return context;
}

const VIOLATION = 'Content-Security-Policy violation:';

/**
 * Every Content-Security-Policy violation on any page of the context: the
 * page reports each `securitypolicyviolation` event on its console, and
 * Chromium's own "Refused to …" messages count too.
 */
async function recordPolicyViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.addInitScript((marker: string) => {
    document.addEventListener(
      'securitypolicyviolation',
      (event) =>
        console.error(
          `${marker} ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} on ${location.pathname} (${event.sourceFile}:${event.lineNumber}:${event.columnNumber})`,
        ),
      true,
    );
  }, VIOLATION);
  const watch = (page: Page) =>
    page.on('console', (message) => {
      const text = message.text();
      if (text.startsWith(VIOLATION) || /Content Security Policy/i.test(text)) violations.push(text);
    });
  context.pages().forEach(watch);
  context.on('page', watch);
  return violations;
}

export async function signIn(page: Page, baseUrl: string, email: string, at = '/'): Promise<void> {
  await page.goto(`${baseUrl}${at}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/**
 * A pause between two keys near a search box's own pause (250 ms; less a
 * margin, as timers run late) may let it run out, and the box ask the server
 * for what was typed so far. Keys come 60 ms apart, but a loaded machine can
 * stall between two of them.
 */
const LONG_PAUSE_MS = 200;

/**
 * Types `text` into a search `box` key by key, 60 ms apart as a quick typist
 * would, and waits for `shown` (the list of the whole text). Returns the
 * addresses of the requests to `procedure` made meanwhile, and how many times
 * the typing itself paused long enough for the box to ask early: a box that
 * asks once per pause makes at most one request more than that.
 */
export async function typeSearch(
  page: Page,
  box: Locator,
  text: string,
  procedure: string,
  shown: () => Promise<void>,
): Promise<{ asked: string[]; longPauses: number }> {
  const asked: string[] = [];
  const count = (request: Request) => {
    if (new URL(request.url()).pathname.includes(procedure)) asked.push(request.url());
  };
  await box.evaluate((element) => {
    const times: number[] = [];
    (window as unknown as { keyTimes: number[] }).keyTimes = times;
    element.addEventListener('input', () => times.push(performance.now()));
  });
  page.on('request', count);
  try {
    await box.pressSequentially(text, { delay: 60 });
    await shown();
    // Long enough for a late request to show.
    await page.waitForTimeout(600);
  } finally {
    page.off('request', count);
  }
  const times = await page.evaluate(() => (window as unknown as { keyTimes: number[] }).keyTimes);
  const longPauses = times.slice(1).filter((time, i) => time - times[i]! >= LONG_PAUSE_MS).length;
  return { asked, longPauses };
}

/** A developer's and a tenant admin's page, each in its own browser profile so their sessions never mix. */
export async function developerAndAdminPages(): Promise<{ dev: Page; admin: Page; close(): Promise<void> }> {
  const [devContext, adminContext] = await Promise.all([openBrowser(), openBrowser()]);
  const [dev, admin] = await Promise.all([devContext.newPage(), adminContext.newPage()]);
  return {
    dev,
    admin,
    async close() {
      // Both profiles are closed (and checked for policy violations) even when the first one throws.
      const results = await Promise.allSettled([devContext.close(), adminContext.close()]);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
    },
  };
}

/**
 * Fails when axe-core finds a serious or critical accessibility problem on
 * the screen the page shows now, naming each rule, its help and the elements.
 * Journeys that run on both databases pass their `dialect`: the screens are the
 * same, so they are checked on SQLite only, to keep the run short.
 */
export async function checkAccessible(page: Page, screenName: string, dialect?: string): Promise<void> {
  if (dialect === 'postgresql') return;
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  if (blocking.length === 0) return;
  const lines = blocking.map(
    (violation) =>
      `- ${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes
        .map((node) => `    ${node.target.join(' ')}`)
        .join('\n')}`,
  );
  throw new Error(`Accessibility problems on ${screenName} (${page.url()}):\n${lines.join('\n')}`);
}
