/**
 * SQL that moves a Durable Object table's rows into a table of the same name built anew (SQLite
 * cannot change a table's key or make it `WITHOUT ROWID` in place): create the new table, copy the
 * rows as `select` reads them, drop the old table, rename the new one. Run inside one `exec` in the
 * constructor's synchronous turn, the steps of every table commit together.
 */
export function rebuildWithoutRowid(table: string, columns: string, select: string): string {
  const next = `${table}_next`
  return `
CREATE TABLE ${next} (${columns}) WITHOUT ROWID;
INSERT INTO ${next} ${select};
DROP TABLE ${table};
ALTER TABLE ${next} RENAME TO ${table};
`
}
