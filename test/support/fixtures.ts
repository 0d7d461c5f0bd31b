import { SweepParams, type EventMetadata, type SweepEvent } from '@zixly/contracts'
import { appendMessage } from '@zixly/platform'
import type { TestEnv } from './env.ts'

/**
 * The seed's sweep (BTC-USD, SMA, fast 10–20 × slow 20–30, step 5: 8 pairs) as the normalized
 * parameters ingest appends, every default spelled out; `over` replaces any field.
 */
export const seedParams = (over: Partial<SweepParams> = {}): SweepParams =>
  SweepParams.parse({
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
    ...over,
  })

/** The metadata of an event a test appends: the job is its own correlation, stamped now. */
export const testMetadata = (jobId: string, tenantId = 'local', causationId = 'test'): EventMetadata => ({
  tenantId,
  correlationId: jobId,
  causationId,
  occurredAt: new Date().toISOString(),
})

/** A job's `SweepRequested` (the current version), as ingest would append it. */
export const sweepRequested = (jobId: string, params: SweepParams, metadata = testMetadata(jobId)): SweepEvent => ({
  id: `SweepRequested:${jobId}`,
  type: 'SweepRequested',
  version: 2,
  data: { job_id: jobId, params },
  metadata,
})

/** Appends a job's `SweepRequested` as ingest does: first on the job's subject. */
export async function appendSweepRequested(
  env: Pick<TestEnv, 'nc' | 'names'>,
  jobId: string,
  params: SweepParams,
  metadata = testMetadata(jobId),
): Promise<void> {
  await appendMessage(env.nc.jetstream(), env.names.eventSubject(metadata.tenantId, jobId), sweepRequested(jobId, params, metadata), {
    expectedLastSubjectSeq: 0,
  })
}
