/**
 * Whether `id` has the shape of the ids we issue (lower-case UUIDs). Checked
 * before any lookup: PostgreSQL refuses a malformed uuid with an error and
 * matches an upper-case one, SQLite does neither, and a foreign, missing or
 * malformed id must answer the same everywhere.
 */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
}
