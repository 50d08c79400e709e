import { AUDIT_EXPORT_LIMIT } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  type TestDatabase,
} from '#test/harness';
import { listen } from '#test/http-client';
import { SESSION_COOKIE, startSession } from '../auth/sessions';
import { AuditEvent, Organization, User } from '../db/entities';
import { CSV_HEADER } from '../services/audit/csv';
import { AUDIT_EXPORT_PATH } from './audit-export';

const GLENDALE = '985798691';
const SUMMIT = '100200300';
/** App names a spreadsheet would run as formulas. */
const FORMULA_NAMES = ['=HYPERLINK("http://evil.example","click")', '+SUM(1,2)', '-2+3', '@SUM(A1)'];

/** RFC 4180 records, remembering whether each cell was quoted. */
function parseCsv(text: string): { cells: string[]; quoted: boolean[] }[] {
  const records: { cells: string[]; quoted: boolean[] }[] = [];
  let cells: string[] = [];
  let quoted: boolean[] = [];
  let cell = '';
  let wasQuoted = false;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else cell += c;
    } else if (c === '"') {
      inQuotes = true;
      wasQuoted = true;
    } else if (c === ',' || (c === '\r' && text[i + 1] === '\n')) {
      cells.push(cell);
      quoted.push(wasQuoted);
      cell = '';
      wasQuoted = false;
      if (c === '\r') {
        i++;
        records.push({ cells, quoted });
        cells = [];
        quoted = [];
      }
    } else cell += c;
  }
  if (inQuotes || cell !== '' || cells.length) throw new Error('CSV does not end with a complete record');
  return records;
}

const app = (name: string, kind: 'public' | 'private' = 'private') => ({
  name,
  homePageUrl: 'https://example.com',
  tenantIds: [GLENDALE],
  kind,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
});

describe.each(dialects)('the audit trail as CSV over HTTP on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  const cookies = new Map<string, string>();
  const callers = new Map<string, Caller>();
  let acme: string;
  let acmeApp: string;
  const formulaApps: string[] = [];
  const secrets: string[] = [];

  /** `GET /exports/audit.csv` with these parameters, as `email` (signed in) or nobody. */
  const download = (query: Record<string, string | string[]>, email?: string) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      for (const one of Array.isArray(value) ? value : [value]) params.append(key, one);
    return fetch(`${server.url}${AUDIT_EXPORT_PATH}?${params}`, {
      headers: email ? { cookie: `${SESSION_COOKIE}=${cookies.get(email)}` } : {},
    });
  };

  /** What `audit.list` shows `email` with these filters, every page of it. */
  async function listed(email: string, input: Parameters<Caller['audit']['list']>[0]) {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await callers.get(email)!.audit.list({ ...input, cursor, limit: 200 });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    for (const email of [DEV, DEV2, ADMIN, ADMIN2, REVIEWER]) {
      const user = await em.findOneOrFail(User, { email });
      cookies.set(email, (await startSession(t.db.em(), user.id)).token);
      callers.set(email, await t.as(email));
    }
    acme = (await em.findOneOrFail(Organization, { name: 'Acme Field Apps' })).id;
    const dev = callers.get(DEV)!;
    acmeApp = (await dev.apps.create(app('Acme Audit App'))).id;
    await callers.get(DEV2)!.apps.create(app('Other Audit App'));
    for (const name of FORMULA_NAMES) formulaApps.push((await dev.apps.create(app(name))).id);
    for (const appId of [acmeApp, formulaApps[0]!])
      secrets.push(
        (
          await callers.get(ADMIN)!.connections.allow({
            tenantId: GLENDALE,
            environment: 'integration',
            appId,
            credentialsIssuer: 'tenant_admin',
          })
        ).clientSecret,
      );
    // More events than an export holds, on few moments so that batches end between ties.
    const start = Date.UTC(2033, 0, 1);
    const bulk = Array.from({ length: AUDIT_EXPORT_LIMIT + 50 }, (_, i) => ({
      id: crypto.randomUUID(),
      at: new Date(start + Math.floor(i / 700) * 1000),
      actorEmail: `bulk${i % 7}@example.test`,
      action: 'bulk.made',
      organizationId: acme,
      tenantId: SUMMIT,
    }));
    for (let i = 0; i < bulk.length; i += 2000) await em.insertMany(AuditEvent, bulk.slice(i, i + 2000));
    server = await listen(t);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  describe('refusals', () => {
    const refusal = async (response: Response) => ({
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as { error: { message: string; fieldErrors?: Record<string, string> } },
    });

    it('answers 401 without a session, or with one that is not', async () => {
      for (const view of ['reviewer', 'developer', 'tenant']) {
        const anonymous = await refusal(await download({ view }));
        expect(anonymous).toMatchObject({
          status: 401,
          body: { error: { message: 'Please sign in to continue.' } },
        });
        expect(anonymous.type).toMatch(/^application\/json/);
      }
      const forged = await fetch(`${server.url}${AUDIT_EXPORT_PATH}?view=reviewer`, {
        headers: { cookie: `${SESSION_COOKIE}=ghs_forged` },
      });
      expect(forged.status).toBe(401);
    });

    it('answers 403 for another role’s view, as audit.list does', async () => {
      for (const [email, view] of [
        [DEV, 'reviewer'],
        [DEV, 'tenant'],
        [ADMIN, 'developer'],
        [ADMIN, 'reviewer'],
        [REVIEWER, 'developer'],
        [REVIEWER, 'tenant'],
      ] as const)
        expect((await download({ view }, email)).status, `${email} ${view}`).toBe(403);
    });

    it("answers 404 for another tenant's id, the same as for one that does not exist", async () => {
      const missing = await refusal(await download({ view: 'tenant', tenantId: '999999999' }, ADMIN2));
      expect(missing).toMatchObject({ status: 404, body: { error: { message: 'Tenant not found' } } });
      expect(await refusal(await download({ view: 'tenant', tenantId: GLENDALE }, ADMIN2))).toEqual(missing);
    });

    it('answers 400 with the fields at fault for a query it cannot read', async () => {
      for (const [query, field, says] of [
        [{}, 'view', 'view: Choose the reviewer, developer or tenant view'],
        [{ view: 'everyone' }, 'view', 'view: Choose'],
        [{ view: 'reviewer', from: 'yesterday' }, 'from', 'from: Enter a date like 2026-12-31'],
        [{ view: 'reviewer', to: '2031-02-30' }, 'to', 'to: Enter a date'],
        [{ view: 'reviewer', tenantId: 'glendale' }, 'tenantId', 'tenantId: A Tenant ID is a number'],
        [{ view: 'reviewer', actor: 'dev\u0000' }, 'actor', 'Remove the control characters'],
        [{ view: 'reviewer', actor: ['dev', 'admin'] }, 'actor', 'actor:'],
        [{ view: 'reviewer', appId: 'x'.repeat(101) }, 'appId', 'appId: At most 100 characters'],
      ] as const) {
        const refused = await refusal(await download(query as Record<string, string | string[]>, REVIEWER));
        expect(refused.status, JSON.stringify(query)).toBe(400);
        expect(refused.type).toMatch(/^application\/json/);
        expect(refused.body.error.fieldErrors, JSON.stringify(query)).toHaveProperty(field);
        expect(refused.body.error.message).toContain(says);
      }
    });

    it('answers a JSON 404, not a page, for any other path under /exports/', async () => {
      const response = await fetch(`${server.url}/exports/audit.json`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });
  });

  describe('the file', () => {
    it('streams the filtered trail as a download, one quoted line per event in the order audit.list shows', async () => {
      for (const [email, query] of [
        [REVIEWER, { view: 'reviewer', appId: acmeApp }],
        [REVIEWER, { view: 'reviewer', action: 'connection.', tenantId: GLENDALE }],
        [REVIEWER, { view: 'reviewer', actor: 'ADMIN@', from: '2020-01-01', to: '2032-12-31T23:59:59Z' }],
        [DEV, { view: 'developer', actor: 'dev@' }],
        [ADMIN, { view: 'tenant' }],
        [ADMIN2, { view: 'tenant', tenantId: SUMMIT, actor: 'bulk3', from: '2033-01-01T00:00:05Z' }],
      ] as const) {
        const response = await download(query, email);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(response.headers.get('content-disposition')).toBe(
          `attachment; filename="gatehouse-audit-${new Date().toISOString().slice(0, 10)}.csv"`,
        );
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('transfer-encoding')).toBe('chunked');
        const text = await response.text();
        expect(text.endsWith('\r\n')).toBe(true);
        const [header, ...rows] = parseCsv(text);
        expect(header?.cells).toEqual(CSV_HEADER);
        const events = await listed(email, query);
        expect(events.length, JSON.stringify(query)).toBeGreaterThan(0);
        expect(rows).toHaveLength(events.length);
        rows.forEach((row, i) => {
          const event = events[i]!;
          expect(row.quoted.every(Boolean)).toBe(true);
          const shown = [
            event.at.toISOString(),
            event.actorEmail ?? '',
            event.action,
            event.organizationName ?? '',
            event.appName ?? '',
            event.appId ?? '',
            event.tenantId ?? '',
          ];
          expect(row.cells.slice(0, 7)).toEqual(
            shown.map((cell) => (/^[=+\-@]/.test(cell) ? `'${cell}` : cell)),
          );
          expect(row.cells[7] ? JSON.parse(row.cells[7]) : null).toEqual(event.before);
          expect(row.cells[8] ? JSON.parse(row.cells[8]) : null).toEqual(event.after);
        });
      }
    });

    it('holds the newest 10,000 events at most', async () => {
      const response = await download({ view: 'reviewer', action: 'bulk.' }, REVIEWER);
      const [, ...rows] = parseCsv(await response.text());
      expect(rows).toHaveLength(AUDIT_EXPORT_LIMIT);
      const newest = await t.db
        .em()
        .find(
          AuditEvent,
          { action: 'bulk.made' },
          { orderBy: { at: 'desc', id: 'desc' }, limit: AUDIT_EXPORT_LIMIT },
        );
      expect(rows.map((row) => `${row.cells[0]} ${row.cells[1]}`)).toEqual(
        newest.map((e) => `${e.at.toISOString()} ${e.actorEmail}`),
      );
    });

    it.each(FORMULA_NAMES.map((name, i) => [name, i] as const))(
      'shows the formula-like app name %j as text',
      async (name, i) => {
        const text = await (await download({ view: 'reviewer', appId: formulaApps[i]! }, REVIEWER)).text();
        const [, ...rows] = parseCsv(text);
        const created = rows.find((row) => row.cells[2] === 'app.created');
        expect(created?.cells[4]).toBe(`'${name}`);
        expect(text).toContain(`"'${name.replace(/"/g, '""')}"`);
        expect(JSON.parse(created!.cells[8]!)).toMatchObject({ name });
      },
    );

    it('never holds a client secret', async () => {
      const text = await (await download({ view: 'reviewer', action: 'connection.' }, REVIEWER)).text();
      expect(text).toContain('connection.secret_created');
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(16));
      }
    });

    it("holds only the reader's part of the trail", async () => {
      const text = await (await download({ view: 'developer', organizationId: acme }, DEV2)).text();
      const [, ...rows] = parseCsv(text);
      expect(rows.length).toBeGreaterThan(0);
      expect(text).not.toContain('Acme');
      expect(text).not.toContain(acmeApp);
      const summit = parseCsv(await (await download({ view: 'tenant', appId: acmeApp }, ADMIN2)).text());
      expect(summit).toHaveLength(1);
    });
  });
});
