import { randomUUID } from 'node:crypto'
import { inTransaction } from '@zixly/platform'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { applyMessages, applyParsed, parseMessage } from '../src/apply.ts'
import { parseData } from '../src/parse.ts'
import { lifecycle } from './fixtures.ts'

// A batch projection's append-only statements (the timeline's COPY) are sent before its fold, and the
// fold's statements follow them: what fails first must still be what the batch reports.

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('apply')
})
afterAll(async () => {
  await env?.cleanup()
})

const messages = (t0: number) => lifecycle(randomUUID(), 'acme', t0).map((e, i) => ({ seq: i + 1, subject: 'x', data: JSON.parse(JSON.stringify(e)) as unknown }))

describe('applying a batch', () => {
  it('writes the timeline sent ahead of the fold together with the folded rows, in one transaction', async () => {
    const applied = await inTransaction(env.pool, (c) => applyMessages(c, messages(Date.UTC(2026, 0, 1))))
    expect(applied.checkpoint).toBe(5)
    const n = async (t: string) => Number((await env.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n)
    expect([await n('job_events'), await n('pipeline_jobs'), await n('trading_sweep_results')]).toEqual([5, 1, 2])
  })

  it("reports the failure of a statement sent ahead of the fold, not the refusal of the fold's statements that followed it", async () => {
    await env.pool.query(`ALTER TABLE job_events ADD CONSTRAINT apply_spec_refuses CHECK (seq < 13) NOT VALID`)
    try {
      const before = await env.pool.query(`SELECT count(*) FROM pipeline_jobs`)
      await expect(inTransaction(env.pool, (c) => applyMessages(c, messages(Date.UTC(2026, 0, 2)).map((m) => ({ ...m, seq: m.seq + 10 }))))).rejects.toThrow(/apply_spec_refuses/)
      expect((await env.pool.query(`SELECT count(*) FROM pipeline_jobs`)).rows).toEqual(before.rows)
    } finally {
      await env.pool.query(`ALTER TABLE job_events DROP CONSTRAINT apply_spec_refuses`)
    }
  })

  it("writes the same rows for events that come without what the projections' prepare made of them", async () => {
    const dump = async () => {
      const out: string[] = []
      for (const t of ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events'])
        out.push((await env.pool.query<{ h: string }>(`SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM ${t} x`)).rows[0]!.h)
      return out
    }
    const clear = () => env.pool.query(`TRUNCATE pipeline_jobs, job_attempts, trading_sweep_results, job_events CASCADE; UPDATE projection_checkpoints SET seq = 0`)
    const log = messages(Date.UTC(2026, 0, 3))
    const parsed = log.map((m) => parseMessage(m))
    expect(parsed.every((m) => m.prepared !== undefined)).toBe(true)
    await clear()
    await inTransaction(env.pool, (c) => applyParsed(c, parsed))
    const prepared = await dump()
    expect(prepared.every((h) => h !== null)).toBe(true)
    await clear()
    // The same events as parsed, rows and all, without the pieces (as a caller that parses on its own).
    await inTransaction(env.pool, (c) => applyParsed(c, log.map((m) => ({ seq: m.seq, subject: m.subject, event: parseData(m.data) }))))
    expect(await dump()).toEqual(prepared)
  })
})
