import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/env.ts'
import { checkSaga } from './support/saga-check.ts'
import { faultStack, type FaultStack } from './support/stack.ts'

// Faults 5 and 6: admission under a backlog, with one executor and one slot (MAX_CONCURRENT_SWEEPS=1).
// 6. Paused dispatch holds 100 queued jobs (none starts); resume runs them all.
// 5. Tenant A queues 1,000 jobs; tenant B's single job starts within the next dispatch round. A
//    high-priority job queued behind 500 normal ones starts next.

let stack: FaultStack
let tenantB: Record<string, string>
beforeAll(async () => {
  stack = await faultStack({
    label: 'fault56',
    // One whole slot: with slots sized by pairs (SWEEP_SLOT_PAIRS) it would hold four of these 1-pair
    // jobs, and "within one dispatch" is about a single slot (shares of a slot: the orchestrator's unit tests).
    env: { MAX_CONCURRENT_SWEEPS: '1', MAX_CONCURRENT_SWEEPS_PER_TENANT: '1', SWEEP_SLOT_PAIRS: '0' },
  })
  const admin = stack.ingest.security.admin
  await admin.ensureTenant('b', 'b')
  await admin.updateSettings('b', { rate_limit_per_minute: 1_000_000, read_rate_limit_per_minute: 1_000_000 })
  tenantB = { 'x-api-key': (await admin.createApiKey('b', { name: 'test', role: 'ADMIN' })).key }
  await Promise.all([
    stack.spawn('orchestrator'),
    stack.spawn('projector'),
    stack.spawn('executor', { EXECUTOR_ID: 'only', EXECUTOR_WORKERS: '1' }),
  ])
}, 180_000)
afterAll(async () => {
  await stack?.stop()
})

const tiny = (i: number, extra: Record<string, unknown> = {}) => ({
  ticker: i % 2 === 0 ? 'BTC-USD' : 'ETH-USD',
  strategy_type: 'SMA',
  fast_range: [10, 10],
  slow_range: [20, 20],
  step: 1,
  min_trades: 1,
  ...extra,
})
async function submitMany(
  n: number,
  body: (i: number) => unknown,
  headers?: Record<string, string>,
): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i += 50)
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, (_, k) => stack.submit(body(i + k), headers)),
      )),
    )
  return ids
}
/** Sequence of a job's event of `type` in the timeline read model (the projector is a moment behind). */
async function seqOf(jobId: string, type: string): Promise<number> {
  return eventually(async () => {
    const r = await stack.env.pool.query<{ seq: string }>(
      `SELECT seq FROM job_events WHERE job_id = $1 AND type = $2 ORDER BY seq LIMIT 1`,
      [jobId, type],
    )
    return r.rows[0] ? Number(r.rows[0].seq) : undefined
  }, 30_000)
}
/** Dispatches of any job strictly between two stream sequences. */
async function dispatchesBetween(from: number, to: number): Promise<number> {
  const r = await stack.env.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM job_events WHERE type = 'SweepDispatched' AND seq > $1 AND seq < $2`,
    [from, to],
  )
  return r.rows[0]!.n
}
async function expectAllCompletedOnce(jobs: string[]) {
  const statuses = await stack.allTerminal(jobs, 240_000)
  expect([...statuses.values()].filter((s) => s !== 'COMPLETED')).toEqual([])
  await expectTimelines(jobs, statuses)
  for (const j of jobs.filter((_, i) => i % 10 === 0)) {
    const saga = checkSaga(await stack.history(j))
    expect(saga.problems, j).toEqual([])
    expect(saga, j).toMatchObject({ status: 'COMPLETED', attempts: 1, resultRows: 1 })
  }
}

/**
 * Every job's events, as the timeline read model holds them, are what the saga says: a completed job
 * requested, dispatched, started, its one result chunk, completed; a job cancelled while queued only
 * requested and cancelled (never dispatched, never completed).
 */
async function expectTimelines(jobs: string[], statuses: Map<string, string>) {
  const r = await stack.env.pool.query<{ job_id: string; types: string[] }>(
    `SELECT job_id, array_agg(type ORDER BY seq) AS types FROM job_events WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
    [jobs],
  )
  const byJob = new Map(r.rows.map((x) => [x.job_id, x.types.join(',')]))
  const completed = 'SweepRequested,SweepDispatched,SweepStarted,SweepResultsRecorded,SweepCompleted'
  for (const j of jobs) {
    const types = byJob.get(j)
    if (statuses.get(j) === 'COMPLETED') expect(types, j).toBe(completed)
    else expect(types, j).toBe('SweepRequested,SweepCancelled')
  }
}

describe('faults 5 and 6: admission with one slot', () => {
  it(
    'holds 100 queued jobs while dispatch is paused, and runs them all once resumed',
    { timeout: 300_000 },
    async () => {
      expect((await stack.control('/api/dispatch/pause', { reason: 'fault 6' })).status).toBe(200)
      const jobs = await submitMany(100, tiny)
      await eventually(async () => ((await stack.statuses(jobs)).size === 100 ? true : undefined), 30_000)
      await new Promise((r) => setTimeout(r, 2000))
      const held = await stack.env.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM job_events WHERE job_id = ANY($1::uuid[]) AND type IN ('SweepDispatched', 'SweepStarted')`,
        [jobs],
      )
      expect(held.rows[0]!.n).toBe(0)
      expect([...(await stack.statuses(jobs)).values()].every((s) => s === 'QUEUED')).toBe(true)

      expect((await stack.control('/api/dispatch/resume', {})).status).toBe(200)
      await expectAllCompletedOnce(jobs)
    },
  )

  it(
    'starts tenant B’s only job within one dispatch of its request, behind 1,000 of tenant A’s; then a high-priority job next',
    { timeout: 240_000 },
    async () => {
      // A's backlog is built while dispatch is paused, so it is a backlog however fast the one slot
      // runs these 1-pair jobs (submitting 1,000 takes seconds; an unpaused slot emptied half of it by
      // then in one CI run). B asks right after dispatch resumes.
      expect((await stack.control('/api/dispatch/pause', { reason: 'build the backlog' })).status).toBe(200)
      const a = await submitMany(1000, tiny)
      await eventually(async () => ((await stack.statuses(a)).size === 1000 ? true : undefined), 60_000)
      expect((await stack.control('/api/dispatch/resume', {})).status).toBe(200)
      const b = await stack.submit(tiny(0), tenantB)
      const requested = await seqOf(b, 'SweepRequested')
      const dispatched = await seqOf(b, 'SweepDispatched')
      expect(await dispatchesBetween(requested, dispatched)).toBeLessThanOrEqual(1)
      const queuedA = [...(await stack.statuses(a)).values()].filter((s) => s === 'QUEUED').length
      expect(queuedA).toBeGreaterThan(500)

      // Priority: a job at 9 behind at least 500 queued at 5 is the next one dispatched.
      const urgent = await stack.submit(tiny(1, { priority: 9 }))
      const urgentRequested = await seqOf(urgent, 'SweepRequested')
      const urgentDispatched = await seqOf(urgent, 'SweepDispatched')
      const ahead = await stack.env.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM job_events r WHERE r.job_id = ANY($1::uuid[]) AND r.type = 'SweepRequested' AND r.seq < $2
         AND NOT EXISTS (SELECT 1 FROM job_events d WHERE d.job_id = r.job_id AND d.type = 'SweepDispatched' AND d.seq < $3)`,
        [a, urgentRequested, urgentDispatched],
      )
      expect(ahead.rows[0]!.n).toBeGreaterThanOrEqual(500)
      expect(await dispatchesBetween(urgentRequested, urgentDispatched)).toBeLessThanOrEqual(1)

      // The backlog is not the point any more: hold it, cancel what is still queued, let the rest finish.
      await stack.control('/api/dispatch/pause', { reason: 'end of the fairness test' })
      const queued = [...(await stack.statuses(a)).entries()]
        .filter(([, s]) => s === 'QUEUED')
        .map(([j]) => j)
      for (let i = 0; i < queued.length; i += 25)
        await Promise.all(
          queued
            .slice(i, i + 25)
            .map((j) => stack.control(`/api/jobs/${j}/cancel`, { reason: 'backlog cleared' })),
        )
      await stack.control('/api/dispatch/resume', {})
      const all = [...a, b, urgent]
      const statuses = await stack.allTerminal(all, 120_000)
      expect([...statuses.values()].filter((s) => s !== 'COMPLETED' && s !== 'CANCELLED')).toEqual([])
      expect(statuses.get(b)).toBe('COMPLETED')
      expect(statuses.get(urgent)).toBe('COMPLETED')
      await expectTimelines(all, statuses)
      for (const j of [b, urgent, ...a.filter((_, i) => i % 100 === 0)]) {
        const saga = checkSaga(await stack.history(j, j === b ? 'b' : 'local'))
        expect(saga.problems, j).toEqual([])
        expect(saga.status, j).toBe(statuses.get(j))
      }
    },
  )
})
