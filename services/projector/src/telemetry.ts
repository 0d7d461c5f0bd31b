import { TERMINAL_EVENT_TYPES } from '@zixly/contracts'
import { recordSpan, SpanKind, type Logger, type Metrics, type Pool } from '@zixly/platform'
import { isJobEvent, type LoggedEvent } from './projections/index.ts'

/** What the projector's telemetry needs to know of a committed batch. */
export interface CommittedBatch {
  readonly events: ReadonlyArray<{ readonly seq: number; readonly event: LoggedEvent | null }>
  /** When the batch's transaction began and committed (ms since the epoch). */
  readonly start: number
  readonly end: number
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_EVENT_TYPES)
/** `pipeline_jobs_processed_total{status}` of each terminal event. */
const STATUS_OF: Record<string, string> = { SweepCompleted: 'completed', SweepFailed: 'failed', SweepCancelled: 'cancelled' }

/**
 * The terminal outcomes of a batch: status and seconds from the job's request (its read-model row's
 * `created_at`, given as `requestedAt`) to the terminal event. Pure: the shell reads the rows.
 */
export function outcomesOf(
  events: CommittedBatch['events'],
  requestedAt: ReadonlyMap<string, { at: number; jobType: string }>,
): Array<{ jobType: string; status: string; seconds: number | null }> {
  const out: Array<{ jobType: string; status: string; seconds: number | null }> = []
  for (const { event } of events) {
    if (!event || !isJobEvent(event) || !TERMINAL.has(event.type)) continue
    const req = requestedAt.get(event.data.job_id)
    const seconds = req ? Math.max(0, (Date.parse(event.metadata.occurredAt) - req.at) / 1000) : null
    out.push({ jobType: req?.jobType ?? 'trading_sweep', status: STATUS_OF[event.type] ?? event.type, seconds })
  }
  return out
}

/**
 * After each commit: one span per traced event in the job's trace (the batch applied it), the job
 * outcome metrics (`pipeline_jobs_processed_total`, `pipeline_job_duration_seconds`), and — at most
 * every `countsEveryMs` — the `pipeline_jobs{status}` gauge from the read model. Telemetry never
 * fails the projector: errors are logged at debug level.
 */
export function projectorTelemetry(deps: { pool: Pool; metrics?: Metrics | undefined; logger: Logger; countsEveryMs?: number }) {
  const { pool, metrics, logger } = deps
  let countsAt = 0
  let counting: Promise<void> | null = null

  async function refreshCounts(): Promise<void> {
    if (!metrics) return
    const r = await pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM pipeline_jobs GROUP BY status`)
    const seen = new Map(r.rows.map((row) => [row.status.toLowerCase(), Number(row.n)]))
    for (const status of ['queued', 'running', 'retrying', 'completed', 'failed', 'cancelled']) metrics.jobs.set({ status }, seen.get(status) ?? 0)
  }

  let trailing: NodeJS.Timeout | undefined
  /** Refreshes the job counts, at most once every `countsEveryMs`; a change within that window is counted at its end. */
  function maybeRefreshCounts(): void {
    if (!metrics || trailing) return
    const wait = countsAt + (deps.countsEveryMs ?? 2000) - Date.now()
    if (wait > 0 || counting) {
      trailing = setTimeout(() => {
        trailing = undefined
        maybeRefreshCounts()
      }, Math.max(wait, 50))
      trailing.unref()
      return
    }
    countsAt = Date.now()
    counting = refreshCounts()
      .catch((err: unknown) => logger.debug({ err: String(err) }, 'could not count jobs for pipeline_jobs'))
      .finally(() => (counting = null))
  }

  async function committed(batch: CommittedBatch): Promise<void> {
    for (const { seq, event } of batch.events) {
      if (!event || !isJobEvent(event)) continue
      recordSpan(`projector ${event.type}`, event.metadata.traceparent, {
        start: batch.start,
        end: batch.end,
        kind: SpanKind.CONSUMER,
        service: 'projector',
        attributes: { 'zixly.service': 'projector', 'zixly.job_id': event.data.job_id, 'zixly.tenant_id': event.metadata.tenantId, 'zixly.seq': seq },
      })
    }
    if (!metrics) return
    const terminal = batch.events.flatMap(({ event }) => (event && isJobEvent(event) && TERMINAL.has(event.type) ? [event.data.job_id] : []))
    const jobEvents = batch.events.some(({ event }) => event && isJobEvent(event))
    if (jobEvents) maybeRefreshCounts()
    if (terminal.length === 0) return
    try {
      const r = await pool.query<{ id: string; created_at: Date; job_type: string }>(
        `SELECT id, created_at, job_type FROM pipeline_jobs WHERE id = ANY($1::uuid[])`,
        [terminal],
      )
      const requested = new Map(r.rows.map((row) => [row.id, { at: row.created_at.getTime(), jobType: row.job_type }]))
      for (const o of outcomesOf(batch.events, requested)) {
        metrics.jobsProcessed.inc({ job_type: o.jobType, status: o.status })
        if (o.seconds !== null) metrics.jobDuration.observe({ job_type: o.jobType, status: o.status }, o.seconds)
      }
    } catch (err) {
      logger.debug({ err: String(err) }, 'could not read job request times for pipeline_job_duration_seconds')
    }
  }

  return {
    committed,
    refreshCounts: maybeRefreshCounts,
    stop: () => clearTimeout(trailing),
  }
}
