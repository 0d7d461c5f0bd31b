import { execFile } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signWebhook } from '@zixly/auth'
import { answers } from '../../scripts/infra.mjs'
import { pingEngine } from '../../scripts/docker.mjs'
import { freePort } from '../support/containers.ts'
import { eventually } from '../support/env.ts'

// The Compose smoke test: the whole docker-compose.yml stack with the CI override (host networking,
// local images, services built FROM zixly-local/node-base), the seed's sweep request sent to ingest
// in its container, and the stack taken down again. It runs when the integration tier runs on
// Testcontainers (the global setup has an engine), or with ZIXLY_COMPOSE_TEST=1 against DOCKER_HOST.

const root = fileURLToPath(new URL('../..', import.meta.url))
const exec = promisify(execFile)
const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }
const dockerHost = process.env.DOCKER_HOST ?? ''
const enabled = process.env.ZIXLY_TEST_INFRA_PATH === 'testcontainers' || process.env.ZIXLY_COMPOSE_TEST === '1'
const project = `zixlye2e${randomBytes(4).toString('hex')}`
const logDir = join(root, '.zixly', 'compose-e2e')
const t0 = Date.now()
/** Progress with the time since the file started, in the test output (BENCHMARKS.md quotes these). */
const log = (what: string) => console.log(`[compose-e2e] ${((Date.now() - t0) / 1000).toFixed(0)} s: ${what}`)

/** Every port the CI override lets us move, each given a free one so no running stack is in the way. */
const PORT_VARS = ['NATS', 'NATS_MONITOR', 'POSTGRES', 'REDIS', 'INGEST', 'WEB', 'ORCHESTRATOR', 'EXECUTOR', 'PROJECTOR', 'NOTIFIER', 'TRADING_API']
const ports: Record<string, number> = {}
let ctx = ''
let services: string[] = []
let env: NodeJS.ProcessEnv = {}

/** docker-compose on docker-compose.yml + docker-compose.ci.yml, through the Compose v1 wrapper. */
async function compose(args: string[], timeoutMs = 120_000) {
  return exec('bash', [join(ctx, 'infra/docker/compose-ci.sh'), '-p', project, ...args], { cwd: ctx, env, timeout: timeoutMs, maxBuffer: 1 << 26 })
}
const docker = async (args: string[]) => (await exec('docker', args, { env, maxBuffer: 1 << 24 })).stdout.trim()

/**
 * The services the stack starts: every one without a profile, except an app service whose folder holds
 * no package yet (the CI override builds every app from this checkout; web may not exist yet).
 */
async function stackServices(): Promise<string[]> {
  const { stdout } = await exec('bash', [join(ctx, 'infra/docker/compose-ci.sh'), 'services'], { cwd: ctx, env })
  return stdout
    .split('\n')
    .filter(Boolean)
    .filter((name) => {
      if (['nats', 'postgres', 'redis'].includes(name)) return true
      return existsSync(join(ctx, name === 'web' ? 'web' : `services/${name}`, 'package.json'))
    })
}

/**
 * The build context, copied once so every image is built from the same files while the checkout
 * changes: the working tree (what `docker build .` would see), or with ZIXLY_COMPOSE_SOURCE=head the
 * last commit (in a checkout shared with others' unfinished work).
 */
async function snapshot(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'zixly-compose-'))
  if (process.env.ZIXLY_COMPOSE_SOURCE === 'head') {
    await exec('sh', ['-c', `git archive --format=tar HEAD | tar -x -C '${dir}'`], { cwd: root, maxBuffer: 1 << 26 })
    return dir
  }
  const { stdout } = await exec('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, maxBuffer: 1 << 26 })
  for (const f of stdout.split('\0').filter(Boolean)) {
    const from = join(root, f)
    if (!existsSync(from) || !statSync(from).isFile()) continue
    mkdirSync(dirname(join(dir, f)), { recursive: true })
    copyFileSync(from, join(dir, f))
    chmodSync(join(dir, f), statSync(from).mode)
  }
  return dir
}

interface State {
  service: string
  status: string
  health: string
}
async function states(): Promise<State[]> {
  const ids = (await compose(['ps', '-q'])).stdout.split('\n').filter(Boolean)
  if (ids.length === 0) return []
  const out = await docker(['inspect', '--format', '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', ...ids])
  return out.split('\n').map((l) => {
    const [service = '', status = '', health = ''] = l.split(' ')
    return { service, status, health }
  })
}

/** The stack's logs, kept in .zixly/compose-e2e/ for a failed run; the last lines for the message. */
async function logsTail(): Promise<string> {
  const r = await compose(['logs', '--no-color', '--tail', '300']).catch((e: Error) => ({ stdout: e.message }))
  writeFileSync(join(logDir, `${project}.log`), r.stdout)
  // Health probes log a request each: leave them out of the message.
  const lines = r.stdout.split('\n').filter((l) => !l.includes('/health') && !l.includes('"statusCode":200'))
  return `(full logs: .zixly/compose-e2e/${project}.log)\n${lines.slice(-60).join('\n')}`
}

/**
 * The first-run credentials of a Compose installation, as an operator gets them: scripts/bootstrap.ts
 * run inside the ingest container (the tenant, its signing secret, an EDITOR API key).
 */
async function bootstrapCredentials(): Promise<{ api_key: string; signing_secret: string }> {
  const file = '/tmp/zixly-credentials.json'
  const { stdout } = await compose(['exec', '-T', '-e', `ZIXLY_CREDENTIALS_FILE=${file}`, 'ingest', 'sh', '-c', `cd /app && node_modules/.bin/tsx scripts/bootstrap.ts >&2 && cat ${file}`])
  return JSON.parse(stdout) as { api_key: string; signing_secret: string }
}

describe.skipIf(!enabled)('docker-compose.yml + docker-compose.ci.yml on this machine', () => {
  beforeAll(async () => {
    expect(await pingEngine(dockerHost), `no Docker engine at DOCKER_HOST=${dockerHost}`).toBe(true)
    env = { ...process.env, DOCKER_HOST: dockerHost, COMPOSE_DOCKER_CLI_BUILD: '0', DOCKER_BUILDKIT: '0', ZIXLY_TAG: 'e2e', COMPOSE_HTTP_TIMEOUT: '300' }
    for (const v of PORT_VARS) env[`ZIXLY_CI_${v}_PORT`] = String((ports[v] = await freePort()))
    await exec('bash', [join(root, 'infra/docker/local-images.sh')], { env, maxBuffer: 1 << 24 })
    ctx = await snapshot()
    services = await stackServices()
    mkdirSync(logDir, { recursive: true })
    log(`building ${services.length - 3} service images from ${process.env.ZIXLY_COMPOSE_SOURCE === 'head' ? 'HEAD' : 'the working tree'}`)
    const build = await compose(['build', ...services.filter((s) => !s.match(/^(nats|postgres|redis)$/))], 900_000).catch((e: Error & { stdout?: string }) => e)
    writeFileSync(join(logDir, 'build.log'), 'stdout' in build ? String(build.stdout) : '')
    if (build instanceof Error) throw new Error(`docker-compose build failed (see .zixly/compose-e2e/build.log): ${build.message.slice(-2000)}`)
    log('images built; starting the stack')
    // `up` waits for the dependencies' health (depends_on: service_healthy); the first test waits for the rest.
    await compose(['up', '-d', '--no-build', ...services], 400_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\nstates: ${JSON.stringify(await states())}\n${await logsTail()}`)
    })
    log('stack started')
  }, 1_200_000)

  afterAll(async () => {
    if (!ctx) return
    // Safety net for a failed run; the last test below takes the stack down and checks it.
    await compose(['down', '-v', '--remove-orphans', '-t', '20']).catch(() => {})
    rmSync(ctx, { recursive: true, force: true })
    // Earlier builds of the service images, once no tag points at them, are removed; images younger
    // than 10 minutes may belong to a build still running. The untagged build stages are the next
    // build's cache (the fetched packages): they go only after a week.
    await docker(['image', 'prune', '-f', '--filter', 'label!=zixly.stage=build', '--filter', 'until=10m']).catch(() => '')
    await docker(['image', 'prune', '-f', '--filter', 'label=zixly.stage=build', '--filter', 'until=168h']).catch(() => '')
    log('old images pruned')
  }, 600_000)

  it('starts every service of the stack and each container becomes healthy', async () => {
    const all = await eventually(async () => {
      const s = await states()
      const bad = s.find((x) => x.status !== 'running' || x.health === 'unhealthy')
      if (bad) throw new Error(`${bad.service} is ${bad.status}/${bad.health}:\n${await logsTail()}`)
      return s.length === services.length && s.every((x) => x.health === 'healthy') ? s : undefined
    }, 240_000, 1_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\nstates: ${JSON.stringify(await states())}\n${await logsTail()}`)
    })
    log(`${all.length} containers healthy`)
    expect(all.map((s) => s.service).sort()).toEqual([...services].sort())
    expect(services).toEqual(expect.arrayContaining(['nats', 'postgres', 'redis', 'ingest', 'orchestrator', 'executor', 'projector', 'notifier', 'trading-api']))
  }, 260_000)

  it("completes the seed's sweep request sent to ingest in its container", async () => {
    const ingest = `http://127.0.0.1:${ports.INGEST}`
    const creds = await bootstrapCredentials()
    const body = JSON.stringify(seed)
    const res = await fetch(`${ingest}/webhook/trading-sweep`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': creds.api_key, 'x-zixly-signature': signWebhook(creds.signing_secret, body, Math.floor(Date.now() / 1000)) },
      body,
    })
    expect(res.status, await res.clone().text()).toBe(202)
    const { job_id } = (await res.json()) as { job_id: string }
    const job = await eventually(async () => {
      const r = await fetch(`${ingest}/webhook/jobs/${job_id}`, { headers: { 'x-api-key': creds.api_key } })
      if (r.status !== 200) return undefined
      const j = (await r.json()) as { status: string; results_count: number }
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.status) ? j : undefined
    }, 120_000, 500).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await logsTail()}`)
    })
    log(`seed sweep ${job.status}`)
    expect(job.status).toBe('COMPLETED')
    // fast 10/15/20 × slow 20/25/30 with fast < slow: 8 pairs.
    expect(job.results_count).toBe(8)
    // The services are still healthy after doing the work.
    const after = await states()
    expect(after.filter((s) => s.health !== 'healthy')).toEqual([])
  }, 180_000)

  it('takes the whole stack down and leaves nothing running', async () => {
    await compose(['down', '-v', '--remove-orphans', '-t', '20'])
    log('stack down')
    const label = `label=com.docker.compose.project=${project}`
    expect(await docker(['ps', '-a', '-q', '--filter', label])).toBe('')
    expect(await docker(['volume', 'ls', '-q', '--filter', label])).toBe('')
    expect(await docker(['network', 'ls', '-q', '--filter', label])).toBe('')
    for (const [name, port] of Object.entries(ports)) expect(await answers({ host: '127.0.0.1', port }, 500), `${name} port ${port}`).toBe(false)
  }, 120_000)
})
