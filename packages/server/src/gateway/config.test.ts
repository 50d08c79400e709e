import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CONNECTIONS,
  DEFAULT_TIMEOUT_MS,
  type GatewayConfig,
  NO_GATEWAY,
  readGatewayConfig,
} from './config';
import { routeDecision } from './route-decision';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-config-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

let files = 0;
/** Writes `content` (JSON unless a string) to a file of its own and returns its path. */
function file(content: unknown): string {
  const name = path.join(folder, `gateway-${++files}.json`);
  fs.writeFileSync(name, typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

const upstreams = (value: unknown) => readGatewayConfig({ upstreams: JSON.stringify(value) });

describe('readGatewayConfig', () => {
  it('configures no gateway when neither the variable nor a file says anything', () => {
    expect(readGatewayConfig({})).toEqual(NO_GATEWAY);
    expect(readGatewayConfig({ upstreams: '  ' })).toEqual(NO_GATEWAY);
  });

  it("maps an area to its base URL with every setting's default, a trailing slash dropped", () => {
    const config = upstreams({ crm: 'http://10.0.0.5:8080/', jpm: 'https://jobs.internal/api/' });

    expect([...config.upstreams.keys()]).toEqual(['crm', 'jpm']);
    expect(config.upstreams.get('crm')).toMatchObject({
      area: { key: 'crm', name: 'CRM', path: 'crm' },
      url: 'http://10.0.0.5:8080',
      timeoutMs: DEFAULT_TIMEOUT_MS,
      connections: DEFAULT_CONNECTIONS,
      breaker: { failures: 5, cooldownMs: 10_000 },
    });
    expect(config.upstreams.get('jpm')?.url).toBe('https://jobs.internal/api');
    expect(config.routes).toEqual([]);
  });

  it.each([
    [
      '{"crm":',
      /^GATEHOUSE_UPSTREAMS is not JSON \(.+\); expected e\.g\. \{"crm":"http:\/\/10\.0\.0\.5:8080"\}\.$/,
    ],
    ['{"crm":"ftp://files.internal"}', /^GATEHOUSE_UPSTREAMS: crm\.url: an http:\/\/ or https:\/\/ base URL/],
    ['{"crm":"http://user:pw@crm.internal"}', /^GATEHOUSE_UPSTREAMS: crm\.url: .*without credentials/],
    ['{"crm":"http://crm.internal?x=1"}', /^GATEHOUSE_UPSTREAMS: crm\.url: .*without credentials, query/],
    ['{"crm":"not a url"}', /^GATEHOUSE_UPSTREAMS: crm\.url: an http:\/\/ or https:\/\/ base URL/],
    ['{"crm":{"url":"http://crm.internal","timeout":5}}', /^GATEHOUSE_UPSTREAMS: crm: .*timeout/],
    ['{"crm":{"url":"http://crm.internal","timeoutMs":0}}', /^GATEHOUSE_UPSTREAMS: crm\.timeoutMs: /],
    ['["http://crm.internal"]', /^GATEHOUSE_UPSTREAMS: \(top\): /],
    [
      '{"crms":"http://crm.internal"}',
      /^Gateway: "crms" is not an API area's URL segment; the areas are accounting, crm, .*telecom\.$/,
    ],
  ])('refuses GATEHOUSE_UPSTREAMS=%s with a message saying what is wrong and where', (value, message) => {
    expect(() => readGatewayConfig({ upstreams: value })).toThrow(message);
  });

  it('says which file it cannot read, or which is not JSON', () => {
    const missing = path.join(folder, 'missing.json');
    expect(() => readGatewayConfig({ file: missing })).toThrow(
      new RegExp(`^GATEHOUSE_GATEWAY_CONFIG: cannot read ${missing} \\(.*ENOENT`),
    );
    const broken = file('{ upstreams: ');
    expect(() => readGatewayConfig({ file: broken })).toThrow(
      new RegExp(`^GATEHOUSE_GATEWAY_CONFIG: ${broken} is not JSON \\(`),
    );
  });

  it("names the file and the field of a file's mistakes", () => {
    const unknownKey = file({ upstreams: {}, retries: 3 });
    expect(() => readGatewayConfig({ file: unknownKey })).toThrow(
      new RegExp(`^GATEHOUSE_GATEWAY_CONFIG \\(${unknownKey}\\): \\(top\\): .*retries`),
    );
    const badBreaker = file({ upstreams: { crm: 'http://crm.internal' }, breaker: { failures: 0 } });
    expect(() => readGatewayConfig({ file: badBreaker })).toThrow(/: breaker\.failures: /);
  });

  it("reads upstreams and their settings from the file; the variable's URL wins for an area both name, the file's settings stay", () => {
    const name = file({
      upstreams: {
        crm: { url: 'http://crm.from-file', timeoutMs: 500, connections: 8 },
        jpm: { url: 'http://jobs.from-file', timeoutMs: 750, connections: 2 },
      },
    });

    const config = readGatewayConfig({ file: name, upstreams: '{"crm":"http://crm.from-env"}' });

    expect(config.upstreams.get('crm')).toMatchObject({
      url: 'http://crm.from-env',
      timeoutMs: 500,
      connections: 8,
    });
    expect(config.upstreams.get('jpm')).toMatchObject({
      url: 'http://jobs.from-file',
      timeoutMs: 750,
      connections: 2,
    });
  });

  it("takes an upstream's breaker settings over the file's, and the file's over the defaults", () => {
    const config = readGatewayConfig({
      file: file({
        upstreams: {
          crm: { url: 'http://crm.internal', breaker: { cooldownMs: 50 } },
          jpm: 'http://jobs.internal',
        },
        breaker: { failures: 2 },
      }),
    });

    expect(config.upstreams.get('crm')?.breaker).toEqual({ failures: 2, cooldownMs: 50 });
    expect(config.upstreams.get('jpm')?.breaker).toEqual({ failures: 2, cooldownMs: 10_000 });
  });

  it('reads route rules: one method or several or any, and deny as no scope', () => {
    const config = readGatewayConfig({
      file: file({
        upstreams: { crm: 'http://crm.internal' },
        routes: [
          { method: 'POST', path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'tn.crm.customers:w' },
          { method: ['GET', 'HEAD'], path: '/crm/v2/tenant/{tenant}/leads/**', scope: 'tn.crm.leads:r' },
          { path: '/crm/v2/tenant/{tenant}/bookings', scope: 'deny' },
        ],
      }),
    });

    expect(config.routes).toEqual([
      {
        methods: ['POST'],
        path: '/crm/v2/tenant/{tenant}/customers/*/merge',
        segments: ['crm', 'v2', 'tenant', '{tenant}', 'customers', '*', 'merge'],
        scope: 'tn.crm.customers:w',
      },
      {
        methods: ['GET', 'HEAD'],
        path: '/crm/v2/tenant/{tenant}/leads/**',
        segments: ['crm', 'v2', 'tenant', '{tenant}', 'leads', '**'],
        scope: 'tn.crm.leads:r',
      },
      {
        methods: undefined,
        path: '/crm/v2/tenant/{tenant}/bookings',
        segments: ['crm', 'v2', 'tenant', '{tenant}', 'bookings'],
        scope: null,
      },
    ]);
  });

  it.each([
    [
      { path: '/crm/v2/tenant/{tenant}/customers', scope: 'tn.crm.widgets:r' },
      /routes\.0\.scope: a catalog scope or "deny"/,
    ],
    [{ method: 'TRACE', path: '/crm/v2/tenant/{tenant}/customers', scope: 'deny' }, /routes\.0\.method/],
    [{ path: 'crm/v2/tenant/{tenant}/customers', scope: 'deny' }, /routes\.0\.path: a path starting with \//],
    [{ path: '/crm/v2/tenant/{tenant}/customers?x=1', scope: 'deny' }, /without query or spaces/],
    [
      { path: '/crm/v2/customers', scope: 'deny' },
      /route 1 \(\/crm\/v2\/customers\): a route reads \/<area>\/v2\/tenant\/\{tenant\}\/<resource>/,
    ],
    [{ path: '/crm/v2/tenant/{tenant}', scope: 'deny' }, /a route reads/],
    [
      { path: '/jpm/v2/tenant/{tenant}/jobs', scope: 'deny' },
      /the area "jpm" has no upstream, so the rule would never apply/,
    ],
    [{ path: '/crm/v2/tenant/{tenant}/**/notes', scope: 'deny' }, /"\*\*" may only end a pattern/],
    [{ path: '/crm/v2/tenant/{tenant}/customers/{id}', scope: 'deny' }, /only \{tenant\} is a placeholder/],
    [
      { path: '/crm/v2/tenant/{tenant}/customers/../leads', scope: 'deny' },
      /empty, "\." and "\.\." segments/,
    ],
    [{ path: '/crm/v2/tenant/{tenant}/customers//x', scope: 'deny' }, /empty, "\." and "\.\." segments/],
  ])('refuses the route rule %o', (rule, message) => {
    const name = file({ upstreams: { crm: 'http://crm.internal' }, routes: [rule] });
    expect(() => readGatewayConfig({ file: name })).toThrow(message);
  });
});

describe('routeDecision', () => {
  const config: GatewayConfig = readGatewayConfig({
    file: file({
      upstreams: { crm: 'http://crm.internal', jpm: 'http://jobs.internal' },
      routes: [
        { path: '/crm/v2/tenant/{tenant}/customers/*/erase', scope: 'deny' },
        { method: 'POST', path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'tn.crm.customers:w' },
        { method: ['GET', 'HEAD'], path: '/crm/v2/tenant/{tenant}/reports/**', scope: 'tn.crm.leads:r' },
        { path: '/crm/v2/tenant/{tenant}/leads/export', scope: 'tn.crm.leads:r' },
      ],
    }),
  });
  const decide = (method: string, url: string) => routeDecision(config, method, url.slice(1).split('/'));

  it("asks the catalog by default: :r to read, :w for anything else, under the area's resource", () => {
    expect(decide('GET', '/crm/v2/tenant/985798691/customers')).toEqual({
      scope: 'tn.crm.customers:r',
      endpoint: 'GET /crm/v2/tenant/{tenant}/customers',
    });
    expect(decide('HEAD', '/crm/v2/tenant/1/customers')?.scope).toBe('tn.crm.customers:r');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      expect(decide(method, '/crm/v2/tenant/1/customers')?.scope, method).toBe('tn.crm.customers:w');
    expect(decide('GET', '/jpm/v2/tenant/1/job-types')?.scope).toBe('tn.jpm.jobtypes:r');
  });

  it('counts records and what is below them under bounded endpoints, whatever the ids', () => {
    expect(decide('GET', '/crm/v2/tenant/1/customers/42')).toEqual({
      scope: 'tn.crm.customers:r',
      endpoint: 'GET /crm/v2/tenant/{tenant}/customers/{id}',
    });
    expect(decide('PATCH', '/crm/v2/tenant/1/customers/42/notes/7')).toEqual({
      scope: 'tn.crm.customers:w',
      endpoint: 'PATCH /crm/v2/tenant/{tenant}/customers/{id}/…',
    });
  });

  it('lets the first matching rule decide, before the catalog', () => {
    expect(decide('POST', '/crm/v2/tenant/1/customers/42/erase')).toEqual({
      scope: null,
      endpoint: 'POST /crm/v2/tenant/{tenant}/customers/*/erase',
    });
    expect(decide('GET', '/crm/v2/tenant/1/customers/42/erase')?.scope).toBeNull();
    expect(decide('POST', '/crm/v2/tenant/1/customers/42/merge')).toEqual({
      scope: 'tn.crm.customers:w',
      endpoint: 'POST /crm/v2/tenant/{tenant}/customers/*/merge',
    });
    // The rule is for POST alone: other methods fall to the catalog.
    expect(decide('GET', '/crm/v2/tenant/1/customers/42/merge')).toEqual({
      scope: 'tn.crm.customers:r',
      endpoint: 'GET /crm/v2/tenant/{tenant}/customers/{id}/…',
    });
    expect(decide('GET', '/crm/v2/tenant/1/leads/export')).toEqual({
      scope: 'tn.crm.leads:r',
      endpoint: 'GET /crm/v2/tenant/{tenant}/leads/export',
    });
  });

  it('matches * to one segment exactly and ** to the rest, none included', () => {
    expect(decide('POST', '/crm/v2/tenant/1/customers/42/43/merge')?.endpoint).not.toContain('merge');
    expect(decide('GET', '/crm/v2/tenant/1/reports/daily')?.endpoint).toBe(
      'GET /crm/v2/tenant/{tenant}/reports/**',
    );
    expect(decide('HEAD', '/crm/v2/tenant/1/reports/2024/05/31')?.scope).toBe('tn.crm.leads:r');
    // `reports/**` covers `reports` itself; for other methods nothing allows it (not a catalog resource).
    expect(decide('GET', '/crm/v2/tenant/1/reports')?.scope).toBe('tn.crm.leads:r');
    expect(decide('GET', '/crm/v2/tenant/1/reportsx')).toBeUndefined();
    expect(decide('POST', '/crm/v2/tenant/1/reports/daily')).toBeUndefined();
  });

  it("matches a rule's literal segments whatever their case, as an upstream that ignores case would", () => {
    for (const path of [
      '/crm/v2/tenant/1/customers/42/ERASE',
      '/crm/v2/tenant/1/Customers/42/Erase',
      '/crm/V2/Tenant/1/customers/42/erase',
      // Java and .NET take ſ for s, ı and İ for i, the Kelvin sign for k when they ignore case.
      '/crm/v2/tenant/1/cuſtomers/42/erase',
      '/crm/v2/tenant/1/customers/42/eraſe',
    ])
      expect(decide('DELETE', path), path).toEqual({
        scope: null,
        endpoint: 'DELETE /crm/v2/tenant/{tenant}/customers/*/erase',
      });
    expect(decide('GET', '/crm/v2/tenant/1/LEADS/Export')?.endpoint).toBe(
      'GET /crm/v2/tenant/{tenant}/leads/export',
    );
    expect(decide('GET', '/crm/v2/tenant/1/reports/DAILY')?.scope).toBe('tn.crm.leads:r');
    expect(decide('GET', '/crm/v2/tenant/1/Reports/daily')?.scope).toBe('tn.crm.leads:r');
    // Case aside, a segment matches whole: `exports` is a lead record, not the export.
    expect(decide('GET', '/crm/v2/tenant/1/leads/exports')?.endpoint).toBe(
      'GET /crm/v2/tenant/{tenant}/leads/{id}',
    );
  });

  it("matches a rule's literal segment in any Unicode compatibility form, or followed by a format suffix", () => {
    for (const path of [
      // Fullwidth letters, which NFKC folds to ASCII.
      '/crm/v2/tenant/1/customers/42/\uFF45rase',
      '/crm/v2/tenant/1/customers/42/ＥＲＡＳＥ',
      // Rails and Spring route `erase.json` and `erase.` as `erase`.
      '/crm/v2/tenant/1/customers/42/erase.json',
      '/crm/v2/tenant/1/customers/42/Erase.xml',
      '/crm/v2/tenant/1/customers/42/erase.',
      '/crm/v2/tenant/1/customers.json/42/erase',
    ])
      expect(decide('DELETE', path), path).toEqual({
        scope: null,
        endpoint: 'DELETE /crm/v2/tenant/{tenant}/customers/*/erase',
      });
    expect(decide('GET', '/crm/v2/tenant/1/reports.csv/daily')?.scope).toBe('tn.crm.leads:r');
    // A suffix follows a dot: `erased` and `eraser.json` are other segments, which the catalog decides.
    for (const path of ['/crm/v2/tenant/1/customers/42/erased', '/crm/v2/tenant/1/customers/42/eraser.json'])
      expect(decide('DELETE', path), path).toEqual({
        scope: 'tn.crm.customers:w',
        endpoint: 'DELETE /crm/v2/tenant/{tenant}/customers/{id}/…',
      });
  });

  it("keeps the catalog's default exact: a resource in another case is none, and refused", () => {
    expect(decide('GET', '/crm/v2/tenant/1/Customers')).toBeUndefined();
    expect(decide('GET', '/crm/v2/tenant/1/CUSTOMERS/42')).toBeUndefined();
    expect(decide('GET', '/crm/V2/tenant/1/customers')).toBeUndefined();
    expect(decide('GET', '/crm/v2/Tenant/1/customers')).toBeUndefined();
  });

  it('refuses whatever no rule and no catalog resource of a mapped area allows (default deny)', () => {
    expect(decide('GET', '/crm/v2/tenant/1/widgets')).toBeUndefined();
    expect(decide('GET', '/crm/v2/tenant/1')).toBeUndefined();
    expect(decide('GET', '/crm/v2/tenant/1/')).toBeUndefined();
    expect(decide('GET', '/crm/v1/tenant/1/customers')).toBeUndefined();
    expect(decide('GET', '/crm/v2/tenants/1/customers')).toBeUndefined();
    expect(decide('GET', '/crm')).toBeUndefined();
    // A catalog area with no upstream is not the gateway's to allow.
    expect(decide('GET', '/accounting/v2/tenant/1/invoices')).toBeUndefined();
    expect(decide('GET', '/nowhere/v2/tenant/1/customers')).toBeUndefined();
    expect(routeDecision(NO_GATEWAY, 'GET', ['crm', 'v2', 'tenant', '1', 'customers'])).toBeUndefined();
  });
});
