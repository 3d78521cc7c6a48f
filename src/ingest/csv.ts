/**
 * RFC 4180 CSV, as Salesforce EventLogFile writes it: a header row, comma-separated fields, fields
 * in double quotes may hold commas, line breaks and doubled quotes (""). CRLF and LF line ends both
 * work.
 */

interface CsvRecord {
  /** Line (1-based, header = line 1) on which the record starts. */
  line: number
  fields: string[]
  /** Set when the record is malformed (e.g. a quote never closed); `fields` is then partial. */
  error?: string
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/** Splits CSV text into records (blank lines are skipped), stopping after `maxRecords`. */
export function parseCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): CsvRecord[] {
  const records: CsvRecord[] = []
  const n = text.length
  let i = 0
  let line = 1
  while (i < n && records.length < maxRecords) {
    const startLine = line
    const fields: string[] = []
    let error: string | undefined
    let atRecordEnd = false
    // A record that is a blank line.
    if (text.charCodeAt(i) === LF || text.charCodeAt(i) === CR) {
      i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1
      line++
      continue
    }
    while (!atRecordEnd) {
      let value: string
      if (text.charCodeAt(i) === QUOTE) {
        let parts = ''
        let from = i + 1
        for (;;) {
          const q = text.indexOf('"', from)
          if (q === -1) {
            parts += text.slice(from)
            line += countLines(text, from, n)
            i = n
            error = 'a quoted field is never closed'
            break
          }
          parts += text.slice(from, q)
          line += countLines(text, from, q)
          if (text.charCodeAt(q + 1) === QUOTE) {
            parts += '"'
            from = q + 2
            continue
          }
          i = q + 1
          break
        }
        value = parts
        // Anything between the closing quote and the next separator is kept, as most readers do.
        const end = nextSeparator(text, i)
        if (end > i) value += text.slice(i, end)
        i = end
      } else {
        const end = nextSeparator(text, i)
        value = text.slice(i, end)
        i = end
      }
      fields.push(value)
      if (i >= n) {
        atRecordEnd = true
      } else {
        const c = text.charCodeAt(i)
        if (c === COMMA) {
          i++
          if (i >= n) {
            fields.push('')
            atRecordEnd = true
          }
        } else {
          i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1
          line++
          atRecordEnd = true
        }
      }
      if (error) atRecordEnd = true
    }
    records.push(error ? { line: startLine, fields, error } : { line: startLine, fields })
  }
  return records
}

function nextSeparator(text: string, from: number): number {
  const n = text.length
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === COMMA || c === LF || c === CR) return i
  }
  return n
}

function countLines(text: string, from: number, to: number): number {
  let count = 0
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++
  return count
}
