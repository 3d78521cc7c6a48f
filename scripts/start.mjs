// `npm start [-- wrangler dev flags]`: prepares local state, then runs `wrangler dev` on local storage.
// Flags after `--` go to `wrangler dev` unchanged (e.g. --port 9000 --persist-to DIR --var KEY:VALUE).
// Rules are rebuilt on change (a failed build leaves the server up without rules: ingest answers 503
// and /health names the errors); a change to .dev.vars restarts wrangler dev so it takes effect.
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
// `--dev`: a failed build generates an empty rule set carrying its errors, never a broken bundle.
const buildRules = () => {
  const ok = spawnSync('node_modules/.bin/tsx', ['tools/rules/build.ts', '--quiet', '--dev'], { stdio: 'inherit' }).status === 0
  if (ok) console.log('Rules built.')
  return ok
}
buildRules()
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
const devVars = () => {
  const st = statSync('.dev.vars', { throwIfNoEntry: false })
  return st ? `${st.mtimeMs}:${st.size}` : ''
}
let lastSources = sources()
let lastDevVars = devVars()
setInterval(() => {
  const now = sources()
  if (now !== lastSources) {
    lastSources = now
    buildRules()
  }
  const vars = devVars()
  if (vars !== lastDevVars) {
    lastDevVars = vars
    console.log('.dev.vars changed: restarting wrangler dev to apply it.')
    restart()
  }
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

let child
let restarting = false
function run() {
  child = spawn('node_modules/.bin/wrangler', devArgs, { stdio: 'inherit', env })
  child.on('exit', (code, signal) => {
    if (restarting) {
      restarting = false
      run()
    } else process.exit(code ?? (signal ? 1 : 0))
  })
}
function restart() {
  if (restarting) return
  restarting = true
  child.kill('SIGTERM')
}
run()
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    restarting = false
    child.kill(signal)
  })
