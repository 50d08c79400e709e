import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DriverException } from '@mikro-orm/core';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

export type LoggedError = {
  type: string;
  message: string;
  code?: string;
  stack: string;
  cause?: LoggedError;
};

/** Only the call frames of a stack: its first lines repeat the message. */
function framesOf(stack: string | undefined): string {
  return (stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .join('\n');
}

type DatabaseError = Error & { code?: unknown; sqlState?: string; severity?: unknown; routine?: unknown };

/** An error of the database: the ORM's own, or a driver's raw one (SQLite's codes, PostgreSQL's severity and routine). */
function isDatabaseError(error: Error): error is DatabaseError {
  const e = error as DatabaseError;
  return (
    error instanceof DriverException ||
    (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) ||
    (typeof e.severity === 'string' && typeof e.routine === 'string')
  );
}

/**
 * The database driver's own words without the statement: the query builder
 * puts the SQL text (with values, on some drivers) before ` - `, and the
 * driver may add the offending values in `detail`, which is left out.
 */
function driverMessage(error: Error): string {
  const separator = error.message.lastIndexOf(' - ');
  const own = separator >= 0 ? error.message.slice(separator + 3) : error.message;
  // Some messages quote the offending value (`invalid input syntax for type uuid: "…"`): the quotes stay, the value goes.
  return (own.split('\n')[0] ?? '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .slice(0, 200);
}

/**
 * How an error appears in the log (Fastify's `serializers.err`, and the
 * tRPC error log): type, code and message, with its cause. A database
 * exception keeps its type and code but never its statement, parameters or
 * the values the database quotes back.
 */
export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error))
    return { type: typeof error, message: String(error).slice(0, 200), stack: '' };
  if (isDatabaseError(error)) {
    const code = error.sqlState ?? error.code;
    return {
      type: error.constructor.name,
      message: driverMessage(error),
      ...(typeof code === 'string' ? { code } : {}),
      stack: framesOf(error.stack),
    };
  }
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: framesOf(error.stack),
    ...(error.cause !== undefined && depth < 5 ? { cause: serializeError(error.cause, depth + 1) } : {}),
  };
}

/** Where background work (usage flushes, …) reports a failure: the server's logger, whose `err` serializer is serializeError. */
export interface BackgroundLog {
  error(details: { err: unknown }, message: string): void;
}

/** For a component run without a server (tests, scripts): standard error, serialized as the server's log would. */
export const standardErrorLog: BackgroundLog = {
  error: ({ err }, message) => console.error(message, { err: serializeError(err) }),
};

/** An incoming `x-request-id` is kept only if it is short and plain: it is written into every log line. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** New ids: this process's random prefix and a counter, unique across a fleet and cheaper than a UUID each. */
const ID_PREFIX = `${randomBytes(6).toString('hex')}-`;
let idSequence = 0;

/** The request's id (Fastify's `genReqId`): the caller's `x-request-id` if safe, else a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return given;
  return ID_PREFIX + (++idSequence).toString(36);
}

const ownIds = new WeakMap<FastifyRequest, string>();

/**
 * Gatehouse's own id for a request, never one the client chose: the request id when the client sent no
 * `x-request-id`, else one made for it once. The request log, the upstream of a gateway call and the
 * `gatehouse-request-id` header all name the call by it, so a client cannot pass a call off as another.
 */
export function ownRequestId(request: FastifyRequest): string {
  if (request.headers['x-request-id'] === undefined) return request.id;
  let id = ownIds.get(request);
  if (id === undefined) {
    id = randomUUID();
    ownIds.set(request, id);
  }
  return id;
}

/**
 * Fastify's per-request log lines. Every line logged through `request.log` carries the request id
 * (`requestId`); by default no line is written per request (the hot paths answer thousands a second).
 * With `accessLog` (`ACCESS_LOG=1`) one line per answered request: method, path without its query,
 * status and milliseconds.
 */
export class RequestLog extends LogController {
  constructor(private readonly accessLog: boolean) {
    super({ disableRequestLogging: !accessLog, requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (!this.accessLog) return;
    const query = request.url.indexOf('?');
    const line = {
      method: request.method,
      path: query < 0 ? request.url : request.url.slice(0, query),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) request.log.error({ ...line, err: error }, 'request failed');
    else request.log.info(line, 'request');
  }
}
