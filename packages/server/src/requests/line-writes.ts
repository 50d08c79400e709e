import type { EntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../db/orm';
import { type LogLine, timeOrderedId } from './line';

/** Lines per INSERT: a few hundred, so that no statement holds the database (or SQLite's event loop) for long. */
export const LINE_CHUNK = 500;

const COLUMNS =
  'id, at, request_id, kind, app_id, tenant_id, environment, method, route, status, error_code, latency_ms';

/**
 * One INSERT per chunk, its rows one JSON document bound as a single parameter and taken apart by the
 * database: binding twelve parameters a row costs the driver (and this event loop) several times more than
 * serialising them. SQLite keeps a moment as epoch milliseconds, as the ORM writes it.
 */
const INSERT: Record<Dialect, string> = {
  sqlite: `insert into request_log (${COLUMNS}) select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11 from json_each(?)`,
  postgresql: `insert into request_log (${COLUMNS}) select (r ->> 0)::uuid, to_timestamp((r ->> 1)::double precision / 1000), r ->> 2, r ->> 3, r ->> 4, r ->> 5, r ->> 6, r ->> 7, r ->> 8, (r ->> 9)::int, r ->> 10, (r ->> 11)::double precision from json_array_elements(cast(? as json)) as r`,
};

/** A line as the row's columns, in COLUMNS order, cut to the columns' lengths (a client's request id may be longer). */
function rowOf(line: LogLine): unknown[] {
  return [
    timeOrderedId(line.at),
    Math.floor(line.at),
    line.requestId.length > 64 ? line.requestId.slice(0, 64) : line.requestId,
    line.kind,
    line.appId,
    line.tenantId,
    line.environment,
    line.method.slice(0, 10),
    line.route.length > 200 ? line.route.slice(0, 200) : line.route,
    line.status,
    line.errorCode === null ? null : line.errorCode.slice(0, 40),
    Math.round(line.latencyMs * 1000) / 1000,
  ];
}

/**
 * Writes up to LINE_CHUNK lines in one statement. Through knex, whose parameters reach the driver as
 * parameters: the ORM's `execute` writes them into the SQL text, escaping the whole document a character
 * at a time.
 */
export async function insertLines(
  em: EntityManager,
  dialect: Dialect,
  lines: readonly LogLine[],
): Promise<void> {
  await em.getKnex().raw(INSERT[dialect], [JSON.stringify(lines.map(rowOf))]);
}
