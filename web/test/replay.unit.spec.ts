import { describe, expect, it } from 'vitest'
import type { TimelineEntry } from '@zixly/contracts'
import { replay } from '../src/lib/replay.ts'

const ev = (seq: number, type: string, attempt: number | null, data: unknown = {}): TimelineEntry => ({
  seq,
  time: `2026-01-01T00:00:0${seq}.000Z`,
  type,
  version: 1,
  attempt,
  summary: type,
  data,
})

describe('time travel through a job', () => {
  it('shows the state after each event of a job that failed once and then completed', () => {
    const states = replay([
      ev(1, 'SweepRequested', null),
      ev(2, 'SweepDispatched', 1),
      ev(3, 'SweepStarted', 1, { combinations: 8 }),
      ev(4, 'SweepAttemptFailed', 1, { error: { code: 'ENGINE', message: 'boom', retryable: true } }),
      ev(5, 'SweepDispatched', 2),
      ev(6, 'SweepStarted', 2, { combinations: 8 }),
      ev(7, 'SweepProgressed', 2, { done: 4, total: 8 }),
      ev(8, 'SweepResultsRecorded', 2, { rows: new Array(8).fill({}) }),
      ev(9, 'SweepCompleted', 2, { best: { fast_period: 10, slow_period: 20, score: 1.5 } }),
    ])
    expect(states.map((s) => s.status)).toEqual(['QUEUED', 'QUEUED', 'RUNNING', 'RETRYING', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'COMPLETED'])
    expect(states[3]!.errors).toEqual([{ attempt: 1, code: 'ENGINE', message: 'boom' }])
    expect(states[6]!.progress).toEqual({ done: 4, total: 8 })
    expect(states[8]).toMatchObject({ attempt: 2, results_recorded: 8, best: { fast_period: 10, slow_period: 20 }, step: 9, seq: 9 })
  })

  it('ends cancelled when the job was cancelled while running', () => {
    const states = replay([ev(1, 'SweepRequested', null), ev(2, 'SweepDispatched', 1), ev(3, 'SweepStarted', 1), ev(4, 'SweepCancelled', null)])
    expect(states.at(-1)!.status).toBe('CANCELLED')
  })
})
