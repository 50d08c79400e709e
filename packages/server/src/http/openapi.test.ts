import { ENVIRONMENTS, resourceByPath, scopeString } from '@gatehouse/domain';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { DEMO_RESOURCES } from '../resource-api/demo-data';
import { WRITABLE } from '../resource-api/input';
import { buildServer } from './server';

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, unknown> };
  'x-scope'?: string;
}
type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};

/** The scope a demo resource's method needs, read from the catalog here rather than from the server's code. */
function catalogScope(demo: string, access: 'r' | 'w'): string {
  const [area, resource] = demo.split('/');
  const found = resourceByPath(area ?? '', resource ?? '');
  if (!found) throw new Error(`${demo} is not in the scope catalog`);
  return scopeString(found.area.key, found.resource.key, access);
}

describe.each(dialects)('OpenAPI documents on %s', (dialect) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    app = await buildServer({ db: t.db, logLevel: 'silent', developerPortalDist: '/nonexistent' });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  describe.each(ENVIRONMENTS)('/%s/openapi.json', (environment) => {
    let document: Document;
    beforeAll(async () => {
      const response = await app.inject(`/${environment}/openapi.json`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      document = response.json();
    });

    it('is a valid OpenAPI 3.1 document served for this environment', async () => {
      expect(document.openapi).toBe('3.1.0');
      const verdict = await new Validator().validate(document);
      expect(verdict.errors).toBeUndefined();
      expect(verdict.valid).toBe(true);
      expect(document.servers).toEqual([expect.objectContaining({ url: `/${environment}` })]);
    });

    it('lists every demo resource route with the scope the catalog gives its method', () => {
      const expected: string[] = [];
      for (const demo of Object.keys(DEMO_RESOURCES)) {
        const list = `/api/${demo.replace('/', '/v2/tenant/{tenant}/')}`;
        const writable = Object.hasOwn(WRITABLE, demo);
        const routes: [string, string, 'r' | 'w'][] = [
          [list, 'get', 'r'],
          [`${list}/{id}`, 'get', 'r'],
        ];
        if (writable) routes.push([list, 'post', 'w'], [`${list}/{id}`, 'patch', 'w']);
        for (const [path, method, access] of routes) {
          const operation = document.paths[path]?.[method];
          const scope = catalogScope(demo, access);
          expected.push(`${method} ${path}`);
          expect(operation, `${method} ${path}`).toBeDefined();
          expect(operation?.['x-scope']).toBe(scope);
          expect(operation?.description).toContain(scope);
          expect(operation?.security).toEqual([{ accessToken: [scope], appKey: [] }]);
          const pathParameters = operation?.parameters?.filter((p) => p.in === 'path').map((p) => p.name);
          expect(pathParameters?.sort()).toEqual(path.endsWith('{id}') ? ['id', 'tenant'] : ['tenant']);
        }
      }
      const documented = Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/api/'))
        .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
      expect(documented.sort()).toEqual(expected.sort());
    });

    it('documents the OAuth endpoints, the token endpoint taking a form', () => {
      const token = document.paths['/connect/token']?.post;
      expect(token?.summary).toMatch(/client credentials/);
      expect(Object.keys(token?.requestBody?.content ?? {})).toEqual(['application/x-www-form-urlencoded']);
      expect(token?.security).toEqual([{ clientBasic: [] }, {}]);
      for (const path of ['/connect/introspect', '/connect/revoke'])
        expect(document.paths[path]?.post, path).toBeDefined();
      for (const path of ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server'])
        expect(document.paths[path]?.get, path).toBeDefined();
      expect(
        Object.keys(document.paths)
          .filter((path) => !path.startsWith('/api/'))
          .sort(),
      ).toEqual(
        [
          '/.well-known/jwks.json',
          '/.well-known/oauth-authorization-server',
          '/connect/introspect',
          '/connect/revoke',
          '/connect/token',
        ].sort(),
      );
    });
  });

  it('an unknown environment has none', async () => {
    expect((await app.inject('/staging/openapi.json')).statusCode).toBe(404);
  });
});
