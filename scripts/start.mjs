#!/usr/bin/env node
// `npm start`: installs what is missing, makes sure NATS, Postgres and Redis answer (starting them when
// installed but stopped), creates streams and applies migrations, starts every service, waits until
// each is healthy, and prints where to POST and where to look. Ctrl-C stops everything gracefully.
import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildServices, nodeOptionsEnv } from './build-services.mjs'
import { ensureDeps } from './ensure-deps.mjs'
import { answers, ensureInfrastructure } from './infra.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const logDir = join(root, '.zixly', 'logs')
const env = { ...process.env }
const port = (name, dflt) => Number(env[name] ?? dflt)
const INGEST = port('PORT', 3000)
const WEB = port('WEB_PORT', 3001)
const TRADING_API = port('TRADING_API_PORT', 8000)

/** The services, in start order; `health` is polled until it answers 200. */
const services = [
  { name: 'projector', dir: 'services/projector', health: `http://127.0.0.1:${port('PROJECTOR_PORT', 3013)}/health` },
  { name: 'orchestrator', dir: 'services/orchestrator', health: `http://127.0.0.1:${port('ORCHESTRATOR_PORT', 3011)}/health` },
  { name: 'executor', dir: 'services/executor', health: `http://127.0.0.1:${port('EXECUTOR_PORT', 3012)}/health` },
  { name: 'notifier', dir: 'services/notifier', health: `http://127.0.0.1:${port('NOTIFIER_PORT', 3014)}/health` },
  { name: 'trading-api', dir: 'services/trading-api', health: `http://127.0.0.1:${TRADING_API}/health`, env: { PORT: String(TRADING_API) } },
  { name: 'ingest', dir: 'services/ingest', health: `http://127.0.0.1:${INGEST}/ready`, env: { PORT: String(INGEST), TRUST_PROXY: env.TRUST_PROXY ?? 'loopback' } },
  { name: 'web', dir: 'web', health: `http://127.0.0.1:${WEB}/`, env: { PORT: String(WEB), HOST: env.HOST ?? '127.0.0.1' } },
].filter((s) => existsSync(join(root, s.dir, 'package.json')))

function fail(message) {
  console.error(`\n[zixly] ${message}`)
  process.exit(1)
}

ensureDeps()
try {
  await ensureInfrastructure({ log: (l) => console.log(`[zixly] ${l}`) })
} catch (err) {
  fail(`cannot start: a required service is missing.\n${err.message.split('\n').map((l) => `  - ${l}`).join('\n')}`)
}

const busy = []
for (const s of services) {
  const p = Number(new URL(s.health).port)
  if (await answers({ host: '127.0.0.1', port: p }, 300)) busy.push(`${s.name} (port ${p})`)
}
if (busy.length > 0) fail(`ports already in use: ${busy.join(', ')}. Is Zixly already running? Stop it or set the *_PORT variables.`)

const setup = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/setup.ts')], { cwd: root, env, stdio: 'inherit' })
if (setup.status !== 0) fail('setup failed (see the line above)')
// First run only: the local tenant, its admin and an API key, into .zixly/credentials.json.
const bootstrap = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/bootstrap.ts')], { cwd: root, env, stdio: 'inherit' })
if (bootstrap.status !== 0) fail('bootstrap failed (see the line above)')

mkdirSync(logDir, { recursive: true })
const children = new Map()
let stopping = false

function startService(s) {
  const log = createWriteStream(join(logDir, `${s.name}.log`), { flags: 'a' })
  const pkg = JSON.parse(readFileSync(join(root, s.dir, 'package.json'), 'utf8'))
  // Every service runs in one process so SIGTERM reaches the service itself: plain `node` on the
  // service's esbuild bundle (built just above), or `node --import tsx` from source (ZIXLY_RUNTIME=tsx);
  // the dashboard on plain `node` too, from its production build (it inlines the workspace packages).
  const [cmd, args] =
    s.name === 'web'
      ? [process.execPath, [join(root, 'web', 'build', 'index.js')]]
      : bundles[s.name]
        ? [process.execPath, [bundles[s.name]]]
        : [process.execPath, ['--import', 'tsx', 'src/main.ts']]
  const child = spawn(cmd, args, {
    cwd: join(root, s.dir),
    env: { ...env, ...s.env, ...nodeOptionsEnv(s.name, env.NODE_OPTIONS) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  })
  child.stdout.pipe(log)
  child.stderr.on('data', (chunk) => {
    log.write(chunk)
    for (const line of chunk.toString().split('\n').filter(Boolean)) console.error(`[${s.name}] ${line}`)
  })
  child.on('exit', (code, signal) => {
    children.delete(s.name)
    if (!stopping) {
      console.error(`[zixly] ${s.name} (${pkg.name}) exited (${signal ?? `code ${code}`}); see ${join(logDir, `${s.name}.log`)}. Stopping the stack.`)
      void stopAll(1)
    }
  })
  children.set(s.name, child)
}

async function waitHealthy(s, timeoutMs = Number(env.ZIXLY_START_TIMEOUT_MS ?? 180_000)) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (!children.has(s.name)) return false
    try {
      const r = await fetch(s.health, { signal: AbortSignal.timeout(1000) })
      if (r.ok) return true
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

async function stopAll(code) {
  if (stopping) return
  stopping = true
  console.log('\n[zixly] stopping services…')
  const exits = [...children.values()].map((c) => new Promise((r) => c.once('exit', r)))
  for (const c of children.values()) c.kill('SIGTERM')
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 30_000))])
  for (const c of children.values()) c.kill('SIGKILL')
  console.log('[zixly] stopped')
  process.exit(code)
}
process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

// The dashboard is built before anything starts (a cold build takes a while on a busy machine), so
// the health wait below measures start-up only.
if (services.some((s) => s.name === 'web')) {
  const { ensureBuild } = await import('../web/scripts/build.mjs')
  try {
    ensureBuild({ log: (l) => console.log(`[zixly] ${l.replace(/^\[web\] /, '')}`) })
  } catch (err) {
    fail(`the dashboard does not build: ${err.message}`)
  }
}

// The Node services run from esbuild bundles (scripts/build-services.mjs, ~1 s): no tsx at run time,
// which saves each service ~50 MB of RSS and most of its start. ZIXLY_RUNTIME=tsx runs the source.
let bundles = {}
if (env.ZIXLY_RUNTIME !== 'tsx') {
  try {
    bundles = await buildServices(services.filter((s) => s.dir.startsWith('services/')).map((s) => s.dir.slice('services/'.length)))
  } catch (err) {
    fail(`the services do not build: ${err.message}`)
  }
}

const t0 = Date.now()
for (const s of services) startService(s)
const health = await Promise.all(services.map(async (s) => [s, await waitHealthy(s)]))
const sick = health.filter(([, ok]) => !ok).map(([s]) => s.name)
if (sick.length > 0) {
  console.error(`[zixly] not healthy: ${sick.join(', ')}; logs in ${logDir}`)
  await stopAll(1)
}

const creds = join(root, '.zixly', 'credentials.json')
const credentials = existsSync(creds) ? JSON.parse(readFileSync(creds, 'utf8')) : null
const auth = credentials?.api_key ? ` -H 'X-API-Key: ${credentials.api_key}'` : ''
const sweep = '{"ticker":"BTC-USD","fast_range":[10,20],"slow_range":[20,30],"step":5,"strategy_type":"SMA"}'
// The local tenant signs its webhooks: the curl computes X-Zixly-Signature (HMAC-SHA256 of "t.body") with openssl.
const trigger = credentials?.signing_secret
  ? `BODY='${sweep}'; T=$(date +%s)
    curl -X POST http://localhost:${INGEST}/webhook/trading-sweep -H 'Content-Type: application/json'${auth} \\
      -H "X-Zixly-Signature: t=$T,v1=$(printf '%s' "$T.$BODY" | openssl dgst -sha256 -hmac '${credentials.signing_secret}' | sed 's/^.* //')" -d "$BODY"`
  : `curl -X POST http://localhost:${INGEST}/webhook/trading-sweep -H 'Content-Type: application/json'${auth} \\
      -d '${sweep}'`
console.log(`
[zixly] all ${services.length} services are up in ${((Date.now() - t0) / 1000).toFixed(1)} s

  Trigger a sweep:
    ${trigger}
  Follow it:     curl${auth} http://localhost:${INGEST}/webhook/jobs/<job_id>
  Results:       curl${auth} 'http://localhost:${INGEST}/webhook/jobs/<job_id>/results?limit=20&offset=0'
  API docs:      http://localhost:${INGEST}/openapi.json
  Dashboard:     ${services.some((s) => s.name === 'web') ? `http://localhost:${WEB}` : '(not built yet)'}${credentials ? `  (log in as ${credentials.admin_email} / ${credentials.admin_password})` : ''}
  Trading API:   ${services.some((s) => s.name === 'trading-api') ? `http://localhost:${TRADING_API}/health` : '(not built yet)'}
  Metrics:       http://localhost:${INGEST}/metrics (and /metrics on ports 3011-3014)
  Logs:          ${logDir}/<service>.log${credentials ? `\n  Credentials:   ${creds}` : ''}

  Ctrl-C stops everything.
`)
