import { spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dockerignore, parseDockerfile } from './support/dockerfile.ts'
import { loadCompose } from './support/compose.ts'
import { ROOT, run } from './support/tools.ts'

const instructions = parseDockerfile()
const finalStage = Math.max(...instructions.map((i) => i.stage))
const inFinal = (op: string) => instructions.filter((i) => i.stage === finalStage && i.op === op)
const ignored = dockerignore()
const serviceDirs = readdirSync(join(ROOT, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'services', d.name, 'package.json')))
  .map((d) => d.name)

/** The `case "$SERVICE" in … esac` that picks a service's port, run with sh. */
function portFor(service: string): { status: number | null; port: string; output: string } {
  const run = instructions.find((i) => i.op === 'RUN' && i.args.includes('case "$SERVICE"'))!
  const caseText = /case "\$SERVICE" in[\s\S]*?esac/.exec(run.args)![0]
  const r = runSh(`${caseText}; echo "$port"`, { SERVICE: service })
  return { status: r.status, port: r.output.trim().split('\n').pop() ?? '', output: r.output }
}

function runSh(script: string, env: Record<string, string>, cwd = ROOT) {
  return run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'sh', '-c', script], { cwd })
}

describe('Dockerfile', () => {
  it('declares ARG BASE_IMAGE=node:20-bookworm-slim and starts every stage FROM it', () => {
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    const beforeFirstFrom = text.slice(0, text.search(/^FROM /m))
    expect(beforeFirstFrom).toMatch(/^ARG BASE_IMAGE=node:20-bookworm-slim$/m)
    const froms = instructions.filter((i) => i.op === 'FROM')
    expect(froms.length).toBeGreaterThanOrEqual(2)
    for (const f of froms) expect(f.args).toMatch(/^\$\{BASE_IMAGE\}( AS \w+)?$/)
  })

  it('installs the pnpm the workspace pins and installs from the lockfile', () => {
    const pinned = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }
    ).packageManager
    expect(pinned).toBe('pnpm@10.34.9')
    const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args)
    expect(runs.some((r) => r.includes(`npm i -g ${pinned}`))).toBe(true)
    expect(runs.some((r) => /pnpm install --frozen-lockfile/.test(r))).toBe(true)
  })

  it('runs as a numeric non-root user, with a HEALTHCHECK through node (no curl)', () => {
    const users = inFinal('USER')
    expect(users).toHaveLength(1)
    const [uid, gid] = users[0]!.args.split(':').map(Number)
    expect(uid).toBeGreaterThan(0)
    expect(gid).toBeGreaterThan(0)
    const hc = inFinal('HEALTHCHECK')
    expect(hc).toHaveLength(1)
    expect(hc[0]!.args).toContain('CMD ["node", "/app/infra/docker/healthcheck.cjs"]')
    expect(hc[0]!.args).not.toMatch(/curl|wget/)
  })

  it('knows the port of exactly the services in services/ and web, the same ports compose and Prometheus use', () => {
    const compose = loadCompose('docker-compose.yml')
    const prom = readFileSync(join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8')
    for (const svc of [...serviceDirs, 'web']) {
      const { status, port, output } = portFor(svc)
      expect(status, `${svc}: ${output}`).toBe(0)
      const env = compose.services[svc]!.environment!
      const composePorts = Object.entries(env)
        .filter(([k]) => k === 'PORT' || k.endsWith('_PORT'))
        .map(([, v]) => v)
      expect(composePorts.length, svc).toBeGreaterThan(0)
      for (const p of composePorts) expect(p, `${svc} compose port`).toBe(port)
      if (svc !== 'web') expect(prom, `${svc} scrape target`).toContain(`'${svc}:${port}'`)
    }
  })

  it('fails the build for a SERVICE it does not know', () => {
    const r = portFor('nope')
    expect(r.status).not.toBe(0)
    expect(r.output).toContain("unknown SERVICE 'nope'")
  })

  it('starts a service from its esbuild bundle (scripts/build-services.mjs) in its own folder, and web with node web/build', () => {
    const cmd = inFinal('CMD')[0]!.args
    const script = (JSON.parse(cmd) as string[])[2]!
    // The bundle the build stage writes is where the CMD looks for it.
    expect(readFileSync(join(ROOT, 'scripts', 'build-services.mjs'), 'utf8')).toContain("join(root, '.zixly', 'build')")
    // A fake node prints where it runs and with what.
    const dir = mkdtempSync(join(tmpdir(), 'zixly-cmd-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "node $* in $(pwd)"\n')
    chmodSync(join(bin, 'node'), 0o755)
    for (const svc of serviceDirs) {
      mkdirSync(join(dir, 'services', svc), { recursive: true })
      const r = run('env', [`PATH=${bin}:/usr/bin:/bin`, `SERVICE=${svc}`, 'sh', '-c', script], { cwd: dir })
      expect(r.output.trim()).toBe(`node /app/.zixly/build/${svc}/main.mjs in ${join(dir, 'services', svc)}`)
    }
    const web = run('env', [`PATH=${bin}:/usr/bin:/bin`, 'SERVICE=web', 'sh', '-c', script], { cwd: dir })
    expect(web.output.trim()).toBe(`node web/build in ${dir}`)
  })
})

describe('.dockerignore', () => {
  it('leaves out installed and built output, VCS metadata and secrets', () => {
    for (const p of [
      'node_modules/x',
      'services/ingest/node_modules/.bin/tsx',
      '.git/HEAD',
      'web/build/index.js',
      '.env',
      'services/x/.env.local',
      'web/.svelte-kit/a',
    ])
      expect(ignored(p), p).toBe(true)
  })

  it('keeps everything the image build and the services need', () => {
    const tracked = run('git', ['ls-files', '-co', '--exclude-standard']).output.split('\n').filter(Boolean)
    const needed = tracked.filter((f) =>
      /^(package\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|tsconfig\.base\.json|(contracts|packages|services|web)\/|data\/|infra\/docker\/healthcheck\.cjs)/.test(
        f,
      ),
    )
    expect(needed).toEqual(
      expect.arrayContaining(['package.json', 'pnpm-lock.yaml', 'infra/docker/healthcheck.cjs']),
    )
    expect(needed.filter((f) => ignored(f))).toEqual([])
  })
})

describe('healthcheck.cjs', () => {
  let server: Server
  let port = 0
  let status = 200
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(req.url === '/health' ? status : 404).end())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const check = (env: Record<string, string>) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'infra/docker/healthcheck.cjs')], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      })
      child.on('exit', (code) => resolve(code))
    })

  it('exits 0 when GET /health answers 200 on the port it is given', async () => {
    status = 200
    expect(await check({ ZIXLY_HEALTH_PORT: String(port) })).toBe(0)
  })

  it('exits 1 when /health answers 503, and when nothing listens', async () => {
    status = 503
    expect(await check({ ZIXLY_HEALTH_PORT: String(port) })).toBe(1)
    status = 200
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const freePort = (closed.address() as { port: number }).port
    await new Promise<void>((r) => closed.close(() => r()))
    expect(await check({ ZIXLY_HEALTH_PORT: String(freePort) })).toBe(1)
  })

  it('reads the port the image was built for from its port file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zixly-port-'))
    writeFileSync(join(dir, 'port'), `${port}\n`)
    status = 200
    expect(await check({ ZIXLY_PORT_FILE: join(dir, 'port') })).toBe(0)
    expect(await check({ ZIXLY_PORT_FILE: join(dir, 'missing') })).toBe(1)
  })
})
