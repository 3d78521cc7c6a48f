// `npm start [-- wrangler dev flags]`: prepares local state, then runs `wrangler dev` on local storage.
// Flags after `--` go to `wrangler dev` unchanged (e.g. --port 9000 --persist-to DIR --var KEY:VALUE).
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'

const args = process.argv.slice(2)
const has = (flag) => args.some((a) => a === flag || a.startsWith(`${flag}=`))

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('Created .dev.vars from .dev.vars.example (dev tokens; edit to change them).')
}

const devArgs = ['dev', ...(has('--ip') ? [] : ['--ip', '127.0.0.1']), ...(has('--port') ? [] : ['--port', '8787']), ...args]
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
const child = spawn('node_modules/.bin/wrangler', devArgs, { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
