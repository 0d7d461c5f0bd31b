/** Message attribute a producer may set to make its own retries of SendMessage idempotent. */
export const IDEMPOTENCY_ATTRIBUTE = 'Idempotency-Key'

/** Attributes a dead-lettered message carries, besides (up to seven of) its own. */
export const DLQ_ATTRIBUTES = {
  code: 'zixly-error-code',
  reason: 'zixly-error-reason',
  sourceMessageId: 'zixly-source-message-id',
} as const

/** SQS allows ten message attributes; three are ours on a dead letter. */
export const MAX_KEPT_ATTRIBUTES = 7

/** A received message, as much of it as the bridge reads. */
export interface QueueMessage {
  MessageId?: string | undefined
  ReceiptHandle?: string | undefined
  Body?: string | undefined
  MessageAttributes?:
    Record<string, { DataType?: string | undefined; StringValue?: string | undefined }> | undefined
  Attributes?: Partial<Record<string, string>> | undefined
}

/** What to do with a message before any I/O: submit it, or dead-letter it with a code and reason. */
export type Parsed = { ok: true; body: unknown; key: string } | { ok: false; code: string; reason: string }

/**
 * Reads a message: the body must be JSON; the idempotency key is the producer's `Idempotency-Key`
 * attribute when given, else `sqs:<MessageId>` — the same message received twice is the same job.
 */
export function parseMessage(m: QueueMessage): Parsed {
  if (!m.MessageId) return { ok: false, code: 'NO_MESSAGE_ID', reason: 'the message has no MessageId' }
  let body: unknown
  try {
    body = JSON.parse(m.Body ?? '')
  } catch {
    return { ok: false, code: 'INVALID_JSON', reason: 'the message body is not JSON' }
  }
  const given = m.MessageAttributes?.[IDEMPOTENCY_ATTRIBUTE]?.StringValue
  return { ok: true, body, key: given !== undefined && given !== '' ? given : `sqs:${m.MessageId}` }
}

/** How long a message stays invisible after a transient failure: grows with its receive count, capped. */
export function retryVisibilitySeconds(receiveCount: number, baseSeconds = 5, maxSeconds = 300): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, Math.min(10, receiveCount - 1)))
}

/** The queue name at the end of an SQS ARN (`arn:aws:sqs:region:account:name`). */
export function queueNameOfArn(arn: string): string | null {
  const parts = arn.split(':')
  return parts.length === 6 && parts[2] === 'sqs' && parts[5] ? parts[5] : null
}
