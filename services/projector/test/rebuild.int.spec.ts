import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { appendMessage, createMetrics } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startIngest } from '../../../test/support/stack.ts'
import { buildSchemaOf, jobDetail, readCheckpoint, rebuild, startProjector } from '../src/index.ts'
import { canReadInWorker } from '../src/reader-worker.ts'
import { appendAll, lifecycle } from './fixtures.ts'

const JOBS = 120
let env: TestEnv
const ids: string[] = []

beforeAll(async () => {
  env = await isolatedEnv('rebuild')
  for (let i = 0; i < JOBS; i++) ids.push(randomUUID())
  await appendAll(env.nc.jetstream(), env.names, ids.flatMap((id, i) => lifecycle(id, i % 3 ? 'acme' : 'local', Date.UTC(2026, 0, 1) + i * 1000)))
  const p = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
  await eventually(async () => (p.checkpoint === JOBS * 5 ? true : undefined), 20_000)
  await p.stop()
})
afterAll(async () => {
  await env?.pool.query(`DROP SCHEMA IF EXISTS "${buildSchemaOf(env.schema)}" CASCADE`).catch(() => {})
  await env?.cleanup()
})

/** Every read-model table as text, rows in a stable order (the checkpoint's own timestamp left out). */
async function dump(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const t of ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events', 'tenants']) {
    const r = await env.pool.query(`SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS rows FROM ${t} x`)
    out[t] = r.rows[0].rows
  }
  out.projection_checkpoints = (await env.pool.query(`SELECT string_agg(name || '=' || seq, ',' ORDER BY name) AS s FROM projection_checkpoints`)).rows[0].s
  return out
}

const rebuildOnce = (extra: Partial<Parameters<typeof rebuild>[0]> = {}) =>
  rebuild({ pool: env.pool, nc: env.nc, names: env.names, schema: env.schema, batchSize: 97, ...extra })

describe('zixly replay rebuild', () => {
  it('gives byte-identical read-model tables when rebuilt twice from the same log', async () => {
    const projected = await dump()
    await rebuildOnce()
    const first = await dump()
    await rebuildOnce()
    const second = await dump()
    expect(second).toEqual(first)
    // …and the same tables the live projector had built, row for row.
    expect(first).toEqual(projected)
    expect(first.pipeline_jobs!.split('\n')).toHaveLength(JOBS)
  })

  it('builds the same tables whether events are parsed on a worker thread or on its own thread', async () => {
    expect(canReadInWorker()).toBe(true)
    await rebuildOnce({ parseInWorker: true })
    const inWorker = await dump()
    await rebuildOnce({ parseInWorker: false })
    expect(await dump()).toEqual(inWorker)
  })

  it('leaves the serving schema untouched when interrupted before the swap, and a rerun completes', async () => {
    await env.pool.query(`UPDATE pipeline_jobs SET error_message = 'edited by hand' WHERE id = $1`, [ids[0]])
    const before = await dump()
    await expect(rebuildOnce({ beforeSwap: async () => Promise.reject(new Error('interrupted')) })).rejects.toThrow('interrupted')
    expect(await dump()).toEqual(before)
    expect((await env.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [buildSchemaOf(env.schema)])).rows).toHaveLength(1)
    await rebuildOnce({ resume: true })
    expect((await jobDetail(env.pool, 'acme', ids[1]!))?.status).toBe('COMPLETED')
    expect((await env.pool.query(`SELECT error_message FROM pipeline_jobs WHERE id = $1`, [ids[0]])).rows[0].error_message).toBeNull()
  })

  it('keeps GET /webhook/jobs/:id answering the old data during the rebuild and switches to the new at once', async () => {
    const ingest = await startIngest(env)
    // With authentication on, ingest hands out a key; its tables are carried over by the swap.
    const headers = (ingest as { headers?: Record<string, string> }).headers ?? {}
    const id = ids[0]! // tenant "local", the one ingest serves in tests
    await env.pool.query(`UPDATE pipeline_jobs SET error_message = 'old' WHERE id = $1`, [id])
    const seen: string[] = []
    let polling = true
    const poller = (async () => {
      while (polling) {
        const res = await fetch(`${ingest.url}/webhook/jobs/${id}`, { headers })
        const body = (await res.json()) as { error?: string | null }
        seen.push(`${res.status}:${body.error ?? 'null'}`)
      }
    })()
    let duringRebuild: string | undefined
    try {
      await rebuildOnce({
        beforeSwap: async () => {
          await eventually(async () => (seen.length > 3 ? true : undefined))
          duringRebuild = ((await (await fetch(`${ingest.url}/webhook/jobs/${id}`, { headers })).json()) as { error: string }).error
        },
      })
      const n = seen.length
      await eventually(async () => (seen.length > n + 3 ? true : undefined))
    } finally {
      polling = false
      await poller
      await ingest.stop()
    }
    expect(duringRebuild).toBe('old')
    // Every answer was a 200 with either the old or the new data, and once new, never old again.
    expect(seen.every((s) => s === '200:old' || s === '200:null')).toBe(true)
    const firstNew = seen.indexOf('200:null')
    expect(firstNew).toBeGreaterThan(0)
    expect(seen.slice(firstNew).every((s) => s === '200:null')).toBe(true)
  })

  it('lets the running projector follow the swap: events appended during the rebuild all land in the new schema', async () => {
    const metrics = createMetrics('projector')
    const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger, metrics, batchSize: 10 })
    const extra = Array.from({ length: 30 }, () => randomUUID())
    let appending = true
    const appender = (async () => {
      for (const id of extra) {
        for (const e of lifecycle(id, 'acme', Date.UTC(2026, 1, 1))) await appendMessage(env.nc.jetstream(), env.names.eventSubject('acme', id), e)
        if (!appending) break
      }
    })()
    try {
      await rebuildOnce({ batchSize: 50 })
      appending = false
      await appender
      const total = (JOBS + extra.length) * 5
      await eventually(async () => ((await readCheckpoint(env.pool)) === total ? true : undefined), 20_000)
      expect(Number((await env.pool.query(`SELECT count(*) AS n FROM job_events`)).rows[0].n)).toBe(total)
      expect(Number((await env.pool.query(`SELECT count(*) AS n FROM pipeline_jobs WHERE status = 'COMPLETED'`)).rows[0].n)).toBe(JOBS + extra.length)
      await eventually(async () => ((await metrics.projectorLag.get()).values[0]?.value === 0 ? true : undefined), 10_000)
    } finally {
      await projector.stop()
    }
  })
})
