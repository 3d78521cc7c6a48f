/** Lookup tables (docs/enrichment.md): definitions, loading, D1 storage and batch enrichment. */
export { enrichWithLookups, forgetLookupTables, liveLookupTables, type EnrichmentOutcome } from './enrich'
export { canonicalNetwork, parseRows, type LoadedRow, type ParsedRows, type RowProblem } from './rows'
export {
  commitVersionStatement,
  dropOtherVersions,
  getRow,
  getTable,
  listTables,
  putTableStatement,
  rowCountOf,
  startVersion,
  writeRows,
  type StoredTable,
} from './store'
export { TABLE_NAME, TableDefinitionSchema, type LookupTableDef } from './table'
