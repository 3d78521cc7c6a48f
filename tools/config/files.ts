/**
 * Reads the configuration files a target is made of, in Node (build, `npm run check`, `npm run deploy`):
 * wrangler.toml (its `[vars]`, bindings and resource names) and `.dev.vars` (local secrets and overrides,
 * in wrangler's dotenv format). The Worker never reads these files: wrangler turns them into its env.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseToml } from 'smol-toml'

/** The parts of wrangler.toml the tools use (the file is otherwise wrangler's). */
export interface WranglerConfig {
  name: string
  vars: Record<string, string>
  d1: { binding: string; database_name: string; database_id: string; migrations_dir?: string }[]
  queues: { producers: { binding: string; queue: string }[]; consumers: QueueConsumer[] }
  durableObjects: { name: string; class_name: string }[]
  migrations: { tag: string; new_sqlite_classes?: string[] }[]
}

export interface QueueConsumer {
  queue: string
  dead_letter_queue?: string
  max_retries?: number
}

const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : [])

/** Parses wrangler.toml; throws an Error naming the file and line on a TOML syntax error. */
export function readWranglerConfig(root: string): WranglerConfig {
  const path = join(root, 'wrangler.toml')
  const doc = parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>
  const vars: Record<string, string> = {}
  const rawVars = doc.vars
  if (typeof rawVars === 'object' && rawVars !== null) {
    for (const [key, value] of Object.entries(rawVars)) {
      // wrangler passes non-string vars as JSON values; this project's vars are all strings.
      vars[key] = typeof value === 'string' ? value : JSON.stringify(value)
    }
  }
  const queues = (doc.queues ?? {}) as Record<string, unknown>
  const durable = (doc.durable_objects ?? {}) as Record<string, unknown>
  return {
    name: typeof doc.name === 'string' ? doc.name : '',
    vars,
    d1: asArray(doc.d1_databases),
    queues: { producers: asArray(queues.producers), consumers: asArray(queues.consumers) },
    durableObjects: asArray(durable.bindings),
    migrations: asArray(doc.migrations),
  }
}

/**
 * Parses a `.dev.vars` file (dotenv: `KEY=value`, optional single or double quotes, `#` comments,
 * `export ` prefixes ignored); an absent file is empty.
 */
export function readDevVars(path: string): Record<string, string> {
  if (!existsSync(path)) return {}
  const out: Record<string, string> = {}
  const lines = readFileSync(path, 'utf8').split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (m === null) continue
    const key = m[1] as string
    let value = m[2] as string
    const quote = value[0]
    if (quote === '"' || quote === "'") {
      // A quoted value may span lines, up to the closing quote.
      let rest = value.slice(1)
      while (!rest.includes(quote) && i + 1 < lines.length) rest += `\n${lines[++i] as string}`
      value = rest.slice(0, rest.indexOf(quote) < 0 ? rest.length : rest.indexOf(quote))
      if (quote === '"') value = value.replace(/\\n/g, '\n')
    } else {
      value = value.replace(/\s+#.*$/, '').trim()
    }
    out[key] = value
  }
  return out
}

/** The ids and names `DESTINATIONS` declares (unparseable JSON declares none; the check reports it). */
export function declaredDestinationKeys(json: string | undefined): string[] {
  if (json === undefined) return []
  try {
    const raw = JSON.parse(json) as unknown
    if (!Array.isArray(raw)) return []
    return raw.flatMap((d: unknown) => {
      if (typeof d !== 'object' || d === null) return []
      const { id, name } = d as { id?: unknown; name?: unknown }
      return [id, name].filter((k): k is string => typeof k === 'string')
    })
  } catch {
    return []
  }
}
