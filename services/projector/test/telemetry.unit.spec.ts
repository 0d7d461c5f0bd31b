import { describe, expect, it } from 'vitest'
import type { LoggedEvent } from '../src/projections/index.ts'
import { outcomesOf } from '../src/telemetry.ts'

const meta = (at: string) => ({ tenantId: 't', correlationId: 'c', causationId: 'c', occurredAt: at })
const ev = (type: string, jobId: string, at: string) => ({ seq: 1, event: { id: `${type}:${jobId}`, type, version: 1, data: { job_id: jobId }, metadata: meta(at) } as unknown as LoggedEvent })

describe('job outcome metrics of a committed batch', () => {
  it('counts each terminal event once with its status and the seconds since the job was requested', () => {
    const requested = new Map([
      ['a', { at: Date.parse('2026-01-01T00:00:00Z'), jobType: 'trading_sweep' }],
      ['b', { at: Date.parse('2026-01-01T00:00:00Z'), jobType: 'trading_sweep' }],
    ])
    const out = outcomesOf(
      [
        ev('SweepStarted', 'a', '2026-01-01T00:00:01Z'),
        ev('SweepCompleted', 'a', '2026-01-01T00:00:12.5Z'),
        ev('SweepFailed', 'b', '2026-01-01T00:01:00Z'),
        ev('SweepCancelled', 'c', '2026-01-01T00:01:00Z'),
        { seq: 9, event: null },
      ],
      requested,
    )
    expect(out).toEqual([
      { jobType: 'trading_sweep', status: 'completed', seconds: 12.5 },
      { jobType: 'trading_sweep', status: 'failed', seconds: 60 },
      // A job whose request row is not found still counts; its duration is unknown.
      { jobType: 'trading_sweep', status: 'cancelled', seconds: null },
    ])
  })
})
