import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { inTransaction, type PoolClient } from '@zixly/platform'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { applyMessages, jobDetail, jobTimeline, tenantStats, type LogMessage } from '../src/index.ts'
import { lifecycle } from './fixtures.ts'

// Every statement on a connection waits for the one before: node-postgres 8 queues a query sent
// while another runs (with a deprecation warning) and version 9 will refuse it. The projector's
// batches and the read queries the ingest runs on its one tenant-scoped connection must not rely on
// that queue.

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('onequery')
})
afterAll(async () => {
  await env?.cleanup()
})

/** `c`, recording every query sent while another was still running or queued on it. */
function watched(c: PoolClient): { client: PoolClient; overlaps: string[] } {
  const overlaps: string[] = []
  const state = c as unknown as { _activeQuery: unknown; _queryQueue?: unknown[] }
  const client = new Proxy(c, {
    get(target, prop, recv) {
      if (prop !== 'query') return Reflect.get(target, prop, recv) as unknown
      return (q: unknown, ...rest: unknown[]) => {
        const queued = (state._queryQueue ?? []).length
        if (state._activeQuery || queued > 0) overlaps.push(typeof q === 'string' ? q.slice(0, 60) : String((q as { text?: string }).text ?? q).slice(0, 60))
        return (target.query as (...a: unknown[]) => unknown)(q, ...rest)
      }
    },
  })
  return { client, overlaps }
}

describe('one query at a time on a connection', () => {
  it('applies batches — a range applied again included — and answers job, timeline and stats reads without overlapping statements', async () => {
    const jobs = [randomUUID(), randomUUID(), randomUUID()]
    const events = jobs.flatMap((id, i) => lifecycle(id, 'acme', Date.UTC(2026, 0, 1) + i * 60_000))
    const messages: LogMessage[] = events.map((e, i) => ({ seq: i + 1, subject: 'events', data: e }))
    const seen: string[] = []
    const apply = (ms: LogMessage[]) =>
      inTransaction(env.pool, async (c) => {
        const { client, overlaps } = watched(c)
        await applyMessages(client, ms)
        seen.push(...overlaps)
      })
    await apply(messages.slice(0, 7))
    await apply(messages)
    // Applied again from 0: every row may exist already, so the timeline goes through a staging table
    // (four statements where it was one COPY).
    await env.pool.query(`UPDATE projection_checkpoints SET seq = 0`)
    await apply(messages)
    expect(Number((await env.pool.query(`SELECT count(*) AS n FROM job_events`)).rows[0].n)).toBe(events.length)

    const c = await env.pool.connect()
    try {
      const { client, overlaps } = watched(c)
      const detail = await jobDetail(client, 'acme', jobs[0]!)
      expect(detail?.status).toBe('COMPLETED')
      expect((await jobTimeline(client, 'acme', jobs[0]!))?.events.length).toBe(5)
      const stats = await tenantStats(client, 'acme', new Date(Date.UTC(2026, 0, 1, 1)))
      expect(stats.by_status.COMPLETED).toBe(3)
      seen.push(...overlaps)
    } finally {
      c.release()
    }
    expect(seen).toEqual([])
  })
})
