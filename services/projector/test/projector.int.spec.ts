import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { spawnService } from '../../../test/support/process.ts'
import { readCheckpoint, startProjector, type ChangeNotice } from '../src/index.ts'
import { appendAll, lifecycle } from './fixtures.ts'

const JOBS = 400
const EVENTS = JOBS * 5
let env: TestEnv

beforeAll(async () => {
  env = await isolatedEnv('projector')
  const events = Array.from({ length: JOBS }, (_, i) => lifecycle(randomUUID(), i % 2 ? 'acme' : 'globex', Date.UTC(2026, 0, 1) + i * 10_000)).flat()
  await appendAll(env.nc.jetstream(), env.names, events)
})
afterAll(async () => {
  await env?.cleanup()
})

const count = async (table: string) => Number((await env.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)

/** A digest of every read-model table, in a stable order (the checkpoint's own timestamp left out). */
async function dump(): Promise<Record<string, string>> {
  const tables = ['tenants', 'pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events']
  const out: Record<string, string> = {}
  for (const t of tables) {
    const r = await env.pool.query(`SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS h, count(*) AS n FROM ${t} x`)
    out[t] = `${r.rows[0].n}:${r.rows[0].h}`
  }
  return out
}

describe('projector', () => {
  it('stops on SIGTERM after its current batch and resumes from its checkpoint with nothing lost or applied twice', async () => {
    const first = await spawnService('projector', { ...env.env, PROJECTOR_BATCH_SIZE: '20' })
    await eventually(async () => ((await readCheckpoint(env.pool)) > 100 ? true : undefined), 20_000, 10)
    first.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
    const stoppedAt = await readCheckpoint(env.pool)
    expect(stoppedAt).toBeGreaterThan(0)
    expect(stoppedAt).toBeLessThan(EVENTS)
    // The checkpoint moved in the same transaction as the rows: exactly the events up to it are applied.
    expect(await count('job_events')).toBe(stoppedAt)

    const second = await spawnService('projector', env.env)
    await eventually(async () => ((await readCheckpoint(env.pool)) === EVENTS ? true : undefined), 30_000)
    second.kill('SIGTERM')
    await second.exited
    expect(await count('job_events')).toBe(EVENTS)
    expect(await count('pipeline_jobs')).toBe(JOBS)
    expect(await count('trading_sweep_results')).toBe(JOBS * 2)
    expect(Number((await env.pool.query(`SELECT count(*) AS n FROM pipeline_jobs WHERE status = 'COMPLETED'`)).rows[0].n)).toBe(JOBS)
  })

  it('changes nothing when the whole log is applied a second time', async () => {
    const before = await dump()
    await env.pool.query(`UPDATE projection_checkpoints SET seq = 0`)
    const notices: ChangeNotice[] = []
    const sub = env.nc.subscribe(env.names.allChangesSubject, { callback: (_e, m) => notices.push(m.json<ChangeNotice>()) })
    const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
    await eventually(async () => (projector.checkpoint === EVENTS ? true : undefined), 30_000)
    await projector.stop()
    // The last notice was published just before; a round trip to the server brings it in before the PONG.
    await env.nc.flush()
    sub.unsubscribe()
    expect(await dump()).toEqual(before)
    // After each commit a change notice names the tenant, its jobs and the new checkpoint.
    expect(notices.length).toBeGreaterThan(0)
    expect(notices.at(-1)!.checkpoint).toBe(EVENTS)
    expect(new Set(notices.map((n) => n.tenant_id))).toEqual(new Set(['acme', 'globex']))
  })
})
