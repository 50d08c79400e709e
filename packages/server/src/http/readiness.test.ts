import { afterEach, describe, expect, it } from 'vitest';
import { dialects, emptyDatabase, openTestDatabase, type TestDatabase } from '#test/harness';
import { listen } from '#test/http-client';
import { startTcpProxy } from '#test/tcp-proxy';
import { migrate, openDatabase } from '../db/orm';
import { seedDemo } from '../seed/demo';

async function readyz(url: string) {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe.each(dialects)('readiness on %s', (dialect) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function database(): Promise<TestDatabase> {
    const t = await openTestDatabase(dialect);
    cleanup.push(() => t.close());
    return t;
  }

  it('is ready when the database answers, the schema is current and the signing key is loaded', async () => {
    const server = await listen(await database());
    cleanup.push(() => server.close());
    expect(await readyz(server.url)).toEqual({
      status: 200,
      body: {
        status: 'ready',
        failed: [],
        checks: { database: 'ok', migrations: 'ok', signingKey: 'ok' },
      },
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('is not ready, naming the check, while the database lacks a migration; alive all the same', async () => {
    const t = await database();
    // The schema stays whole: only the record of its last migration goes, as if it had not run.
    const connection = t.db.em().getConnection();
    const [last] = await connection.execute<{ id: number }[]>(
      'select max(id) as id from mikro_orm_migrations',
    );
    await connection.execute('delete from mikro_orm_migrations where id = ?', [last!.id]);
    const server = await listen(t);
    cleanup.push(() => server.close());
    const { status, body } = await readyz(server.url);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', failed: ['migrations'] });
    expect(body.checks).toMatchObject({ database: 'ok', migrations: '1 pending', signingKey: 'ok' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it.runIf(dialect === 'postgresql')(
    'is not ready while the database is away, within its short timeout, and ready again once it is back',
    async () => {
      const { url, drop } = await emptyDatabase('postgresql');
      cleanup.push(drop);
      const target = new URL(url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      cleanup.push(() => proxy.close());
      target.port = String(proxy.port);
      const db = await openDatabase(target.toString());
      cleanup.push(() => db.close());
      await migrate(db);
      await seedDemo(db.em());
      const server = await listen({ db } as TestDatabase);
      cleanup.push(() => server.close());
      expect((await readyz(server.url)).status).toBe(200);

      await proxy.cut();
      const started = Date.now();
      const away = await readyz(server.url);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(away.status).toBe(503);
      expect(away.body).toMatchObject({ status: 'unavailable', failed: ['database'] });
      expect(away.body.checks.database).not.toBe('ok');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      await proxy.restore();
      let back = await readyz(server.url);
      for (let tries = 0; back.status !== 200 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        back = await readyz(server.url);
      }
      expect(back.status).toBe(200);
    },
  );
});
