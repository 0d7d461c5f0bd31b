import { describe, expect, it } from 'vitest'
import { retryDelayMs } from '../src/sweep/policy.ts'
import {
  attemptFailed,
  cancelled,
  commandDeadLettered,
  dispatchSwitch,
  commandsOf,
  completed,
  config,
  eventsOf,
  iso,
  JOB,
  requested,
  retried,
  Saga,
  started,
  T0,
} from './scenario.ts'

/** A saga whose job's attempt 1 was dispatched (by the orchestrator itself) and started. */
function running(over: Parameters<typeof requested>[1] = {}) {
  const saga = new Saga().given(requested(JOB, over))
  saga.record(saga.at(T0))
  saga.given(started(1))
  return saga
}

/** Fails the current attempt and records what follows; returns those events. */
function failAndRecord(saga: Saga, attempt: number, error = {}) {
  return saga.settle(attemptFailed(attempt, error))
}

describe('the sweep saga', () => {
  it('dispatches attempt 1 of a requested job while a slot is free, with its deadlines', () => {
    const [out] = eventsOf(new Saga().when(requested(JOB)))
    expect(out).toMatchObject({
      id: `SweepDispatched:${JOB}:1`,
      type: 'SweepDispatched',
      data: {
        attempt: 1,
        command_id: `RunSweep:${JOB}:1`,
        deadline_at: iso(T0 + 600_000),
        job_deadline_at: iso(T0 + 3_600_000),
      },
      metadata: { tenantId: 'acme', causationId: `SweepRequested:${JOB}` },
    })
  })

  it('uses the request’s timeout_seconds as the attempt deadline', () => {
    const [out] = eventsOf(new Saga().when(requested(JOB, { timeout_seconds: 30 })))
    expect(out).toMatchObject({ data: { deadline_at: iso(T0 + 30_000) } })
  })

  it('sends RunSweep with the job parameters and the attempt deadline once the dispatch is recorded', () => {
    const saga = new Saga().given(requested(JOB))
    const reactions = saga.record(saga.at(T0))
    expect(commandsOf(reactions)).toEqual([
      expect.objectContaining({
        id: `RunSweep:${JOB}:1`,
        data: expect.objectContaining({ job_id: JOB, attempt: 1, deadline_at: T0 + 600_000 }),
      }),
    ])
  })

  it('takes the same decision with the same ids when asked twice', () => {
    expect(new Saga().when(requested(JOB))).toEqual(new Saga().when(requested(JOB)))
  })

  it('does not dispatch a job again while its attempt runs', () => {
    const saga = running()
    expect(saga.at(T0 + 1000)).toEqual([])
  })

  it('schedules attempt 2 after a retryable failure, with a backoff around the 2 s base', () => {
    const saga = running()
    const [out] = eventsOf(saga.when(attemptFailed(1), T0 + 100))
    const delay = retryDelayMs(JOB, 2, config.retry)
    expect(delay).toBeGreaterThanOrEqual(1600)
    expect(delay).toBeLessThan(2400)
    expect(out).toMatchObject({
      type: 'SweepRetryScheduled',
      data: { attempt: 2, delay_ms: delay, due_at: iso(T0 + 100 + delay) },
    })
  })

  it('dispatches the retry only once it is due', () => {
    const saga = running()
    saga.record(saga.when(attemptFailed(1), T0))
    const due = T0 + retryDelayMs(JOB, 2, config.retry)
    expect(saga.at(due - 1)).toEqual([])
    expect(eventsOf(saga.at(due))).toMatchObject([{ type: 'SweepDispatched', data: { attempt: 2 } }])
  })

  it('doubles the backoff with each attempt, up to the cap', () => {
    const d = [2, 3, 4, 5].map((a) => retryDelayMs(JOB, a, { baseMs: 2000, capMs: 10_000 }))
    expect(d[1]! / d[0]!).toBeGreaterThan(1.3)
    expect(d[2]! / d[1]!).toBeGreaterThan(1.3)
    expect(d[3]).toBeLessThanOrEqual(10_000)
    expect(retryDelayMs(JOB, 2, config.retry)).toBe(retryDelayMs(JOB, 2, config.retry))
    expect(retryDelayMs('22222222-2222-4222-8222-222222222222', 2, config.retry)).not.toBe(
      retryDelayMs(JOB, 2, config.retry),
    )
  })

  it('emits SweepFailed after the third failed attempt, with every attempt’s error', () => {
    const saga = running()
    for (const attempt of [1, 2]) {
      failAndRecord(saga, attempt)
      saga.record(saga.at(T0 + 60_000 * attempt))
      saga.given(started(attempt + 1))
    }
    const [out, ...rest] = eventsOf(saga.when(attemptFailed(3), T0 + 200_000))
    expect(rest).toEqual([])
    expect(out).toMatchObject({
      id: `SweepFailed:${JOB}:3`,
      type: 'SweepFailed',
      data: {
        attempts: 3,
        reason: 'failed after 3 attempts: boom 3',
        errors: [{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }],
      },
    })
  })

  it('allows as many attempts as the request asks for, up to the configured maximum', () => {
    const five = running({ max_attempts: 5 })
    for (const attempt of [1, 2, 3, 4]) {
      expect(eventsOf(five.when(attemptFailed(attempt), T0))[0]?.type).toBe('SweepRetryScheduled')
      five.record(eventsOf(five.at(T0)).length ? five.at(T0) : [])
      five.record(five.at(T0 + 3_600_000 - 1)) // dispatch the retry
      five.given(started(attempt + 1))
    }
    expect(eventsOf(five.when(attemptFailed(5), T0))[0]?.type).toBe('SweepFailed')

    const capped = new Saga({ ...config, maxAttempts: 2 }).given(requested(JOB, { max_attempts: 5 }))
    capped.record(capped.at(T0))
    capped.settle(attemptFailed(1))
    capped.record(capped.at(T0 + 60_000))
    expect(eventsOf(capped.when(attemptFailed(2), T0 + 60_000))).toMatchObject([
      { type: 'SweepFailed', data: { attempts: 2 } },
    ])
  })

  it('fails at once on a non-retryable error', () => {
    const out = eventsOf(
      running().when(attemptFailed(1, { retryable: false, code: 'NO_DATA', message: 'no bars' })),
    )
    expect(out).toMatchObject([
      {
        type: 'SweepFailed',
        data: { attempts: 1, reason: 'failed with a non-retryable error (NO_DATA): no bars' },
      },
    ])
  })

  it('ignores a failure of an attempt that is not the current one', () => {
    const saga = running()
    failAndRecord(saga, 1)
    saga.record(saga.at(T0 + 60_000))
    expect(saga.when(attemptFailed(1), T0 + 60_000)).toEqual([])
  })

  it('records the attempt’s timeout once its deadline and the executor’s grace have passed', () => {
    const saga = running()
    const deadline = T0 + 600_000
    expect(saga.at(deadline + 4999)).toEqual([])
    expect(eventsOf(saga.at(deadline + 5000))).toMatchObject([
      {
        id: `SweepAttemptFailed:${JOB}:1:deadline`,
        type: 'SweepAttemptFailed',
        data: { attempt: 1, error: { code: 'ATTEMPT_TIMEOUT', retryable: true } },
      },
    ])
  })

  it('fails the job for good when its overall deadline passes during an attempt', () => {
    const saga = new Saga({ ...config, jobDeadlineMs: 100_000 }).given(requested(JOB))
    saga.record(saga.at(T0))
    saga.given(started(1))
    const events = saga.settle(attemptFailed(1, { code: 'X' }), T0 + 1000)
    expect(events.map((e) => e.type)).toEqual(['SweepRetryScheduled'])
    saga.record(saga.at(T0 + 10_000)) // attempt 2, its deadline capped by the job's
    saga.given(started(2))
    const late = saga.at(T0 + 100_000 + config.timeoutGraceMs)
    expect(eventsOf(late)).toMatchObject([
      {
        type: 'SweepAttemptFailed',
        data: { attempt: 2, error: { code: 'JOB_DEADLINE_EXCEEDED', retryable: false } },
      },
    ])
    saga.record(late)
    expect(eventsOf(saga.at(T0 + 100_000 + config.timeoutGraceMs))).toMatchObject([
      { type: 'SweepFailed', data: { attempts: 2 } },
    ])
  })

  it('fails a waiting retry whose job deadline passes before it could run', () => {
    const saga = new Saga({ ...config, jobDeadlineMs: 100_000 }).given(requested(JOB))
    saga.record(saga.at(T0))
    saga.settle(attemptFailed(1), T0 + 1000)
    saga.given(dispatchSwitch('DispatchPaused', null))
    expect(saga.at(T0 + 99_999)).toEqual([])
    expect(eventsOf(saga.at(T0 + 100_000))).toMatchObject([
      { type: 'SweepFailed', data: { reason: expect.stringContaining('deadline') } },
    ])
  })

  it('does not schedule a retry the job deadline leaves no time for', () => {
    const saga = new Saga({ ...config, jobDeadlineMs: 1000 }).given(requested(JOB))
    saga.record(saga.at(T0))
    expect(eventsOf(saga.when(attemptFailed(1), T0 + 500))).toMatchObject([{ type: 'SweepFailed' }])
  })

  it('fails the attempt whose command was dead-lettered, and the job with it', () => {
    const saga = running()
    expect(eventsOf(saga.when(commandDeadLettered(1)))).toMatchObject([
      { type: 'SweepFailed', data: { errors: [{ code: 'MAX_DELIVERIES_EXCEEDED', retryable: false }] } },
    ])
  })

  it('never dispatches a job cancelled while queued', () => {
    const saga = new Saga({ ...config, limits: { global: 1, perTenant: 1 } }).given(
      requested('22222222-2222-4222-8222-222222222222'),
    )
    saga.record(saga.at(T0))
    saga.given(requested(JOB), cancelled(JOB))
    expect(saga.when(completed(1, '22222222-2222-4222-8222-222222222222'))).toEqual([])
  })

  it('does nothing for a cancelled job, whatever arrives after', () => {
    const saga = running()
    expect(saga.when(cancelled(JOB))).toEqual([])
    expect(saga.when(attemptFailed(1))).toEqual([])
    expect(saga.when(completed(1))).toEqual([])
    expect(saga.at(T0 + 10_000_000)).toEqual([])
  })

  it('does not dispatch a retry that was cancelled while it waited', () => {
    const saga = running()
    failAndRecord(saga, 1)
    saga.given(cancelled(JOB))
    expect(saga.at(T0 + 60_000)).toEqual([])
  })

  it('starts a new attempt chain when a failed job is retried, numbering attempts on', () => {
    const saga = running({ max_attempts: 1 })
    expect(failAndRecord(saga, 1).map((e) => e.type)).toEqual(['SweepFailed'])
    const [dispatch] = eventsOf(saga.when(retried(JOB), T0 + 1000))
    expect(dispatch).toMatchObject({
      id: `SweepDispatched:${JOB}:2`,
      data: { attempt: 2, job_deadline_at: iso(T0 + 1000 + 3_600_000) },
    })
    saga.record([{ kind: 'event', event: dispatch!, tenantId: 'acme', expectedLastSeq: 0 }], T0 + 1000)
    saga.given(started(2))
    // The new chain gets its own attempts and errors.
    expect(eventsOf(saga.when(attemptFailed(2), T0 + 2000))).toMatchObject([
      { id: `SweepFailed:${JOB}:2`, data: { attempts: 1, errors: [{ attempt: 2 }] } },
    ])
  })

  it('retries a cancelled job but not a running or completed one', () => {
    const saga = running()
    saga.given(cancelled(JOB))
    expect(eventsOf(saga.when(retried(JOB)))).toMatchObject([
      { type: 'SweepDispatched', data: { attempt: 2 } },
    ])
    const done = running()
    done.given(completed(1))
    expect(done.when(retried(JOB))).toEqual([])
  })
})
