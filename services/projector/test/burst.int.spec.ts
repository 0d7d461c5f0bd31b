import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { createMetrics } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { readCheckpoint, startProjector } from '../src/index.ts'
import { lifecycle } from './fixtures.ts'

// Issue 5, acceptance 4: after a burst of 10,000 events the projector has applied all of it — the lag
// gauge is back to 0 and the checkpoint is the stream's last sequence. How fast is measured by
// bench/replay (BENCHMARKS.md), not asserted here.

const BURST = 10_000
let env: TestEnv

beforeAll(async () => {
  env = await isolatedEnv('burst')
})
afterAll(async () => {
  await env?.cleanup()
})

describe('projector under a burst', () => {
  it('applies a burst of 10,000 events completely: lag gauge 0, checkpoint at the last sequence, every event in the timeline', async () => {
    const metrics = createMetrics('projector')
    const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger, metrics })
    try {
      // 2,000 jobs of 5 events, their lives interleaved as concurrent jobs' are, published without waiting.
      const jobs = Array.from({ length: BURST / 5 }, (_, i) => lifecycle(randomUUID(), i % 2 ? 'acme' : 'globex', Date.UTC(2026, 2, 1) + i * 1000))
      const js = env.nc.jetstream()
      const acks: Array<Promise<unknown>> = []
      for (let step = 0; step < 5; step++)
        for (const events of jobs) {
          const e = events[step]!
          acks.push(js.publish(env.names.eventSubject(e.metadata.tenantId, e.data.job_id), JSON.stringify(e), { msgID: e.id }))
        }
      const last = (await Promise.all(acks)).reduce((m: number, a) => Math.max(m, (a as { seq: number }).seq), 0)
      expect(last).toBe(BURST)

      await eventually(async () => (projector.checkpoint === last ? true : undefined), 60_000, 20)
      expect((await metrics.projectorLag.get()).values[0]?.value).toBe(0)
      expect(await readCheckpoint(env.pool)).toBe(last)
      const count = async (sql: string) => Number((await env.pool.query<{ n: string }>(sql)).rows[0]!.n)
      expect(await count(`SELECT count(*) AS n FROM job_events`)).toBe(BURST)
      expect(await count(`SELECT count(*) AS n FROM pipeline_jobs WHERE status = 'COMPLETED'`)).toBe(BURST / 5)
      expect(await count(`SELECT count(*) AS n FROM trading_sweep_results`)).toBe((BURST / 5) * 2)
    } finally {
      await projector.stop()
    }
  })
})
