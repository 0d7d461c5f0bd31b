import {
  CommandIdentity,
  deadLetterSubject,
  tenantOfCommandSubject,
  type LogEvent,
  type Names,
} from '@zixly/contracts'
import { appendMessage, type JetStreamClient } from '@zixly/platform'
import type { JsMsg } from 'nats'

/**
 * Records a command that fails validation before it is terminated: on its job when the command
 * names one (`SweepCommandDeadLettered`: the saga then fails that attempt instead of waiting for its
 * deadline), otherwise as a `MessageDeadLettered`. The tenant comes from the subject it was sent on.
 */
export async function recordInvalidCommand(
  deps: { js: JetStreamClient; names: Names; stream: string },
  m: JsMsg,
  reason: string,
  now: Date,
) {
  const text = safe(() => m.string()) ?? ''
  const tenantId = tenantOfCommandSubject(deps.names, m.subject)
  const named = CommandIdentity.safeParse(safe(() => JSON.parse(text) as unknown))
  const common = {
    source: 'invalid_command' as const,
    stream: deps.stream,
    stream_seq: m.seq,
    subject: m.subject,
    deliveries: m.info.deliveryCount,
    reason: reason.slice(0, 2000),
    payload: text.slice(0, 4000),
  }
  const occurredAt = now.toISOString()
  const ref = `${deps.stream}-${m.seq}`
  if (named.success && tenantId !== null) {
    const { job_id, attempt } = named.data.data
    const event: LogEvent = {
      id: `SweepCommandDeadLettered:${job_id}:${ref}`,
      type: 'SweepCommandDeadLettered',
      version: 1,
      data: { ...common, job_id, ...(attempt === undefined ? {} : { attempt }) },
      metadata: { tenantId, correlationId: job_id, causationId: ref, occurredAt },
    }
    await appendMessage(deps.js, deps.names.eventSubject(tenantId, job_id), event)
    return
  }
  const event: LogEvent = {
    id: `MessageDeadLettered:${ref}`,
    type: 'MessageDeadLettered',
    version: 1,
    data: { ...common, dead_letter_id: ref },
    metadata: { tenantId: tenantId ?? 'unknown', correlationId: ref, causationId: ref, occurredAt },
  }
  await appendMessage(deps.js, deadLetterSubject(deps.names, tenantId), event)
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn()
  } catch {
    return null
  }
}
