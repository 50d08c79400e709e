import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AccessRequest } from '../db/entities';
import { serializeError } from './log';

const SECRET_VALUE = 'value-the-log-must-not-hold';

describe.each(dialects)('the error log on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  /** The error a query throws, as the log would write it. */
  async function logged(query: () => Promise<unknown>) {
    const error = await query().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return JSON.stringify(serializeError(error));
  }

  it('keeps a database exception by type and code, without the statement or its values', async () => {
    const line = await logged(() =>
      t.db.em().getConnection().execute(`select * from no_such_table where name = '${SECRET_VALUE}'`),
    );
    // A raw query fails with the driver's own error; the ORM's queries with its exceptions (below): both are kept short.
    expect(JSON.parse(line)).toMatchObject({
      type: dialect === 'sqlite' ? 'SqliteError' : 'DatabaseError',
      code: expect.any(String),
      message: expect.stringMatching(dialect === 'sqlite' ? /no such table/ : /does not exist/),
    });
    expect(line).not.toContain(SECRET_VALUE);
    expect(line).not.toMatch(/select \*/i);
  });

  it('keeps a failed insert without the row it tried to write', async () => {
    const em = t.db.em();
    const row = {
      id: '00000000-0000-4000-8000-000000000001',
      name: SECRET_VALUE,
      email: `${SECRET_VALUE}@example.com`,
      organizationName: SECRET_VALUE,
      role: 'developer',
      status: 'pending',
      createdAt: new Date(),
    };
    // The second insert of the same id breaks the primary key: the driver quotes the key back in its detail.
    await em.insert(AccessRequest, row as never).catch(() => undefined);
    const line = await logged(() => t.db.em().insert(AccessRequest, row as never));
    expect(JSON.parse(line).type).toMatch(/Exception$/);
    expect(line).not.toContain(SECRET_VALUE);
    expect(line).not.toMatch(/insert into/i);
  });

  it('drops a value the database quotes back in its own message', async () => {
    const line = await logged(() =>
      t.db
        .em()
        .getConnection()
        .execute(dialect === 'sqlite' ? `select json('${SECRET_VALUE}')` : `select '${SECRET_VALUE}'::uuid`),
    );
    expect(line).not.toContain(SECRET_VALUE);
  });

  it('serializes any other error with its cause', () => {
    const error = new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'E_INNER' }) });
    expect(serializeError(error)).toMatchObject({
      type: 'Error',
      message: 'outer',
      cause: { type: 'Error', message: 'inner', code: 'E_INNER' },
    });
  });
});
