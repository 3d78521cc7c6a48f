// `npm start [-- wrangler dev flags]`: prepares local state, then runs `wrangler dev` on local storage.
// Flags after `--` go to `wrangler dev` unchanged (e.g. --port 9000 --persist-to DIR --var KEY:VALUE).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, watch } from 'node:fs'

const args = process.argv.slice(2)
const has = (flag) => args.some((a) => a === flag || a.startsWith(`${flag}=`))

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('Created .dev.vars from .dev.vars.example (dev tokens; edit to change them).')
}

// Rules are compiled into src/engine/generated/ (Workers cannot eval): generate now, and again whenever
// rules/ or the data models change, so wrangler's own watcher reloads the Worker with the new rules.
const buildRules = () => spawnSync('node_modules/.bin/tsx', ['scripts/build-rules.ts', '--quiet'], { stdio: 'inherit' }).status === 0
if (!buildRules()) process.exit(1)
let rebuild
for (const dir of ['rules', 'src/engine/data-models']) {
  if (!existsSync(dir)) continue
  watch(dir, { recursive: true }, () => {
    clearTimeout(rebuild)
    rebuild = setTimeout(buildRules, 200)
  })
}

const devArgs = ['dev', ...(has('--ip') ? [] : ['--ip', '127.0.0.1']), ...(has('--port') ? [] : ['--port', '8787']), ...args]
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
const child = spawn('node_modules/.bin/wrangler', devArgs, { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
