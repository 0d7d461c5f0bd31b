import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers'
import { acquireEngine, type Engine } from '../../scripts/docker.mjs'
import type { InfraUrls } from './env.ts'
import { freePort as anyFreePort } from './net.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)
type Log = (line: string) => void

/** The images of one kind: the official ones a user's engine pulls, or the ones local-images.sh builds. */
export type ImageSet = 'public' | 'local'
const IMAGES: Record<ImageSet, { nats: string; postgres: string; redis: string }> = {
  public: { nats: 'nats:2.10-alpine', postgres: 'postgres:15', redis: 'redis:7' },
  local: { nats: 'zixly-local/nats', postgres: 'zixly-local/postgres', redis: 'zixly-local/redis' },
}
/** Ports the machine's own servers use: a container never takes one. */
const RESERVED = new Set([4222, 5432, 6379])
const LABEL_RUN = 'zixly.test-run'

interface Server {
  readonly key: keyof InfraUrls
  readonly container: GenericContainer
  readonly url: string
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; never one of the machine's own servers' ports). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort()
    if (!RESERVED.has(port)) return port
  }
}

/**
 * NATS, Postgres and Redis as containers on the host's network (no bridge network, no container
 * address), each bound to 127.0.0.1 on a free port given on its command line. Ready means the server
 * logged that it accepts connections.
 */
async function servers(images: ImageSet, labels: Record<string, string>): Promise<Server[]> {
  const img = IMAGES[images]
  const [natsPort, pgPort, redisPort] = [await freePort(), await freePort(), await freePort()]
  const base = (image: string) =>
    new GenericContainer(image).withNetworkMode('host').withLabels(labels).withStartupTimeout(60_000)
  return [
    {
      key: 'NATS_URL',
      url: `nats://127.0.0.1:${natsPort}`,
      container: base(img.nats)
        .withEntrypoint(['nats-server'])
        .withCommand(['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', '/tmp/jetstream'])
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/)),
    },
    {
      key: 'DATABASE_URL',
      url: `postgres://postgres@127.0.0.1:${pgPort}/test`,
      container: base(img.postgres)
        .withEnvironment({ POSTGRES_USER: 'postgres', POSTGRES_DB: 'test', POSTGRES_HOST_AUTH_METHOD: 'trust' })
        // Throwaway data: durability settings off; many test files and services connect at once.
        .withCommand([
          'postgres',
          ...['listen_addresses=127.0.0.1', `port=${pgPort}`, 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300'].flatMap((s) => ['-c', s]),
        ])
        // The official image logs "ready" once for its init-time server, then for the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, images === 'public' ? 2 : 1)),
    },
    {
      key: 'REDIS_URL',
      url: `redis://127.0.0.1:${redisPort}`,
      container: base(img.redis)
        .withCommand(['redis-server', '--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'])
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/)),
    },
  ]
}

/** Removes containers a test run left behind when it died (its pid is gone), so they never pile up. */
async function removeOrphans(log: Log): Promise<void> {
  const client = await getContainerRuntimeClient()
  const orphans = (await client.container.list()).filter((c) => {
    const pid = Number(c.Labels[LABEL_RUN])
    if (!pid || pid === process.pid) return false
    try {
      process.kill(pid, 0)
      return false
    } catch {
      return true
    }
  })
  for (const c of orphans) await client.container.dockerode.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})
  if (orphans.length > 0) log(`removed ${orphans.length} container(s) left by test runs that died`)
}

export interface ContainerInfra {
  readonly urls: InfraUrls
  readonly engine: Engine
  readonly images: ImageSet
  /** One line for the test output: where each server runs. */
  readonly description: string
  /** Stops the containers, then gives the engine back (which stops a daemon a test run started). */
  stop(): Promise<void>
}

/**
 * Starts NATS, Postgres and Redis through Testcontainers. Throws `NoEngineError` when no Docker engine
 * answers or can be started (the caller falls back to loopback); any later failure is a real error.
 */
export async function startContainerInfra({ log, env = process.env }: { log: Log; env?: NodeJS.ProcessEnv }): Promise<ContainerInfra> {
  let engine: Engine
  try {
    engine = await acquireEngine({ log, env })
  } catch (err) {
    throw new NoEngineError(err instanceof Error ? err.message : String(err))
  }
  const started: StartedTestContainer[] = []
  try {
    // Testcontainers reads these once, on first use. The machine has a /.dockerenv, which would send it
    // looking for a bridge gateway: the servers are on 127.0.0.1, and there is no reaper container.
    process.env.DOCKER_HOST = engine.dockerHost
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1'
    const images: ImageSet = env.ZIXLY_TEST_IMAGES === 'public' || env.ZIXLY_TEST_IMAGES === 'local' ? env.ZIXLY_TEST_IMAGES : engine.private ? 'local' : 'public'
    if (images === 'local') {
      const r = await run('bash', [`${root}infra/docker/local-images.sh`], { cwd: root, env: { ...process.env }, maxBuffer: 1 << 24 })
      for (const line of r.stderr.trim().split('\n').filter(Boolean)) log(line)
    }
    await removeOrphans(log)
    const list = await servers(images, { [LABEL_RUN]: String(process.pid), 'zixly.test-infra': 'integration' })
    const done = await Promise.all(list.map(async (s) => ({ s, c: await s.container.start() })))
    started.push(...done.map((d) => d.c))
    const urls = Object.fromEntries(list.map((s) => [s.key, s.url])) as unknown as InfraUrls
    const description = done.map(({ s, c }) => `${s.key.split('_')[0]} ${s.url} (${c.getName().replace(/^\//, '')})`).join(', ')
    return {
      urls,
      engine,
      images,
      description: `${images} images on ${engine.dockerHost}: ${description}`,
      async stop() {
        await Promise.all(started.map((c) => c.stop({ timeout: 5_000, remove: true, removeVolumes: true })))
        await engine.release()
      },
    }
  } catch (err) {
    await Promise.all(started.map((c) => c.stop({ timeout: 1_000 }).catch(() => {})))
    await engine.release()
    throw err
  }
}

export class NoEngineError extends Error {
  override readonly name = 'NoEngineError'
}
