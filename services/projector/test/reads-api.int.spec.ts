import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startIngest } from '../../../test/support/stack.ts'
import { startProjector } from '../src/index.ts'
import { appendAll, lifecycle } from './fixtures.ts'

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let headers: Record<string, string>
const ids = [randomUUID(), randomUUID(), randomUUID()]

beforeAll(async () => {
  env = await isolatedEnv('readsapi')
  const events = ids.flatMap((id, i) => lifecycle(id, 'local', Date.UTC(2026, 0, 1) + i * 60_000))
  await appendAll(env.nc.jetstream(), env.names, events, 1)
  const p = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
  await eventually(async () => (p.checkpoint === events.length ? true : undefined), 20_000)
  await p.stop()
  ingest = await startIngest(env)
  headers = (ingest as { headers?: Record<string, string> }).headers ?? {}
})
afterAll(async () => {
  await ingest?.stop()
  await env?.cleanup()
})

const get = (path: string) => fetch(`${ingest.url}${path}`, { headers })

describe('read routes', () => {
  it('GET /api/jobs pages the tenant’s jobs with a cursor and refuses a bad filter with problem+json', async () => {
    const first = (await (await get('/api/jobs?limit=2')).json()) as { jobs: Array<{ job_id: string }>; next_cursor: string }
    expect(first.jobs.map((j) => j.job_id)).toEqual([ids[2], ids[1]])
    const second = (await (await get(`/api/jobs?limit=2&cursor=${first.next_cursor}`)).json()) as { jobs: Array<{ job_id: string }>; next_cursor: null }
    expect(second).toMatchObject({ jobs: [{ job_id: ids[0] }], next_cursor: null })
    const bad = await get('/api/jobs?status=DONE')
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toContain('application/problem+json')
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('status[0]')
  })

  it('GET /api/jobs/counts, /api/jobs/:id/timeline and /api/stats answer from the read models', async () => {
    expect(await (await get('/api/jobs/counts')).json()).toMatchObject({ total: 3, by_status: { COMPLETED: 3, QUEUED: 0 } })
    const t = (await (await get(`/api/jobs/${ids[0]}/timeline`)).json()) as { events: Array<{ type: string }> }
    expect(t.events.map((e) => e.type)).toEqual(['SweepRequested', 'SweepDispatched', 'SweepStarted', 'SweepResultsRecorded', 'SweepCompleted'])
    expect((await get(`/api/jobs/${randomUUID()}/timeline`)).status).toBe(404)
    const s = (await (await get('/api/stats')).json()) as { total: number; windows: Record<string, unknown> }
    expect(s.total).toBe(3)
    expect(Object.keys(s.windows)).toEqual(['1h', '24h', '7d'])
    const ch = (await (await get('/api/jobs/changes?since=0&limit=2')).json()) as { jobs: unknown[]; more: boolean; checkpoint: number }
    expect(ch).toMatchObject({ more: true })
    expect(ch.jobs).toHaveLength(2)
    expect((await get('/api/jobs/changes')).status).toBe(400)
  })

  it('GET /webhook/jobs/:id/results.csv streams the results as a CSV attachment', async () => {
    const res = await get(`/webhook/jobs/${ids[0]}/results.csv?sort=score&order=asc`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="zixly-${ids[0]}-results.csv"`)
    const lines = (await res.text()).trimEnd().split('\r\n')
    expect(lines[0]!.startsWith('fast_period,slow_period,score,')).toBe(true)
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['0.5', '1.5'])
    expect((await get(`/webhook/jobs/${randomUUID()}/results.csv`)).status).toBe(404)
  })
})
