import type {
  EventOf,
  NotificationOutcome,
  OutcomeCallback,
  SweepParams,
  TERMINAL_EVENT_TYPES,
} from '@zixly/contracts'

/** An event after which a job changes no more. */
export type TerminalEvent = EventOf<(typeof TERMINAL_EVENT_TYPES)[number]>

/** A job outcome with what a message about it needs: the terminal event and the job's request. */
export interface Outcome {
  readonly event: TerminalEvent
  readonly status: NotificationOutcome
  readonly jobId: string
  readonly tenantId: string
  /** The request's parameters (from the job's first event); null if the log no longer holds it. */
  readonly params: SweepParams | null
}

const STATUS: Record<TerminalEvent['type'], NotificationOutcome> = {
  SweepCompleted: 'COMPLETED',
  SweepFailed: 'FAILED',
  SweepCancelled: 'CANCELLED',
}

/** The outcome a terminal event stands for. */
export function outcomeOf(event: TerminalEvent, params: SweepParams | null): Outcome {
  return {
    event,
    status: STATUS[event.type],
    jobId: event.data.job_id,
    tenantId: event.metadata.tenantId,
    params,
  }
}

/** Why a job did not complete, in one line (null for a completion). */
export function reasonOf(o: Outcome): string | null {
  const e = o.event
  if (e.type === 'SweepCancelled') return e.data.reason
  if (e.type === 'SweepFailed') {
    const last = e.data.errors.at(-1)
    return last && !e.data.reason.includes(last.code)
      ? `${e.data.reason} (${last.code}: ${last.message})`
      : e.data.reason
  }
  return null
}

/** The body of the signed callback to the request's `callback_url`. */
export function callbackBody(o: Outcome): OutcomeCallback {
  const e = o.event
  const completed = e.type === 'SweepCompleted' ? e.data : null
  return {
    event: `sweep.${o.status.toLowerCase()}` as OutcomeCallback['event'],
    event_id: e.id,
    job_id: o.jobId,
    status: o.status,
    occurred_at: e.metadata.occurredAt,
    ticker: o.params?.ticker ?? '',
    strategy_type: o.params?.strategy_type ?? 'SMA',
    fast_range: o.params ? [...o.params.fast_range] : [0, 0],
    slow_range: o.params ? [...o.params.slow_range] : [0, 0],
    step: o.params?.step ?? 0,
    best: completed?.best ?? null,
    total_combinations: completed?.total_combinations ?? null,
    ranked_combinations: completed?.ranked_combinations ?? null,
    reason: reasonOf(o),
    status_url: `/webhook/jobs/${o.jobId}`,
  }
}
