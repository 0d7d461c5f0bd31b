import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { deleteJetStream, ensureJetStream } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startProjector } from '../src/index.ts'
import { appendAll, lifecycle } from './fixtures.ts'

// A projector that cannot read the log (its stream deleted, NATS refusing its consumer) retries for
// ever; its /ready must say so once that has lasted longer than a passing hiccup.

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('projready')
})
afterAll(async () => {
  await env?.cleanup()
})

describe('projector readiness', () => {
  it('is not ready once reading the log has failed for longer than its grace, and ready again once it reads', { timeout: 30_000 }, async () => {
    await appendAll(env.nc.jetstream(), env.names, lifecycle(randomUUID(), 'acme', Date.UTC(2026, 0, 1)))
    let checkpoint = 0
    const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger, readGraceMs: 500, onCommit: (c) => (checkpoint = c) })
    try {
      await eventually(async () => (checkpoint === 5 ? true : undefined), 10_000)
      await expect(projector.ready()).resolves.toBeUndefined()

      await deleteJetStream(env.nc, env.names)
      const why = await eventually(
        () =>
          projector.ready().then(
            () => undefined,
            (err: unknown) => err,
          ),
        15_000,
      )
      expect(why).toMatchObject({ code: 'READ_FAILING', message: expect.stringContaining(env.names.eventsStream) })
      expect(projector.failed).toBeUndefined() // still retrying, not stopped

      await ensureJetStream(env.nc, env.names)
      await eventually(() => projector.ready().then(() => true, () => undefined), 15_000)
    } finally {
      await projector.stop()
    }
  })
})
