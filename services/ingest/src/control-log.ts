import {
  controlSubject,
  isSweepEvent,
  parseEvent,
  type DispatchState,
  type JobStatus,
  type LogEvent,
  type Names,
  type SweepEvent,
} from '@zixly/contracts'
import {
  appendMessage,
  Conflict,
  ConcurrencyError,
  lastOnSubject,
  NotFound,
  type JetStreamClient,
  type JetStreamManager,
} from '@zixly/platform'
import { randomUUID } from 'node:crypto'

/** What the control routes need of the log. */
export interface ControlLogDeps {
  js: JetStreamClient
  jsm: JetStreamManager
  names: Names
  now: () => Date
}

/** A job's status as its last event says (what a cancel or a retry is decided on). */
function statusOf(last: SweepEvent): JobStatus {
  switch (last.type) {
    case 'SweepCompleted':
      return 'COMPLETED'
    case 'SweepFailed':
      return 'FAILED'
    case 'SweepCancelled':
      return 'CANCELLED'
    case 'SweepRequested':
    case 'SweepDispatched':
    case 'SweepRetried':
      return 'QUEUED'
    case 'SweepAttemptFailed':
    case 'SweepRetryScheduled':
      return 'RETRYING'
    default:
      return 'RUNNING'
  }
}

export interface JobAction {
  status: JobStatus
  unchanged: boolean
}

/**
 * Cancel and retry, appended to the job's subject expecting its current end: if anything else is
 * appended in between (the executor's progress, the orchestrator's decision), the state is read
 * again and the request decided again. The job subject belongs to the caller's tenant, so another
 * tenant's job is simply not found.
 */
export function controlLog(deps: ControlLogDeps) {
  const { js, jsm, names } = deps

  async function act(
    tenantId: string,
    jobId: string,
    decide: (status: JobStatus, last: SweepEvent, seq: number) => SweepEvent | JobAction,
  ): Promise<JobAction> {
    const subject = names.eventSubject(tenantId, jobId)
    for (let tries = 0; ; tries++) {
      const last = await lastOnSubject(jsm, names.eventsStream, subject)
      const event = last ? parseEvent(last.data) : null
      if (!last || !event || !isSweepEvent(event)) throw new NotFound(`no job ${jobId}`)
      const next = decide(statusOf(event), event, last.seq)
      if (!('type' in next)) return next
      try {
        await appendMessage(js, subject, next, { expectedLastSubjectSeq: last.seq })
        return { status: next.type === 'SweepCancelled' ? 'CANCELLED' : 'QUEUED', unchanged: false }
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || tries >= 20) throw err
      }
    }
  }

  const meta = (tenantId: string, last: SweepEvent, cause: string) => ({
    tenantId,
    correlationId: last.metadata.correlationId,
    causationId: cause,
    occurredAt: deps.now().toISOString(),
    ...(last.metadata.traceparent === undefined ? {} : { traceparent: last.metadata.traceparent }),
  })

  return {
    /** Cancels a job in any state but a finished one; cancelling a cancelled job changes nothing. */
    cancel(
      tenantId: string,
      jobId: string,
      opts: { reason?: string | undefined; by: string; cause: string },
    ) {
      return act(tenantId, jobId, (status, last, seq) => {
        if (status === 'CANCELLED') return { status, unchanged: true }
        if (status === 'COMPLETED' || status === 'FAILED')
          throw new Conflict(`job ${jobId} is ${status} and cannot be cancelled`, 'JOB_FINISHED')
        return {
          id: `SweepCancelled:${jobId}:${seq}`,
          type: 'SweepCancelled',
          version: 1,
          data: { job_id: jobId, reason: opts.reason ?? 'cancelled on request', cancelled_by: opts.by },
          metadata: meta(tenantId, last, opts.cause),
        }
      })
    },

    /** Starts a new attempt chain for a failed or cancelled job. */
    retry(tenantId: string, jobId: string, opts: { reason?: string | undefined; by: string; cause: string }) {
      return act(tenantId, jobId, (status, last, seq) => {
        if (status !== 'FAILED' && status !== 'CANCELLED')
          throw new Conflict(
            `job ${jobId} is ${status}; only a FAILED or CANCELLED job can be retried`,
            'JOB_NOT_RETRYABLE',
          )
        return {
          id: `SweepRetried:${jobId}:${seq}`,
          type: 'SweepRetried',
          version: 1,
          data: {
            job_id: jobId,
            requested_by: opts.by,
            ...(opts.reason === undefined ? {} : { reason: opts.reason }),
          },
          metadata: meta(tenantId, last, opts.cause),
        }
      })
    },

    /** Pauses or resumes dispatch for one tenant (or every tenant: null); answers the new state. */
    async setDispatch(
      actorTenant: string,
      scope: string | null,
      paused: boolean,
      opts: { reason?: string | undefined; by: string; cause: string },
    ): Promise<DispatchState> {
      const occurredAt = deps.now().toISOString()
      const id = randomUUID()
      const event: LogEvent = {
        id: `${paused ? 'DispatchPaused' : 'DispatchResumed'}:${scope ?? 'all'}:${id}`,
        type: paused ? 'DispatchPaused' : 'DispatchResumed',
        version: 1,
        data: {
          tenant_id: scope,
          requested_by: opts.by,
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        },
        metadata: { tenantId: actorTenant, correlationId: id, causationId: opts.cause, occurredAt },
      }
      await appendMessage(js, controlSubject(names, scope), event)
      return { tenant_id: scope, paused, reason: opts.reason ?? null, updated_at: occurredAt }
    },

    /** Dispatch for every tenant and for this one, as the last control events say. */
    async dispatchStates(tenantId: string): Promise<DispatchState[]> {
      const read = async (scope: string | null): Promise<DispatchState> => {
        const last = await lastOnSubject(jsm, names.eventsStream, controlSubject(names, scope))
        const e = last ? parseEvent(last.data) : null
        if (!e || (e.type !== 'DispatchPaused' && e.type !== 'DispatchResumed'))
          return { tenant_id: scope, paused: false, reason: null, updated_at: new Date(0).toISOString() }
        return {
          tenant_id: scope,
          paused: e.type === 'DispatchPaused',
          reason: e.data.reason ?? null,
          updated_at: e.metadata.occurredAt,
        }
      }
      return Promise.all([read(null), read(tenantId)])
    },
  }
}
export type ControlLog = ReturnType<typeof controlLog>
