/** Inputs the CLI tests share: Panther's rule-test logs (the corpus fixture) as files in several formats. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'

const root = resolve(import.meta.dirname, '..', '..')

interface Entry {
  rule: string
  test: string
  logType: string
  log: Record<string, unknown>
}

export function corpusEntries(): Entry[] {
  return JSON.parse(readFileSync(join(root, 'test/fixtures/ingest/corpus-test-logs.json'), 'utf8')) as Entry[]
}

/** The positive RootLoginFailed log (Threshold 5, DedupPeriodMinutes 15) at the given event times. */
export function rootLoginFailures(times: string[]): Record<string, unknown>[] {
  const entry = corpusEntries().find((e) => e.rule === 'AWS.Console.RootLoginFailed' && e.log.eventName === 'ConsoleLogin' && JSON.stringify(e.log).includes('Failure'))
  if (entry === undefined) throw new Error('no RootLoginFailed positive test log in the fixture')
  return times.map((t, i) => ({ ...entry.log, eventTime: t, eventID: `evt-${i}` }))
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'panther-cli-'))
}

export function writeNdjson(dir: string, name: string, events: unknown[]): string {
  const path = join(dir, name)
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
  return path
}

export function writeRecordsGz(dir: string, name: string, events: unknown[]): string {
  const path = join(dir, name)
  writeFileSync(path, gzipSync(JSON.stringify({ Records: events })))
  return path
}
