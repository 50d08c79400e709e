import net from 'node:net';
import { DomainError } from '@gatehouse/domain';
import {
  ConnectionException,
  DriverException,
  SyntaxErrorException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { TRPCError } from '@trpc/server';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dialects } from '#test/harness';
import { isDatabaseUnavailable, portalResponseMeta, unavailableInPortal } from './errors';

const PG_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** What a driver or pool throws, with its code where it has one. */
function thrown(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

/** A port on this machine that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('isDatabaseUnavailable', () => {
  it('recognises a database that went away, however the driver, the pool or the ORM says it', () => {
    const unavailable = [
      thrown('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
      thrown('read ECONNRESET', { code: 'ECONNRESET' }),
      thrown('connect ETIMEDOUT 10.0.0.5:5432', { code: 'ETIMEDOUT' }),
      thrown('write EPIPE', { code: 'EPIPE' }),
      thrown('getaddrinfo EAI_AGAIN postgres', { code: 'EAI_AGAIN' }),
      thrown('terminating connection due to administrator command', { code: '57P01' }),
      thrown('the database system is starting up', { code: '57P03' }),
      thrown('the database system is shutting down'),
      thrown('connection failure', { code: '08006' }),
      thrown('sorry, too many clients already', { code: '53300' }),
      thrown('Connection terminated unexpectedly'),
      thrown('Connection terminated due to connection timeout'),
      thrown('Client has encountered a connection error and is not queryable'),
      // pg's own timeouts, should they be set: a connection attempt, then a query, that got no answer.
      thrown('timeout expired'),
      thrown('select "c0".* from "connection" as "c0" limit 1 - timeout expired'),
      thrown('select "c0".* from "connection" as "c0" limit 1 - Query read timeout'),
      thrown(
        'Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?',
        { name: 'KnexTimeoutError' },
      ),
      // The ORM's wrapping of a driver's socket error keeps the code.
      Object.assign(new DriverException(thrown('select 1 - write ECONNRESET', { code: 'ECONNRESET' })), {
        code: 'ECONNRESET',
      }),
      new ConnectionException(thrown('connection refused')),
      // Node's attempt at both of localhost's addresses.
      new AggregateError(
        [thrown('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })],
        'connect failed',
      ),
      // As a portal procedure's failure reaches the error formatter.
      new TRPCError({
        code: 'INTERNAL_SERVER_ERROR',
        cause: thrown('read ECONNRESET', { code: 'ECONNRESET' }),
      }),
    ];
    for (const error of unavailable) expect(isDatabaseUnavailable(error), error.message).toBe(true);
  });

  it('does not take a refused statement, a rule or anything else for an outage', () => {
    const cyclic = new Error('cause of itself');
    cyclic.cause = cyclic;
    const available: unknown[] = [
      new UniqueConstraintViolationException(thrown('duplicate key value', { code: '23505' })),
      new SyntaxErrorException(thrown('syntax error at or near "selec"', { code: '42601' })),
      thrown('new row for relation "usage_daily" violates check constraint', { code: '23514' }),
      thrown('SQLITE_CONSTRAINT: UNIQUE constraint failed', { code: 'SQLITE_CONSTRAINT' }),
      thrown('SQLITE_BUSY: database is locked', { code: 'SQLITE_BUSY' }),
      thrown('timeout', { name: 'TimeoutError' }),
      thrown('The session timeout expired, sign in again.'),
      new DomainError('NOT_FOUND', 'No such app.'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new TRPCError({ code: 'BAD_REQUEST', message: 'Please correct the highlighted fields.' }),
      cyclic,
      'ECONNREFUSED',
      null,
      undefined,
    ];
    for (const error of available) expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });

  it('recognises what pg really throws when nothing listens', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: await closedPort() });
    const error = await client.connect().then(
      () => null,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.runIf(dialects.includes('postgresql'))(
    'recognises what pg really throws when PostgreSQL ends the connection (as a restart does)',
    async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      client.on('error', () => undefined);
      await client.connect();
      const ended = await client.query('select pg_terminate_backend(pg_backend_pid())').then(
        () => null,
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(ended)).toBe(true);
      const after = await client.query('select 1').then(
        () => null,
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(after)).toBe(true);
      await client.end().catch(() => undefined);
    },
  );
});

describe('a portal call while the database is away', () => {
  const away = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: thrown('x', { code: 'ECONNREFUSED' }) });
  const failed = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new TypeError('a bug') });
  const refused = new TRPCError({ code: 'CONFLICT', cause: thrown('x', { code: 'ECONNREFUSED' }) });

  it('is told apart from a failure of ours and from a refusal', () => {
    expect([away, failed, refused].map(unavailableInPortal)).toEqual([true, false, false]);
  });

  it('asks the client to come back in a few seconds, and only then', () => {
    expect(portalResponseMeta({ errors: [failed, away] })).toEqual({ headers: { 'retry-after': '5' } });
    expect(portalResponseMeta({ errors: [failed] })).toEqual({});
    expect(portalResponseMeta({ errors: [] })).toEqual({});
  });
});
