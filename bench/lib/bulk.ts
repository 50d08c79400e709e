/**
 * Rows in bulk for the scale benchmark's seed, one transaction per table,
 * never one ORM entity at a time: multi-row INSERTs of literal values on
 * SQLite, and on PostgreSQL an INSERT of a thousand rows at a time from one
 * JSON document (`json_populate_recordset`), which it takes in well under
 * the time it needs to parse as many VALUES. Values are stored as the ORM
 * stores them: datetimes as epoch milliseconds on SQLite and `timestamptz`
 * on PostgreSQL, JSON as text and `jsonb`, booleans as 0/1 and true/false.
 */
import type { Database } from '@gatehouse/server/db/orm';

export type ColumnType = 'text' | 'int' | 'bool' | 'date' | 'json';
/** Column names and types, in the order of each row's values. */
export type Columns = readonly (readonly [name: string, type: ColumnType])[];
/** Text, numbers and booleans as they are, datetimes as epoch milliseconds, JSON as the value itself. */
export type Row = readonly unknown[];

const ROWS_PER_STATEMENT = 1000;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function literal(type: ColumnType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (type === 'text') return quote(value as string);
  if (type === 'json') return quote(JSON.stringify(value));
  if (type === 'bool') return value ? '1' : '0';
  return String(Math.trunc(value as number));
}

export class BulkWriter {
  constructor(private readonly db: Database) {}

  /** Every row in one transaction, ROWS_PER_STATEMENT to a statement; returns how many were written. */
  async insert(table: string, columns: Columns, rows: Iterable<Row>): Promise<number> {
    const names = columns.map(([name]) => `"${name}"`).join(', ');
    const statement =
      this.db.dialect === 'sqlite'
        ? (batch: Row[]) =>
            `insert into "${table}" (${names}) values ${batch
              .map((row) => `(${row.map((value, i) => literal(columns[i]![1], value)).join(',')})`)
              .join(',')}`
        : (batch: Row[]) => {
            const json = JSON.stringify(
              batch.map((row) =>
                Object.fromEntries(
                  row.map((value, i) => {
                    const [name, type] = columns[i]!;
                    return [
                      name,
                      type === 'date' && value !== null ? new Date(value as number).toISOString() : value,
                    ];
                  }),
                ),
              ),
            );
            // The driver numbers every `?` of a statement as a parameter, even inside a literal.
            if (json.includes('?'))
              throw new Error(`${table}: a value holds "?", which this writer cannot send`);
            return `insert into "${table}" (${names}) select ${names} from json_populate_recordset(null::"${table}", ${quote(json)})`;
          };
    let written = 0;
    await this.db.em().transactional(async (tx) => {
      const connection = tx.getConnection();
      const context = tx.getTransactionContext();
      // One statement in flight while the next is made: PostgreSQL inserts while this process writes.
      let inFlight: Promise<unknown> = Promise.resolve();
      let batch: Row[] = [];
      const flush = async () => {
        await inFlight;
        if (batch.length === 0) return;
        const sql = statement(batch);
        written += batch.length;
        batch = [];
        inFlight = connection.execute(sql, [], 'run', context);
      };
      for (const row of rows) {
        if (row.length !== columns.length)
          throw new Error(`${table}: a row of ${row.length} values for ${columns.length} columns`);
        batch.push(row);
        if (batch.length === ROWS_PER_STATEMENT) await flush();
      }
      await flush();
      await inFlight;
    });
    return written;
  }

  /**
   * Runs `load` with the table's secondary indexes dropped, then makes them again from their own
   * definitions (whatever migrations made them): building an index once is quicker than keeping it
   * up to date row by row. Unique indexes come back only if the rows obey them. Constraints'
   * indexes on PostgreSQL (primary and unique keys) stay.
   */
  async withoutIndexes<T>(table: string, load: () => Promise<T>): Promise<T> {
    const sqlite = this.db.dialect === 'sqlite';
    const connection = this.db.em().getConnection();
    const indexes = (await connection.execute(
      sqlite
        ? `select name, sql from sqlite_master where type = 'index' and tbl_name = '${table}' and sql is not null`
        : `select indexname as name, indexdef as sql from pg_indexes where schemaname = current_schema() and tablename = '${table}' and indexname not in (select conname from pg_constraint)`,
    )) as { name: string; sql: string }[];
    for (const index of indexes) await connection.execute(`drop index "${index.name}"`);
    const result = await load();
    await this.db.em().transactional(async (tx) => {
      const context = tx.getTransactionContext();
      if (!sqlite)
        await tx.getConnection().execute(`set local maintenance_work_mem = '256MB'`, [], 'run', context);
      for (const index of indexes) await tx.getConnection().execute(index.sql, [], 'run', context);
    });
    return result;
  }
}
