/**
 * A Durable Object's SQL that counts the rows its statements write (read off each statement's cursor:
 * index entries included, as Durable Objects bill them), for the storage lines of storage-stats.ts.
 * Apart from it because it needs the Workers runtime's types, which Node-side tools importing the
 * stats' constants have not.
 */
import type { RowsWrittenSource } from './storage-stats'

export class CountingSql implements RowsWrittenSource {
  private cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = []

  constructor(private readonly sql: SqlStorage) {}

  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
    const cursor = this.sql.exec<T>(query, ...bindings)
    this.cursors.push(cursor as unknown as SqlStorageCursor<Record<string, SqlStorageValue>>)
    return cursor
  }

  /** Rows written by the statements run since the last call. */
  takeRowsWritten(): number {
    let rows = 0
    for (const cursor of this.cursors) rows += cursor.rowsWritten
    this.cursors = []
    return rows
  }
}
