import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeadLettersPage, DispatchState, JobActionAccepted, BulkRetryResult, Problem } from '@zixly/contracts'
import { inProcessRunner, startExecutor, type SweepRunner } from '@zixly/executor'
import { createMarketData } from '@zixly/market-data'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startBackbone, startIngest } from '../../../test/support/stack.ts'

// The control API end to end: ingest appends the control events, the orchestrator, an executor and
// the projector act on them, and the answers and read models say so.

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let backbone: Awaited<ReturnType<typeof startBackbone>>
let executor: Awaited<ReturnType<typeof startExecutor>>
let engine: ReturnType<typeof inProcessRunner>
/** Jobs whose attempts fail (retryable), until removed from the set. */
const failing = new Set<string>()

beforeAll(async () => {
  env = await isolatedEnv('control')
  const marketData = createMarketData()
  ingest = await startIngest(env, { knownTicker: (t, i) => marketData.has(t, i) })
  backbone = await startBackbone(env)
  engine = inProcessRunner({ marketData, workers: 1 })
  const runner: SweepRunner = {
    name: 'test',
    async prepare(params, signal, ctx) {
      if (failing.has(ctx.jobId))
        throw Object.assign(new Error(`the test server refused ${ctx.jobId}`), {
          code: 'TEST_REFUSED',
          retryable: true,
        })
      return engine.prepare(params, signal, ctx)
    },
    close: async () => {},
  }
  executor = await startExecutor({
    nc: env.nc,
    names: env.names,
    logger: env.logger,
    runner,
    executorId: 'control-test',
    concurrency: 2,
  })
})
afterAll(async () => {
  await executor?.stop()
  await engine?.close()
  await backbone?.stop()
  await ingest?.stop()
  await env?.cleanup()
})

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${ingest.url}${path}`, {
    method,
    headers: { ...ingest.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() }
}
async function submit(body: unknown = seed): Promise<string> {
  const r = await call('POST', '/webhook/trading-sweep', body)
  expect(r.status).toBe(202)
  return (r.body as { job_id: string }).job_id
}
async function statusOf(jobId: string): Promise<string | undefined> {
  const r = await call('GET', `/webhook/jobs/${jobId}`)
  return r.status === 200 ? (r.body as { status: string }).status : undefined
}
const until = (jobId: string, status: string, ms = 60_000) =>
  eventually(async () => ((await statusOf(jobId)) === status ? true : undefined), ms)
async function types(jobId: string): Promise<string[]> {
  const r = await env.pool.query<{ type: string }>(
    `SELECT type FROM job_events WHERE job_id = $1 ORDER BY seq`,
    [jobId],
  )
  return r.rows.map((x) => x.type)
}

/** Submits jobs whose attempts fail (dispatch paused meanwhile, so none runs before it is marked). */
async function failingJobs(bodies: unknown[]): Promise<string[]> {
  await call('POST', '/api/dispatch/pause', {})
  const jobs: string[] = []
  for (const b of bodies) jobs.push(await submit(b))
  for (const j of jobs) failing.add(j)
  await call('POST', '/api/dispatch/resume', {})
  return jobs
}

describe('control API', () => {
  it('pauses dispatch: queued jobs wait and are cancelled there; resume dispatches the rest', async () => {
    const paused = await call('POST', '/api/dispatch/pause', { reason: 'maintenance' })
    expect(paused.status).toBe(200)
    expect(DispatchState.parse(paused.body)).toMatchObject({
      tenant_id: null,
      paused: true,
      reason: 'maintenance',
    })
    const states = await call('GET', '/api/dispatch')
    expect(states.body).toMatchObject([
      { tenant_id: null, paused: true },
      { tenant_id: 'local', paused: false },
    ])

    const [a, b] = [await submit(), await submit()]
    await until(a, 'QUEUED')
    await new Promise((r) => setTimeout(r, 500))
    expect(await types(a)).toEqual(['SweepRequested'])

    const cancelled = await call('POST', `/api/jobs/${a}/cancel`, { reason: 'not needed' })
    expect(cancelled.status).toBe(202)
    expect(JobActionAccepted.parse(cancelled.body)).toEqual({
      job_id: a,
      action: 'cancel',
      status: 'CANCELLED',
      unchanged: false,
    })
    const again = await call('POST', `/api/jobs/${a}/cancel`)
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ status: 'CANCELLED', unchanged: true })

    expect((await call('POST', '/api/dispatch/resume', {})).status).toBe(200)
    await until(b, 'COMPLETED')
    await until(a, 'CANCELLED')
    expect(await types(a)).toEqual(['SweepRequested', 'SweepCancelled'])
  })

  it('answers 404 for an unknown job, 409 when the job’s state forbids the action, 403 for another tenant’s dispatch', async () => {
    const unknown = await call('POST', '/api/jobs/8b6a3f1e-6f0c-4c5e-9a54-0c2f5e1b9d77/cancel', {})
    expect(unknown.status).toBe(404)
    expect(unknown.type).toContain('application/problem+json')
    const done = await submit()
    await until(done, 'COMPLETED')
    for (const action of ['cancel', 'retry']) {
      const r = await call('POST', `/api/jobs/${done}/${action}`, {})
      expect(r.status).toBe(409)
      expect(Problem.parse(r.body).code).toBe(action === 'cancel' ? 'JOB_FINISHED' : 'JOB_NOT_RETRYABLE')
    }
    expect((await call('POST', '/api/dispatch/pause', { tenant_id: 'someone-else' })).status).toBe(403)
    expect((await call('POST', `/api/jobs/${done}/cancel`, { colour: 'red' })).status).toBe(400)
  })

  it('dead-letters a job that failed for good with every attempt’s error, and a retry runs it again as a new chain', async () => {
    const job = await failingJobs([{ ...seed, max_attempts: 1 }]).then((j) => j[0]!)
    await until(job, 'FAILED')
    const page = DeadLettersPage.parse((await call('GET', '/api/dead-letters')).body)
    const dl = page.dead_letters.find((d) => d.job_id === job)
    expect(dl).toMatchObject({
      source: 'job_failed',
      attempts: 1,
      reason: expect.stringContaining('refused'),
      errors: [{ attempt: 1, code: 'TEST_REFUSED', retryable: true }],
      resolved_at: null,
    })

    failing.delete(job)
    const retried = await call('POST', `/api/jobs/${job}/retry`, { reason: 'fixed' })
    expect(retried.status).toBe(202)
    expect(retried.body).toMatchObject({ job_id: job, action: 'retry', status: 'QUEUED' })
    await until(job, 'COMPLETED')
    expect(await types(job)).toEqual([
      'SweepRequested',
      'SweepDispatched',
      'SweepAttemptFailed',
      'SweepFailed',
      'SweepRetried',
      'SweepDispatched',
      'SweepStarted',
      'SweepResultsRecorded',
      'SweepCompleted',
    ])
    const attempts = (await call('GET', `/webhook/jobs/${job}`)).body as {
      attempts: Array<{ attempt: number; status: string }>
    }
    expect(attempts.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'FAILED'],
      [2, 'SUCCEEDED'],
    ])
    // The dead letter is resolved by the retry: listed with state=all, not among the open ones.
    const open = DeadLettersPage.parse((await call('GET', '/api/dead-letters')).body)
    expect(open.dead_letters.some((d) => d.job_id === job)).toBe(false)
    const all = DeadLettersPage.parse((await call('GET', '/api/dead-letters?state=all')).body)
    expect(all.dead_letters.find((d) => d.job_id === job)?.resolved_at).not.toBeNull()
  })

  it('retries every failed job matching a filter and says how many, and redrives a dead letter', async () => {
    const eth = { ...seed, ticker: 'ETH-USD', max_attempts: 1 }
    const jobs = await failingJobs([eth, eth, { ...seed, max_attempts: 1, strategy_type: 'EMA' }])
    for (const j of jobs) await until(j, 'FAILED')
    for (const j of jobs) failing.delete(j)

    const r = await call('POST', '/api/jobs/retry', { status: ['FAILED'], ticker: 'ETH-USD' })
    expect(r.status).toBe(202)
    const result = BulkRetryResult.parse(r.body)
    expect(result).toMatchObject({ matched: 2, retried: 2, skipped: 0 })
    expect(result.job_ids.sort()).toEqual(jobs.slice(0, 2).sort())
    for (const j of jobs.slice(0, 2)) await until(j, 'COMPLETED')
    expect(await statusOf(jobs[2]!)).toBe('FAILED')

    const dl = DeadLettersPage.parse((await call('GET', `/api/dead-letters?job_id=${jobs[2]}`)).body)
      .dead_letters[0]!
    const redriven = await call('POST', `/api/dead-letters/${encodeURIComponent(dl.id)}/redrive`)
    expect(redriven.status).toBe(202)
    await until(jobs[2]!, 'COMPLETED')
    expect((await call('POST', '/api/dead-letters/nope/redrive')).status).toBe(404)
  })
})
