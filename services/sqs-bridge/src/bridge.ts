import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import type { SubmitOutcome } from '@zixly/ingest'
import { describe, ValidationError, type Logger, type Metrics } from '@zixly/platform'
import {
  DLQ_ATTRIBUTES,
  MAX_KEPT_ATTRIBUTES,
  parseMessage,
  queueNameOfArn,
  retryVisibilitySeconds,
  type QueueMessage,
} from './message.ts'

export interface BridgeDeps {
  sqs: Pick<SQSClient, 'send'>
  queueUrl: string
  /** The dead-letter queue; found from the queue's RedrivePolicy when not given. */
  dlqUrl?: string | undefined
  tenantId: string
  /** Validates and appends like the webhook (ingest's submitSweep). */
  submit: (input: {
    tenantId: string
    body: unknown
    key: string
    causationId: string
  }) => Promise<SubmitOutcome>
  logger: Logger
  metrics?: Metrics | undefined
  waitTimeSeconds?: number
  maxMessages?: number
  /** First invisibility after a transient failure, doubled per receive (default 5 s). */
  retryBaseSeconds?: number
}

/** The dead-letter queue of `queueUrl`, from its RedrivePolicy. */
export async function findDeadLetterQueue(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
): Promise<string | null> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  )
  const policy = attrs.Attributes?.RedrivePolicy
  if (!policy) return null
  const arn = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn
  const name = typeof arn === 'string' ? queueNameOfArn(arn) : null
  if (!name) return null
  const owner = typeof arn === 'string' ? arn.split(':')[4] : undefined
  return (
    (
      await sqs.send(
        new GetQueueUrlCommand({ QueueName: name, ...(owner ? { QueueOwnerAWSAccountId: owner } : {}) }),
      )
    ).QueueUrl ?? null
  )
}

/**
 * Turns each SQS message into a job: submit (validate + append), then delete. An invalid message is
 * sent to the dead-letter queue with its reason as attributes and then deleted; a transient failure
 * leaves the message in the queue (invisible for a backoff) so SQS delivers it again.
 */
export function makeSqsBridge(deps: BridgeDeps) {
  const { sqs, queueUrl, logger } = deps
  let dlqUrl = deps.dlqUrl

  async function remove(m: QueueMessage) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }))
  }

  async function deadLetter(m: QueueMessage, code: string, reason: string) {
    dlqUrl ??= (await findDeadLetterQueue(sqs, queueUrl)) ?? undefined
    if (!dlqUrl)
      throw new Error(`queue ${queueUrl} has no dead-letter queue (set SQS_DLQ_URL or a RedrivePolicy)`)
    const kept = Object.entries(m.MessageAttributes ?? {})
      .filter(([name]) => !Object.values<string>(DLQ_ATTRIBUTES).includes(name))
      .slice(0, MAX_KEPT_ATTRIBUTES) as Array<[string, MessageAttributeValue]>
    const str = (v: string): MessageAttributeValue => ({ DataType: 'String', StringValue: v })
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: m.Body && m.Body.length > 0 ? m.Body : '(empty)',
        MessageAttributes: {
          ...Object.fromEntries(kept),
          [DLQ_ATTRIBUTES.code]: str(code),
          [DLQ_ATTRIBUTES.reason]: str(reason.slice(0, 2000)),
          [DLQ_ATTRIBUTES.sourceMessageId]: str(m.MessageId ?? 'unknown'),
        },
      }),
    )
    await remove(m)
    deps.metrics?.deadLetters.inc({ reason: 'sqs_invalid_message' })
    logger.warn({ message_id: m.MessageId, code, reason }, 'sqs message dead-lettered')
  }

  /** Handles one message; never throws (a failure leaves the message for SQS to deliver again). */
  async function handle(m: QueueMessage): Promise<'accepted' | 'replayed' | 'dead-lettered' | 'retry'> {
    try {
      const parsed = parseMessage(m)
      if (!parsed.ok) {
        await deadLetter(m, parsed.code, parsed.reason)
        return 'dead-lettered'
      }
      let out: SubmitOutcome
      try {
        out = await deps.submit({
          tenantId: deps.tenantId,
          body: parsed.body,
          key: parsed.key,
          causationId: `sqs:${m.MessageId}`,
        })
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        const fields = err.fields.map((f) => `${f.field}: ${f.message}`).join('; ')
        await deadLetter(m, err.code, fields ? `${err.message}: ${fields}` : err.message)
        return 'dead-lettered'
      }
      if (out.kind === 'key_reused') {
        await deadLetter(
          m,
          'IDEMPOTENCY_KEY_REUSED',
          `the Idempotency-Key was used for job ${out.jobId} with another body`,
        )
        return 'dead-lettered'
      }
      await remove(m)
      logger.info(
        { message_id: m.MessageId, job_id: out.jobId, tenant_id: deps.tenantId, replayed: out.replayed },
        'sqs message turned into a job',
      )
      return out.replayed ? 'replayed' : 'accepted'
    } catch (err) {
      const receives = Number(m.Attributes?.ApproximateReceiveCount ?? '1')
      const seconds = retryVisibilitySeconds(Number.isFinite(receives) ? receives : 1, deps.retryBaseSeconds)
      logger.warn(
        { message_id: m.MessageId, err: describe(err), retryInSeconds: seconds },
        'sqs message not processed; SQS will deliver it again',
      )
      await sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: seconds,
          }),
        )
        .catch(() => {})
      return 'retry'
    }
  }

  /** Long-polls the queue until stopped. */
  function start() {
    const abort = new AbortController()
    let stopping = false
    const loop = (async () => {
      for (let backoff = 1000; !stopping;) {
        try {
          const r = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: deps.maxMessages ?? 10,
              WaitTimeSeconds: deps.waitTimeSeconds ?? 20,
              MessageAttributeNames: ['All'],
              MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            }),
            { abortSignal: abort.signal },
          )
          backoff = 1000
          for (const m of r.Messages ?? []) await handle(m)
        } catch (err) {
          if (stopping) break
          logger.warn({ err: describe(err), retryInMs: backoff }, 'receiving from SQS failed; retrying')
          await new Promise<void>((res) => {
            const t = setTimeout(res, backoff)
            abort.signal.addEventListener('abort', () => (clearTimeout(t), res()), { once: true })
          })
          backoff = Math.min(backoff * 2, 30_000)
        }
      }
    })()
    return {
      async stop() {
        stopping = true
        abort.abort()
        await loop
      },
    }
  }

  return { handle, start }
}
