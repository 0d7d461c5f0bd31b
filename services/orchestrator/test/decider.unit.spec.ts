import { describe, expect, it } from 'vitest'
import { SweepParams, type SweepEvent } from '@zixly/contracts'
import { decide, type Output } from '../src/sweep/decide.ts'
import { evolve, initialState, type JobState } from '../src/sweep/state.ts'

const JOB = '11111111-1111-4111-8111-111111111111'
const NOW = '2026-11-26T12:00:00.000Z'
const params = SweepParams.parse({
  ticker: 'BTC-USD',
  strategy_type: 'SMA',
  fast_range: [10, 20],
  slow_range: [20, 30],
  step: 5,
  min_trades: 50,
  signal_period: 9,
  interval: '1d',
  fee: 0.001,
  init_cash: 1000,
  priority: 5,
  max_attempts: 3,
})
const meta = (id: string) => ({ tenantId: 'acme', correlationId: JOB, causationId: id, occurredAt: NOW })

const requested: SweepEvent = { id: `SweepRequested:${JOB}`, type: 'SweepRequested', version: 2, data: { job_id: JOB, params }, metadata: meta('req') }
const dispatched = (attempt: number): SweepEvent => ({
  id: `SweepDispatched:${JOB}:${attempt}`,
  type: 'SweepDispatched',
  version: 1,
  data: { job_id: JOB, attempt, command_id: `RunSweep:${JOB}:${attempt}` },
  metadata: meta('d'),
})
const started = (attempt: number): SweepEvent => ({
  id: `SweepStarted:${JOB}:${attempt}`,
  type: 'SweepStarted',
  version: 1,
  data: { job_id: JOB, attempt, executor_id: 'x', combinations: 8, bars: 100 },
  metadata: meta('s'),
})
const attemptFailed = (attempt: number, retryable = true): SweepEvent => ({
  id: `SweepAttemptFailed:${JOB}:${attempt}`,
  type: 'SweepAttemptFailed',
  version: 1,
  data: { job_id: JOB, attempt, error: { code: 'BOOM', message: `boom ${attempt}`, retryable } },
  metadata: meta('f'),
})
const cancelled: SweepEvent = {
  id: `SweepCancelled:${JOB}`,
  type: 'SweepCancelled',
  version: 1,
  data: { job_id: JOB, reason: 'user asked' },
  metadata: meta('c'),
}

/** given: past events; when: a new event; then: what the orchestrator emits. */
function given(...past: SweepEvent[]) {
  const state = past.reduce<JobState>(evolve, initialState())
  return {
    when(event: SweepEvent): Output[] {
      return decide(event, evolve(state, event), { now: NOW })
    },
  }
}

describe('sweep saga', () => {
  it('dispatches attempt 1 when a sweep is requested', () => {
    const out = given().when(requested)
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({
      kind: 'event',
      event: { id: `SweepDispatched:${JOB}:1`, type: 'SweepDispatched', data: { attempt: 1 }, metadata: { tenantId: 'acme', causationId: requested.id } },
    })
  })

  it('sends RunSweep with the job parameters once the dispatch is recorded', () => {
    const out = given(requested).when(dispatched(1))
    expect(out).toEqual([
      {
        kind: 'command',
        command: expect.objectContaining({ id: `RunSweep:${JOB}:1`, type: 'RunSweep', data: { job_id: JOB, attempt: 1, params } }),
      },
    ])
  })

  it('emits the same ids when the same decision is taken twice', () => {
    expect(given().when(requested)).toEqual(given().when(requested))
  })

  it('does not dispatch a second time when the request is seen again', () => {
    expect(given(requested, dispatched(1)).when(requested)).toEqual([])
  })

  it('dispatches the next attempt after a retryable failure', () => {
    const out = given(requested, dispatched(1), started(1)).when(attemptFailed(1))
    expect(out).toMatchObject([{ kind: 'event', event: { type: 'SweepDispatched', data: { attempt: 2 } } }])
  })

  it('emits SweepFailed after the third failed attempt, with every attempt’s error', () => {
    const out = given(requested, dispatched(1), attemptFailed(1), dispatched(2), attemptFailed(2), dispatched(3)).when(attemptFailed(3))
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({
      kind: 'event',
      event: { type: 'SweepFailed', data: { attempts: 3, errors: [{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }] } },
    })
  })

  it('fails at once on a non-retryable error', () => {
    const out = given(requested, dispatched(1)).when(attemptFailed(1, false))
    expect(out).toMatchObject([{ event: { type: 'SweepFailed', data: { attempts: 1 } } }])
  })

  it('ignores a failure of an attempt that is not the current one', () => {
    expect(given(requested, dispatched(1), attemptFailed(1), dispatched(2)).when(attemptFailed(1))).toEqual([])
  })

  it('does nothing for a cancelled job, whatever arrives after', () => {
    expect(given(requested, cancelled).when(dispatched(1))).toEqual([])
    expect(given(requested, dispatched(1), cancelled).when(attemptFailed(1))).toEqual([])
  })
})
