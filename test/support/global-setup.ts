import type { TestProject } from 'vitest/node'
import { ensureInfrastructure } from '../../scripts/infra.mjs'
import { NoEngineError, startContainerInfra, type ContainerInfra } from './containers.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Which path the integration tier took (its URLs are in the environment: see infraUrls()). */
    infraPath: 'testcontainers' | 'loopback'
  }
}

const log = (line: string) => console.log(`[test-infra] ${line}`)

/**
 * The integration tier's servers, picked once before any test file runs:
 * - Testcontainers (NATS, Postgres, Redis in containers on the host's network, on free ports) whenever a
 *   Docker engine answers or can be started: DOCKER_HOST, the default socket, or the private daemon
 *   of scripts/docker.mjs (started here when it is not running, with the images of
 *   infra/docker/local-images.sh);
 * - else the servers on loopback (4222 / 5432 / 6379), started when installed but stopped.
 * ZIXLY_TEST_INFRA=local forces loopback, =containers forbids the fallback, =auto (default) picks.
 * The URLs reach test files through the environment (workers are forked after this, and inherit it)
 * (the path also through `inject('infraPath')`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mode = process.env.ZIXLY_TEST_INFRA ?? 'auto'
  if (!['auto', 'containers', 'local'].includes(mode)) throw new Error(`ZIXLY_TEST_INFRA=${mode}: use auto, containers or local`)
  let containers: ContainerInfra | undefined
  let reason = 'ZIXLY_TEST_INFRA=local'
  if (mode !== 'local') {
    const t0 = Date.now()
    try {
      containers = await startContainerInfra({ log })
      Object.assign(process.env, containers.urls, { ZIXLY_TEST_INFRA_PATH: 'testcontainers' })
      log(`integration tier on Testcontainers (${((Date.now() - t0) / 1000).toFixed(1)} s): ${containers.description}`)
    } catch (err) {
      if (!(err instanceof NoEngineError) || mode === 'containers') {
        log(`Testcontainers failed (ZIXLY_TEST_INFRA=local runs on the loopback services instead): ${err instanceof Error ? err.message : String(err)}`)
        throw err
      }
      reason = `no Docker engine: ${err.message}`
    }
  }
  if (!containers) {
    await ensureInfrastructure({ log })
    process.env.ZIXLY_TEST_INFRA_PATH = 'loopback'
    log(`integration tier on the loopback services (${reason})`)
  }
  project.provide('infraPath', containers ? 'testcontainers' : 'loopback')

  return async () => {
    if (!containers) return
    const t0 = Date.now()
    await containers.stop()
    log(`integration tier ran on Testcontainers; containers stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
}
