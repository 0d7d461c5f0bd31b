import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  composeValidator,
  dependsOn,
  interpolate,
  loadCompose,
  mergeCompose,
  privateAddresses,
  type Service,
} from './support/compose.ts'
import { ROOT, run, which } from './support/tools.ts'
import { SERVICE_NODE_OPTIONS } from '../../scripts/build-services.mjs'

const base = loadCompose('docker-compose.yml')
const ci = loadCompose('docker-compose.ci.yml')
const merged = mergeCompose(base, ci)
const validate = composeValidator()

const APP_SERVICES = ['ingest', 'orchestrator', 'executor', 'projector', 'notifier', 'sqs-bridge', 'trading-api', 'web']
const PORTS: Record<string, number> = {
  ingest: 3000,
  web: 3001,
  orchestrator: 3011,
  executor: 3012,
  projector: 3013,
  notifier: 3014,
  'sqs-bridge': 3015,
  'trading-api': 8000,
}
const LOCAL_IMAGES: Record<string, string> = {
  nats: 'zixly-local/nats',
  postgres: 'zixly-local/postgres',
  redis: 'zixly-local/redis',
}

/** The command line of a service as one string, for looking at what a server binds to. */
const cmd = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''))
const active = (s: Service) => !s.profiles || s.profiles.length === 0

describe('docker-compose files', () => {
  it('interpolates like docker-compose: defaults, $$ escapes and required variables', () => {
    expect(interpolate('${A:-x} ${B-y} $$HOME ${C}', { B: '' })).toBe('x  $HOME ')
    expect(() => interpolate('${NEED:?set it}')).toThrow('NEED is required')
  })

  it.each([
    ['docker-compose.yml', base],
    ['docker-compose.ci.yml', ci],
    ['both, merged', merged],
  ])('%s is valid against the compose schema of docker-compose 1.29', (_name, doc) => {
    expect(validate(doc)).toEqual([])
  })

  it('the schema check rejects what docker-compose would reject', () => {
    expect(validate({ services: { a: { image: 'x', healthcheck: { interval: 'soon' } } } })).not.toEqual([])
    expect(
      validate({ services: { a: { image: 'x', depends_on: { b: { condition: 'whenever' } } } } }),
    ).not.toEqual([])
    expect(validate({ services: { a: { imagee: 'x' } } })).not.toEqual([])
  })

  // docker-compose 1.29 is not always installed (Debian's docker-compose package); the schema
  // checks above cover that case, and this one asks the real client when it is there.
  it('docker-compose config accepts the base file and base + CI override (when a v1 client is installed)', () => {
    const client = which('docker-compose')
    if (!client) {
      expect(validate(merged)).toEqual([])
      return
    }
    for (const files of [['docker-compose.yml'], ['docker-compose.yml', 'docker-compose.ci.yml']]) {
      const r = run(client, [...files.flatMap((f) => ['-f', f]), 'config', '-q'], { cwd: ROOT })
      expect(r.status, r.output).toBe(0)
    }
  })
})

describe('docker-compose.yml: the whole stack', () => {
  it('runs NATS with JetStream, Postgres 15, Redis 7, MinIO, every service, Prometheus and Grafana', () => {
    expect(Object.keys(base.services).sort()).toEqual(
      [...APP_SERVICES, 'nats', 'postgres', 'redis', 'minio', 'prometheus', 'grafana'].sort(),
    )
    expect(base.services.nats!.image).toMatch(/^nats:/)
    expect(cmd(base.services.nats!)).toMatch(/(^| )-js( |$)/)
    expect(base.services.postgres!.image).toMatch(/^postgres:15/)
    expect(base.services.redis!.image).toMatch(/^redis:7/)
  })

  it('every service has a healthcheck, and every depends_on names a service and waits for it to be healthy', () => {
    for (const [name, s] of Object.entries(base.services)) {
      expect(s.healthcheck?.test, `${name} healthcheck`).toBeDefined()
      expect(s.healthcheck?.disable, name).not.toBe(true)
      for (const [dep, { condition }] of Object.entries(dependsOn(s))) {
        expect(base.services[dep], `${name} depends on ${dep}`).toBeDefined()
        expect(condition, `${name} → ${dep}`).toBe('service_healthy')
      }
    }
  })

  it('builds every app service from the root Dockerfile with its SERVICE and BASE_IMAGE', () => {
    for (const name of APP_SERVICES) {
      const s = base.services[name]!
      expect(s.build?.context, name).toBe('.')
      expect(s.build?.args, name).toEqual({ BASE_IMAGE: 'node:20-bookworm-slim', SERVICE: name })
      expect(Object.keys(dependsOn(s)), name).toEqual(expect.arrayContaining(['nats', 'postgres', 'redis']))
    }
  })

  it('gives every app service its connection settings and its own port', () => {
    for (const name of APP_SERVICES) {
      const env = base.services[name]!.environment!
      for (const key of [
        'NATS_URL',
        'DATABASE_URL',
        'REDIS_URL',
        'OBJECT_STORE_URL',
        'ZIXLY_NAMESPACE',
        'PG_SCHEMA',
      ])
        expect(env[key], `${name} ${key}`).toBeTruthy()
      expect(env.NATS_URL).toBe('nats://nats:4222')
      expect(new URL(env.DATABASE_URL!).host).toBe('postgres:5432')
      expect(env.REDIS_URL).toBe('redis://redis:6379')
      expect(env.OBJECT_STORE_URL).toBe('http://minio:9000')
      const portVars = Object.entries(env)
        .filter(([k]) => k === 'PORT' || k.endsWith('_PORT'))
        .map(([, v]) => Number(v))
      expect(portVars.length, `${name} port variable`).toBeGreaterThan(0)
      for (const p of portVars) expect(p, name).toBe(PORTS[name])
    }
  })

  it('runs each app service with the V8 options npm start gives it, and no others', () => {
    for (const name of APP_SERVICES)
      expect(base.services[name]!.environment!.NODE_OPTIONS, name).toBe(SERVICE_NODE_OPTIONS[name])
  })

  it('publishes ingest on 3000, web on 3001, Grafana on 3002 and the trading API on 8000, on loopback by default', () => {
    const published = (name: string) =>
      (base.services[name]!.ports ?? []).map((p) => p.split(':').slice(-2).join(':'))
    expect(published('ingest')).toContain('3000:3000')
    expect(published('web')).toContain('3001:3001')
    expect(published('grafana')).toContain('3002:3002')
    expect(published('trading-api')).toContain('8000:8000')
    for (const s of Object.values(base.services))
      for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/)
  })

  it('mounts the Prometheus config with its rule file beside it, and Grafana provisioning where its provider looks', () => {
    const prom = base.services.prometheus!.volumes!
    expect(prom).toContain('./infra/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro')
    expect(prom).toContain('./infra/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro')
    const provider = parse(
      readFileSync(join(ROOT, 'infra/grafana/provisioning/dashboards/zixly.yml'), 'utf8'),
    ) as {
      providers: Array<{ options: { path: string } }>
    }
    const graf = base.services.grafana!.volumes!
    expect(graf).toContain(`./infra/grafana/dashboards:${provider.providers[0]!.options.path}:ro`)
    expect(graf).toContain('./infra/grafana/provisioning:/etc/grafana/provisioning:ro')
    expect(base.services.grafana!.environment!.PROMETHEUS_URL).toBe('http://prometheus:9090')
  })

  it('declares no networks of its own, so the CI override can switch to host networking', () => {
    expect(base.networks).toBeUndefined()
    for (const [name, s] of Object.entries(base.services)) expect(s.networks, name).toBeUndefined()
  })
})

describe('docker-compose.ci.yml: host networking with local images', () => {
  it('switches every service to network_mode: host', () => {
    expect(Object.keys(ci.services).sort()).toEqual(Object.keys(base.services).sort())
    for (const [name, s] of Object.entries(merged.services)) {
      expect(s.network_mode, name).toBe('host')
      expect(s.networks, name).toBeUndefined()
    }
    expect(merged.networks).toBeUndefined()
  })

  it('uses the locally built images and BASE_IMAGE=zixly-local/node-base', () => {
    for (const [name, image] of Object.entries(LOCAL_IMAGES))
      expect(merged.services[name]!.image, name).toBe(image)
    for (const name of APP_SERVICES) {
      expect(merged.services[name]!.build?.args, name).toEqual({
        BASE_IMAGE: 'zixly-local/node-base',
        SERVICE: name,
      })
      expect(merged.services[name]!.build?.network, name).toBe('host')
    }
  })

  it('starts no service whose image has no local build unless its profile is asked for, and nothing depends on those', () => {
    const optional = Object.entries(merged.services)
      .filter(([, s]) => !active(s))
      .map(([n]) => n)
    // sqs-bridge has a local build but needs an SQS queue, so it too runs only when its profile is asked for.
    expect(optional.sort()).toEqual(['grafana', 'minio', 'prometheus', 'sqs-bridge'])
    for (const [name, s] of Object.entries(merged.services).filter(([, s]) => active(s))) {
      expect(s.image?.startsWith('zixly-local/') || s.build !== undefined, `${name} image ${s.image}`).toBe(
        true,
      )
      for (const dep of Object.keys(dependsOn(s))) expect(optional, `${name} → ${dep}`).not.toContain(dep)
    }
  })

  it('binds every server to 127.0.0.1 and points every client at 127.0.0.1', () => {
    const s = merged.services
    expect(cmd(s.nats!)).toMatch(/-a 127\.0\.0\.1 /)
    // nats-server has no --http_host flag: its monitoring port (-m) listens on the -a address.
    expect(cmd(s.nats!)).toMatch(/(^| )-m \d+/)
    expect(cmd(s.nats!)).not.toMatch(/--http_host/)
    expect(cmd(s.postgres!)).toContain('listen_addresses=127.0.0.1')
    expect(cmd(s.redis!)).toContain('--bind 127.0.0.1')
    expect(s.minio!.environment!.MINIO_ADDRESS).toMatch(/^127\.0\.0\.1:/)
    expect(s.minio!.environment!.MINIO_CONSOLE_ADDRESS).toMatch(/^127\.0\.0\.1:/)
    expect(cmd(s.prometheus!)).toContain('--web.listen-address=127.0.0.1:9090')
    expect(s.prometheus!.volumes).toContain(
      './infra/prometheus/prometheus.host.yml:/etc/prometheus/prometheus.yml:ro',
    )
    expect(s.grafana!.environment!.GF_SERVER_HTTP_ADDR).toBe('127.0.0.1')
    for (const name of APP_SERVICES) {
      const env = s[name]!.environment!
      expect(env.HOST, name).toBe('127.0.0.1')
      for (const [k, v] of Object.entries(env).filter(([, v]) => /^[a-z]+:\/\//.test(v)))
        expect(new URL(v).hostname, `${name} ${k}`).toBe('127.0.0.1')
    }
    // Healthchecks run in the host's network namespace too.
    for (const [name, svc] of Object.entries(s)) {
      const test = [svc.healthcheck!.test].flat().join(' ')
      for (const host of test.match(/\/\/[^/:\s]+|\/dev\/tcp\/[^/]+|-h \S+/g) ?? [])
        expect(host.replace(/^(\/\/|\/dev\/tcp\/|-h )/, ''), `${name} healthcheck`).toBe('127.0.0.1')
    }
  })

  it('keeps NATS, Postgres and Redis off the ports a development machine already uses', () => {
    const s = merged.services
    expect(s.ingest!.environment!.NATS_URL).not.toContain(':4222')
    expect(s.ingest!.environment!.DATABASE_URL).not.toContain(':5432')
    expect(s.ingest!.environment!.REDIS_URL).not.toContain(':6379')
    expect(cmd(s.nats!)).toContain(`-p ${new URL(s.ingest!.environment!.NATS_URL!).port}`)
    expect(cmd(s.postgres!)).toContain(`port=${new URL(s.ingest!.environment!.DATABASE_URL!).port}`)
    expect(cmd(s.redis!)).toContain(`--port ${new URL(s.ingest!.environment!.REDIS_URL!).port}`)
  })
})

describe('addresses', () => {
  it('finds private-range addresses (the check below can fail)', () => {
    expect(
      privateAddresses('a 10.1.2.3 b 172.20.0.1 c 192.168.1.1 d 127.0.0.1 e 8.8.8.8 f 1.10.0.0'),
    ).toEqual(['10.1.2.3', '172.20.0.1', '192.168.1.1'])
  })

  it('no deployment file names an address in a private range', () => {
    const files = run('git', [
      'ls-files',
      '-co',
      '--exclude-standard',
      'infra',
      'docker-compose.yml',
      'docker-compose.ci.yml',
      'Dockerfile',
      '.dockerignore',
      'docs/deploy.md',
    ])
      .output.split('\n')
      .filter(
        (f) =>
          f && !f.includes('node_modules') && !f.endsWith('.spec.ts') && !f.startsWith('infra/test/schemas/'),
      )
    expect(files.length).toBeGreaterThan(10)
    for (const f of files) expect(privateAddresses(readFileSync(join(ROOT, f), 'utf8')), f).toEqual([])
  })
})
