import type { LogEvent } from '@zixly/contracts'
import type { EventProjection, Position, Statement } from './types.ts'

const failedAttempt = (jobId: string, attempt: number | null, at: string, error: unknown): Statement => ({
  text: `UPDATE job_attempts SET status = 'FAILED', finished_at = $3, error = $4
         WHERE job_id = $1 AND ($2::int IS NULL OR attempt = $2) AND status IN ('DISPATCHED', 'RUNNING')`,
  values: [jobId, attempt, at, error],
})

const deadLetter = (e: LogEvent, pos: Position, row: Record<string, unknown>): Statement => {
  const cols = ['id', 'seq', 'tenant_id', 'created_at', ...Object.keys(row)]
  const values = [e.id, pos.seq, e.metadata.tenantId, e.metadata.occurredAt, ...Object.values(row)]
  return {
    text: `INSERT INTO dead_letters (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})
           ON CONFLICT (id) DO NOTHING`,
    values,
  }
}

/**
 * Orchestration's read models: the dead letters, and the job rows the control events change that the
 * jobs projection leaves alone (a retry reopens a finished job; a cancel or a dead-lettered command
 * ends the attempt in flight). One event → a few statements; guarded by `last_seq` or by status, so a
 * replay changes nothing. Pure.
 */
export function projectControl(e: LogEvent, pos: Position): Statement[] {
  const t = e.metadata.occurredAt
  switch (e.type) {
    case 'SweepFailed':
      return [
        deadLetter(e, pos, {
          source: 'job_failed',
          job_id: e.data.job_id,
          attempts: e.data.attempts,
          reason: e.data.reason,
          errors: JSON.stringify(e.data.errors),
        }),
      ]
    case 'SweepCommandDeadLettered': {
      const code = e.data.source === 'invalid_command' ? 'INVALID_COMMAND' : 'MAX_DELIVERIES_EXCEEDED'
      const error = { code, message: e.data.reason, retryable: false }
      return [
        deadLetter(e, pos, {
          source: e.data.source,
          job_id: e.data.job_id,
          reason: e.data.reason,
          errors: JSON.stringify(e.data.attempt === undefined ? [] : [{ attempt: e.data.attempt, ...error }]),
          subject: e.data.subject,
          stream_seq: e.data.stream_seq,
          payload: e.data.payload ?? null,
        }),
        failedAttempt(e.data.job_id, e.data.attempt ?? null, t, error),
      ]
    }
    case 'MessageDeadLettered':
      return [
        deadLetter(e, pos, {
          source: e.data.source,
          reason: e.data.reason,
          subject: e.data.subject,
          stream_seq: e.data.stream_seq,
          payload: e.data.payload ?? null,
        }),
      ]
    case 'SweepCancelled':
      return [
        failedAttempt(e.data.job_id, null, t, {
          code: 'CANCELLED',
          message: e.data.reason,
          retryable: false,
        }),
      ]
    case 'SweepRetried':
      return [
        {
          text: `UPDATE pipeline_jobs SET status = 'QUEUED', completed_at = NULL, error_message = NULL, progress_done = 0,
                   updated_at = $2, last_seq = $3
                 WHERE id = $1 AND last_seq < $3 AND status IN ('FAILED', 'CANCELLED')`,
          values: [e.data.job_id, t, pos.seq],
        },
        {
          text: `UPDATE dead_letters SET resolved_at = $2 WHERE job_id = $1 AND resolved_at IS NULL AND seq < $3`,
          values: [e.data.job_id, t, pos.seq],
        },
      ]
    default:
      return []
  }
}

export const controlProjection: EventProjection = {
  kind: 'event',
  name: 'control',
  tables: ['dead_letters'],
  project: projectControl,
}
