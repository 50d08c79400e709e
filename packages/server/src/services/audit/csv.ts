import { AUDIT_EXPORT_LIMIT, type AuditFilters } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { auditTrailPage, type TrailEvent, type TrailReader } from './trail';

/** Events read and written at a time: the export's memory stays one batch's, whatever it holds. */
const BATCH = 1000;

export const CSV_HEADER = [
  'at',
  'actor',
  'action',
  'organization',
  'app',
  'app_id',
  'tenant',
  'before',
  'after',
];

/**
 * One cell, always quoted. A cell a spreadsheet would run as a formula (it
 * starts with `=`, `+`, `-`, `@`, TAB or CR) starts with `'` instead, so that it
 * is shown as the text it is.
 */
export function csvCell(value: unknown): string {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : value instanceof Date
          ? value.toISOString()
          : JSON.stringify(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

const line = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

const eventLine = (e: TrailEvent) =>
  line([e.at, e.actorEmail, e.action, e.organizationName, e.appName, e.appId, e.tenantId, e.before, e.after]);

/** The export's file name: the day it was made (UTC). */
export const exportFilename = (now = new Date()) => `gatehouse-audit-${now.toISOString().slice(0, 10)}.csv`;

/**
 * The reader's filtered trail as CSV (RFC 4180, CRLF), newest first, at most
 * `AUDIT_EXPORT_LIMIT` events: the header with the first batch, then a batch at
 * a time, each read after the last one's cursor with its names, as a page of the
 * trail is. The first batch is read before anything is written, so that a
 * failure there can still be answered as one.
 */
export async function* auditTrailCsv(
  em: EntityManager,
  reader: TrailReader,
  filters: AuditFilters,
): AsyncGenerator<string> {
  let header = `${CSV_HEADER.join(',')}\r\n`;
  let cursor: string | undefined;
  for (let left = AUDIT_EXPORT_LIMIT; left > 0; ) {
    // A fresh unit of work per batch: the rows of the ones written are not kept.
    const page = await auditTrailPage(em.fork(), reader, filters, { cursor, limit: Math.min(BATCH, left) });
    yield header + page.items.map(eventLine).join('');
    header = '';
    left -= page.items.length;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
