// `npm start [-- wrangler dev flags]`: prepares local state, then runs `wrangler dev` on local storage.
// Flags after `--` go to `wrangler dev` unchanged (e.g. --port 9000 --persist-to DIR --var KEY:VALUE).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const args = process.argv.slice(2)
const has = (flag) => args.some((a) => a === flag || a.startsWith(`${flag}=`))

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('Created .dev.vars from .dev.vars.example (dev tokens; edit to change them).')
}

// Rules are compiled into src/engine/generated/ (Workers cannot eval): generate now, and again whenever
// rules/ or the data models change, so wrangler's own watcher reloads the Worker with the new rules.
const buildRules = () => spawnSync('node_modules/.bin/tsx', ['tools/rules/build.ts', '--quiet'], { stdio: 'inherit' }).status === 0
if (!buildRules()) process.exit(1)
// Polling (a stat per file per second) rather than fs.watch: Node 20's recursive watch loses files that
// editors replace by rename.
const signature = (dir) =>
  !existsSync(dir)
    ? ''
    : readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const file = join(e.parentPath ?? e.path, e.name)
          const st = statSync(file, { throwIfNoEntry: false })
          return st ? `${file}:${st.mtimeMs}:${st.size}` : ''
        })
        .sort()
        .join('|')
const sources = () => signature('rules') + signature('src/sdk/data-models')
let lastSources = sources()
setInterval(() => {
  const now = sources()
  if (now === lastSources) return
  lastSources = now
  buildRules()
}, 1000).unref()

const devArgs = ['dev', ...(has('--ip') ? [] : ['--ip', '127.0.0.1']), ...(has('--port') ? [] : ['--port', '8787']), ...args]
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
// The local D1 database of alerts gets migrations/ first, in the state directory wrangler dev will use.
const valueOf = (flag) => {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`))
  if (i < 0) return undefined
  return args[i] === flag ? args[i + 1] : args[i].slice(flag.length + 1)
}
const persistTo = valueOf('--persist-to')
const migrate = ['d1', 'migrations', 'apply', 'ALERTS_DB', '--local', ...(persistTo ? ['--persist-to', persistTo] : [])]
if (spawnSync('node_modules/.bin/wrangler', migrate, { stdio: 'inherit', env: { ...env, CI: 'true' } }).status !== 0) {
  console.error('Applying the D1 migrations (migrations/) failed; see above.')
  process.exit(1)
}

const child = spawn('node_modules/.bin/wrangler', devArgs, { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
